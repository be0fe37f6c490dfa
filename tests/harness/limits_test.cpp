#include "synclab/harness/limits.hpp"

#include <gtest/gtest.h>

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
}

TEST(Limits, PingPongToAMissingPuThrowsAndLeavesNoThreadBehind) {
  const auto hw = HwlocTopology::load_this_machine();
  EXPECT_THROW(measure_pingpong(hw, hw.topology().pus.front().os_index, 100000, milliseconds(5)), TopologyError);
  EXPECT_THROW(measure_pingpong(hw, 100000, hw.topology().pus.front().os_index, milliseconds(5)), TopologyError);
}

}  // namespace
}  // namespace synclab::harness
