#include "synclab/harness/workloads/padding.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "synclab/harness/driver.hpp"
#include "synclab/locks/futex_mutex3.hpp"

namespace synclab::harness {
namespace {

using std::chrono::milliseconds;

TEST(PaddingDistance, SweepsEveryWordTo256ThenCoarser) {
  const auto sweep = distance_sweep();
  ASSERT_EQ(sweep.size(), 36u);
  EXPECT_EQ(sweep.front(), 0u);
  EXPECT_EQ(sweep[1], 8u);
  EXPECT_EQ(sweep[32], 256u);
  EXPECT_EQ(sweep[33], 320u);
  EXPECT_EQ(sweep.back(), 512u);
}

std::vector<DistancePoint> points(std::initializer_list<std::pair<std::size_t, double>> ns) {
  std::vector<DistancePoint> v;
  for (auto [b, t] : ns) v.push_back({b, t, 0, 1});
  return v;
}

TEST(PaddingDistance, InterferenceEndsWhereTheSlowdownVanishesForGood) {
  // Slow up to 120 bytes, then as fast as the tail, with noise below the threshold.
  const auto sweep = points({{0, 30}, {8, 20}, {64, 18}, {120, 12}, {128, 2.2}, {192, 2.9}, {256, 2.0},
                             {320, 2.0}, {384, 2.1}, {512, 1.9}});
  const InterferenceEstimate e = estimate_interference(sweep, 1.5);
  ASSERT_TRUE(e.bytes.has_value());
  EXPECT_EQ(*e.bytes, 128u);
  EXPECT_DOUBLE_EQ(e.baseline_ns, 2.0);
  EXPECT_DOUBLE_EQ(e.max_slowdown, 15.0);
}

TEST(PaddingDistance, AnIsolatedSlowPointIsNoise) {
  const auto sweep = points({{0, 30}, {8, 25}, {64, 2}, {128, 2}, {192, 9}, {256, 2}, {320, 2}, {384, 2}, {512, 2}});
  EXPECT_EQ(*estimate_interference(sweep, 1.5).bytes, 64u);
}

TEST(PaddingDistance, TwoSlowPointsInARowMoveTheDistanceOut) {
  const auto sweep = points({{0, 30}, {64, 2}, {128, 9}, {192, 9}, {256, 2}, {320, 2}, {384, 2}, {512, 2}});
  EXPECT_EQ(*estimate_interference(sweep, 1.5).bytes, 256u);
}

TEST(PaddingDistance, OnlyTheSharedCounterSlowIsDistanceEight) {
  const auto sweep = points({{0, 9}, {8, 2}, {16, 2}, {512, 2}});
  EXPECT_EQ(*estimate_interference(sweep, 1.5).bytes, 8u);
}

TEST(PaddingDistance, NoSlowdownAtAllIsDistanceZeroAndSlowEverywhereIsNone) {
  EXPECT_EQ(*estimate_interference(points({{0, 2}, {8, 2}, {512, 2}}), 1.5).bytes, 0u);
  EXPECT_FALSE(estimate_interference({}, 1.5).bytes.has_value());
  // Even the tail is slowed down against its own median: no distance is safe.
  EXPECT_FALSE(estimate_interference(points({{0, 9}, {256, 2}, {320, 2}, {384, 9}, {512, 9}}), 1.5).bytes.has_value());
}

TEST(PaddingDistance, MeasuresBothWritersOnTwoPus) {
  const auto hw = HwlocTopology::load_this_machine();
  const auto& pus = hw.topology().pus;
  const int a = pus.front().os_index;
  const int b = pus.size() > 1 ? pus[1].os_index : a;
  for (std::size_t bytes : {std::size_t{0}, std::size_t{64}, std::size_t{512}}) {
    const DistancePoint p = measure_distance(&hw, a, b, bytes, milliseconds(5));
    EXPECT_EQ(p.bytes, bytes);
    EXPECT_GT(p.ops, 0u);
    EXPECT_GT(p.ns_per_op, 0.0);
    EXPECT_GT(p.ops_per_sec, 0.0);
  }
  EXPECT_THROW(measure_distance(&hw, a, b, 7, milliseconds(1)), std::invalid_argument);
  EXPECT_THROW(measure_distance(&hw, a, b, 520, milliseconds(1)), std::invalid_argument);
  EXPECT_THROW(measure_distance(&hw, a, 100000, 8, milliseconds(1)), TopologyError);
}

TEST(PaddingConstants, ReadsTheLineSizeFromSysfsOrSaysUnknown) {
  const std::string path = ::testing::TempDir() + "/coherency_line_size";
  std::ofstream(path) << "64\n";
  EXPECT_EQ(read_coherency_line_size(path), 64u);
  std::ofstream(path) << "garbage\n";
  EXPECT_FALSE(read_coherency_line_size(path).has_value());
  std::remove(path.c_str());
  EXPECT_FALSE(read_coherency_line_size(path).has_value());
  const InterferenceConstants c = interference_constants();
  EXPECT_EQ(c.reference, 128u);
#if defined(__cpp_lib_hardware_interference_size)
  EXPECT_GE(c.destructive, 32u);
#endif
}

TEST(PaddingCh7, EveryBackgroundOperationOnEveryTargetRuns) {
  const auto hw = HwlocTopology::load_this_machine();
  const auto& pus = hw.topology().pus;
  const int a = pus.front().os_index;
  const int b = pus.size() > 1 ? pus[1].os_index : a;
  const Ch7Result alone = measure_ch7(&hw, a, b, "none", "same", milliseconds(5));
  EXPECT_GT(alone.loads, 0u);
  EXPECT_EQ(alone.background_ops_per_sec, 0.0);
  for (std::string_view op : ch7_background_ops())
    for (std::string_view target : ch7_targets()) {
      const Ch7Result r = measure_ch7(&hw, a, b, op, target, milliseconds(3));
      EXPECT_GT(r.loads, 0u) << op << " " << target;
      EXPECT_GT(r.background_ops_per_sec, 0.0) << op << " " << target;
    }
  EXPECT_THROW(measure_ch7(&hw, a, b, "fetch_xor", "same", milliseconds(1)), std::invalid_argument);
  EXPECT_THROW(measure_ch7(&hw, a, b, "load", "far", milliseconds(1)), std::invalid_argument);
}

TEST(PaddedArrays, ElementsStartOnTheirOwnBlocks) {
  AlignedArray<padding::Padded<std::atomic<std::uint64_t>, 128>> a(3);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&a[0]) % 256, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&a[1]) - reinterpret_cast<std::uintptr_t>(&a[0]), 128u);
  EXPECT_EQ(PaddedCountersWorkload<0>::bytes_per_element, 8u);
  EXPECT_EQ(PaddedCountersWorkload<64>::bytes_per_element, 64u);
  EXPECT_EQ((PaddedLocksWorkload<locks::FutexMutex3, 0>::bytes_per_element), 16u);
  EXPECT_EQ((PaddedLocksWorkload<locks::FutexMutex3, 256>::bytes_per_element), 256u);
}

DriverConfig config(int threads) {
  DriverConfig cfg;
  cfg.case_name = "test/padding";
  for (int i = 0; i < threads; ++i) cfg.plan.pu_of_thread.push_back(0);
  cfg.duration = milliseconds(30);
  return cfg;
}

TEST(PaddedArrays, EveryIncrementIsCounted) {
  PaddedCountersWorkload<0> counters(2);
  RunResult r = run_fixed_duration(config(2), counters);
  EXPECT_GT(r.total_ops(), 0u);
  EXPECT_EQ(counters.total(), r.total_ops());
  PaddedLocksWorkload<locks::FutexMutex3, 128> locks(2);
  r = run_fixed_duration(config(2), locks);
  EXPECT_EQ(locks.total(), r.total_ops());
}

}  // namespace
}  // namespace synclab::harness
