#include "synclab/harness/workloads/ordering.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

namespace synclab::harness {
namespace {

using std::chrono::milliseconds;

TEST(Ordering, ListsOnlyValidOrderings) {
  std::set<std::string> seen;
  for (const OrderingOp& op : ordering_ops()) {
    EXPECT_TRUE(seen.insert(std::string(op.op) + "/" + std::string(op.order)).second) << "duplicate";
    if (op.op == "load") {
      EXPECT_NE(op.order, "release");
    }
    if (op.op == "load") {
      EXPECT_NE(op.order, "acq_rel");
    }
    if (op.op == "store") {
      EXPECT_NE(op.order, "acquire");
    }
    if (op.op == "store") {
      EXPECT_NE(op.order, "acq_rel");
    }
    if (op.op == "fence") {
      EXPECT_FALSE(op.contended);
    }
  }
  EXPECT_TRUE(seen.count("compare_exchange/acq_rel"));
  EXPECT_TRUE(seen.count("fetch_or_casloop/seq_cst"));
  EXPECT_TRUE(seen.count("fence/seq_cst"));
}

TEST(Ordering, EveryOperationRunsAloneAndContended) {
  const auto hw = HwlocTopology::load_this_machine();
  const auto& pus = hw.topology().pus;
  const std::array<int, 2> two = {pus.front().os_index, pus.size() > 1 ? pus[1].os_index : pus.front().os_index};
  for (const OrderingOp& op : ordering_ops()) {
    const OrderingCost one = measure_ordering(&hw, std::span<const int>(two.data(), 1), op.op, op.order, milliseconds(2));
    EXPECT_GT(one.ops, 0u) << op.op << "/" << op.order;
    EXPECT_GT(one.ns_per_op, 0.0);
    if (!op.contended) continue;
    const OrderingCost both = measure_ordering(&hw, two, op.op, op.order, milliseconds(2));
    EXPECT_GT(both.ops, 0u) << op.op << "/" << op.order;
  }
}

TEST(Ordering, RejectsInvalidPairsAndThreadCounts) {
  const std::array<int, 2> pus = {0, 0};
  EXPECT_THROW(measure_ordering(nullptr, pus, "store", "acquire", milliseconds(1)), std::invalid_argument);
  EXPECT_THROW(measure_ordering(nullptr, pus, "teleport", "relaxed", milliseconds(1)), std::invalid_argument);
  EXPECT_THROW(measure_ordering(nullptr, pus, "fence", "seq_cst", milliseconds(1)), std::invalid_argument);
  EXPECT_THROW(measure_ordering(nullptr, {}, "load", "relaxed", milliseconds(1)), std::invalid_argument);
}

}  // namespace
}  // namespace synclab::harness
