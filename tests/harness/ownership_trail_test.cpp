// ownership_trail_test - Unit tests for harness/ownership_trail.hpp: each
// short-term fairness metric on an acquisition order with a known answer,
// a planted batching lock it must expose, and orders it must not mistake
// for batching.
#include "synclab/harness/ownership_trail.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace synclab::harness {
namespace {

std::map<std::string, double> metrics_of(const OwnershipTrail& trail) {
  const Metrics m = trail.metrics();
  return {m.begin(), m.end()};
}

TEST(OwnershipTrail, StrictRoundRobinHandsOverEveryTime) {
  OwnershipTrail trail(3);
  for (int i = 0; i < 3 * 64 * 10; ++i) trail.acquired(i % 3);
  const auto m = metrics_of(trail);
  EXPECT_DOUBLE_EQ(m.at("handoff_ratio"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("run_length_mean"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("run_length_max"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("fairness_jain_short"), 1.0);
}

// The planted effect: a holder re-takes the lock 1000 times in a row. Over
// the whole window every thread still gets its share (window Jain = 1), but
// the trail sees the batches.
TEST(OwnershipTrail, ABatchingLockIsExposedThoughItsWindowShareIsFair) {
  OwnershipTrail trail(2);
  for (int batch = 0; batch < 20; ++batch)
    for (int i = 0; i < 1000; ++i) trail.acquired(batch % 2);
  const auto m = metrics_of(trail);
  EXPECT_NEAR(m.at("handoff_ratio"), 19.0 / 19999.0, 1e-12);
  EXPECT_DOUBLE_EQ(m.at("run_length_mean"), 1000.0);
  EXPECT_DOUBLE_EQ(m.at("run_length_max"), 1000.0);
  EXPECT_LT(m.at("fairness_jain_short"), 0.6);  // most blocks belong to one thread: Jain 1/2
}

// The null: owners drawn at random are short-term fair; nothing may call
// that batching.
TEST(OwnershipTrail, ARandomOrderIsNotMistakenForBatching) {
  for (int threads : {2, 4, 8}) {
    OwnershipTrail trail(threads);
    std::mt19937 rng(42 + threads);
    std::uniform_int_distribution<int> owner(0, threads - 1);
    for (int i = 0; i < 200'000; ++i) trail.acquired(owner(rng));
    const auto m = metrics_of(trail);
    const double expected = static_cast<double>(threads - 1) / threads;
    EXPECT_NEAR(m.at("handoff_ratio"), expected, 0.01) << threads << " threads";
    EXPECT_GT(m.at("fairness_jain_short"), 0.97) << threads << " threads";
    EXPECT_LT(m.at("run_length_max"), 40.0) << threads << " threads";
  }
}

TEST(OwnershipTrail, TheFirstAcquisitionChangesOwnerButIsNoHandoff) {
  OwnershipTrail trail(2);
  EXPECT_TRUE(trail.acquired(1));
  EXPECT_FALSE(trail.acquired(1));
  EXPECT_TRUE(trail.acquired(0));
  const auto m = metrics_of(trail);
  EXPECT_DOUBLE_EQ(m.at("handoff_ratio"), 0.5);  // 1 handoff in 2 chances
  EXPECT_DOUBLE_EQ(m.at("run_length_max"), 2.0);
}

// What was not measured is absent: no acquisition, no ratio; no complete
// block, no short-term Jain.
TEST(OwnershipTrail, TooLittleDataIsAbsentNotZero) {
  const OwnershipTrail idle(2);
  EXPECT_TRUE(metrics_of(idle).empty());
  OwnershipTrail once(2);
  once.acquired(0);
  const auto m = metrics_of(once);
  EXPECT_EQ(m.count("handoff_ratio"), 0u);
  EXPECT_EQ(m.count("fairness_jain_short"), 0u);
  EXPECT_DOUBLE_EQ(m.at("run_length_max"), 1.0);
}

}  // namespace
}  // namespace synclab::harness
