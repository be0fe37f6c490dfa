#include "synclab/harness/limits.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace synclab::harness {
namespace {

using std::chrono::milliseconds;

TEST(Limits, EveryOperationHasAPositiveCost) {
  for (auto group : {atomic_operations(), syscall_operations()})
    for (std::string_view op : group) {
      const OperationCost c = measure_cost(op, milliseconds(5));
      EXPECT_GT(c.ops, 0u) << op;
      EXPECT_GT(c.ns_per_op, 0.0) << op;
    }
}

TEST(Limits, UnknownOperationIsRejected) {
  EXPECT_THROW(measure_cost("teleport", milliseconds(1)), std::invalid_argument);
}

TEST(Limits, PingPongCompletesRoundTripsBetweenTwoPus) {
  const auto hw = HwlocTopology::load_this_machine();
  const auto& pus = hw.topology().pus;
  const int a = pus.front().os_index;
  const int b = pus.size() > 1 ? pus[1].os_index : a;  // one PU: both threads share it
  const PingPongResult r = measure_pingpong(hw, a, b, milliseconds(20));
  EXPECT_GT(r.round_trips, 0u);
  EXPECT_GT(r.roundtrip_ns, 0.0);
  EXPECT_DOUBLE_EQ(r.oneway_ns * 2, r.roundtrip_ns);
  // The fastest batch is no slower than the window's mean.
  EXPECT_GT(r.best_oneway_ns, 0.0);
  EXPECT_LE(r.best_oneway_ns, r.oneway_ns);
}

TEST(Limits, PingPongToAMissingPuThrowsAndLeavesNoThreadBehind) {
  const auto hw = HwlocTopology::load_this_machine();
  EXPECT_THROW(measure_pingpong(hw, hw.topology().pus.front().os_index, 100000, milliseconds(5)), TopologyError);
  EXPECT_THROW(measure_pingpong(hw, 100000, hw.topology().pus.front().os_index, milliseconds(5)), TopologyError);
}

using Pairs = std::vector<std::pair<int, int>>;

TEST(Limits, ReferencePairsAreTheDistinctUnorderedPairs) {
  EXPECT_EQ(reference_pairs(std::vector<int>{0}), Pairs{});
  EXPECT_EQ(reference_pairs(std::vector<int>{3, 3, 3}), Pairs{});
  EXPECT_EQ(reference_pairs(std::vector<int>{2, 0}), (Pairs{{0, 2}}));
  // Oversubscribed: repeats add no pair.
  EXPECT_EQ(reference_pairs(std::vector<int>{0, 1, 0, 1, 0, 1}), (Pairs{{0, 1}}));
  EXPECT_EQ(reference_pairs(std::vector<int>{0, 1, 2}), (Pairs{{0, 1}, {0, 2}, {1, 2}}));
}

TEST(Limits, ReferencePairsAreCappedAndSpreadOnLargeSets) {
  std::vector<int> pus;
  for (int i = 0; i < 40; ++i) pus.push_back(i);  // 780 pairs
  const Pairs p = reference_pairs(pus);
  ASSERT_EQ(p.size(), static_cast<std::size_t>(kMaxReferencePairs));
  EXPECT_EQ(p.front(), (std::pair{0, 1}));
  EXPECT_GT(p.back().first, 20);  // spread to the end, not the first 64
}

TEST(Limits, ReferenceOnewayNeedsTwoPusAndIsCachedPerPair) {
  const auto hw = HwlocTopology::load_this_machine();
  const auto& pus = hw.topology().pus;
  const int a = pus.front().os_index;
  EXPECT_FALSE(reference_oneway(hw, std::vector<int>{a, a}, milliseconds(1)).has_value());
  if (pus.size() < 2) GTEST_SKIP() << "one PU: no pair to measure";
  const int b = pus[1].os_index;
  const auto first = reference_oneway(hw, std::vector<int>{a, b}, milliseconds(2));
  ASSERT_TRUE(first.has_value());
  EXPECT_GT(first->oneway_ns, 0.0);
  EXPECT_EQ(first->pairs, 1);
  // The same pair in the other order and with repeats: the cached value.
  const auto again = reference_oneway(hw, std::vector<int>{b, a, b, a}, milliseconds(2));
  ASSERT_TRUE(again.has_value());
  EXPECT_DOUBLE_EQ(again->oneway_ns, first->oneway_ns);
}

}  // namespace
}  // namespace synclab::harness
