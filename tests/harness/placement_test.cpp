#include "synclab/harness/placement.hpp"

#include <gtest/gtest.h>

#include <set>

namespace synclab::harness {
namespace {

// 2 packages × 2 L3 × 2 cores × 2 SMT threads; PU os index = logical index.
const Topology& big_machine() {
  static const HwlocTopology hw = HwlocTopology::from_synthetic("pack:2 l3:2 core:2 pu:2");
  return hw.topology();
}

TEST(Placement, ParsesThePolicies) {
  EXPECT_EQ(parse_placement("compact").policy, PlacementPolicy::compact);
  EXPECT_EQ(parse_placement("scatter").policy, PlacementPolicy::scatter);
  const PlacementSpec s = parse_placement("cpus:3,0-2");
  EXPECT_EQ(s.policy, PlacementPolicy::cpu_list);
  EXPECT_EQ(s.cpus, (std::vector<int>{3, 0, 1, 2}));
  EXPECT_EQ(s.text, "cpus:3,0-2");
}

TEST(Placement, RejectsMalformedSpecs) {
  for (const char* bad : {"", "spread", "cpus:", "cpus:a", "cpus:1,,2", "cpus:3-1", "cpus:1,1", "cpus:-1"})
    EXPECT_THROW(parse_placement(bad), PlacementError) << bad;
}

TEST(Placement, CompactFillsSmtSiblingsFirst) {
  const PinPlan p = plan_pins(big_machine(), parse_placement("compact"), 2, false);
  EXPECT_EQ(p.pu_of_thread, (std::vector<int>{0, 1}));
  EXPECT_EQ(p.topology_class, TopologyClass::same_core);
  EXPECT_EQ(plan_pins(big_machine(), parse_placement("compact"), 4, false).topology_class, TopologyClass::same_l3);
  EXPECT_EQ(plan_pins(big_machine(), parse_placement("compact"), 8, false).topology_class, TopologyClass::cross_l3);
  EXPECT_EQ(plan_pins(big_machine(), parse_placement("compact"), 16, false).topology_class,
            TopologyClass::cross_package);
}

TEST(Placement, ScatterSpreadsOverPackagesThenCachesThenCores) {
  const PinPlan p = plan_pins(big_machine(), parse_placement("scatter"), 8, false);
  // First two threads: different packages; first four: four different L3s;
  // first eight: eight different cores, no SMT sibling used yet.
  const Topology& t = big_machine();
  auto pu = [&](int i) { return *t.find_os_index(p.pu_of_thread[static_cast<size_t>(i)]); };
  EXPECT_NE(pu(0).package, pu(1).package);
  std::set<int> l3s, cores;
  for (int i = 0; i < 4; ++i) l3s.insert(pu(i).l3);
  for (int i = 0; i < 8; ++i) cores.insert(pu(i).core);
  EXPECT_EQ(l3s.size(), 4u);
  EXPECT_EQ(cores.size(), 8u);
  EXPECT_EQ(plan_pins(t, parse_placement("scatter"), 2, false).topology_class, TopologyClass::cross_package);
}

TEST(Placement, ScatterUsesEveryPuExactlyOnce) {
  const std::vector<int> order = placement_order(big_machine(), parse_placement("scatter"));
  std::set<int> unique(order.begin(), order.end());
  EXPECT_EQ(order.size(), 16u);
  EXPECT_EQ(unique.size(), 16u);
}

TEST(Placement, CpuListIsUsedInTheGivenOrder) {
  const PinPlan p = plan_pins(big_machine(), parse_placement("cpus:5,2"), 2, false);
  EXPECT_EQ(p.pu_of_thread, (std::vector<int>{5, 2}));
}

TEST(Placement, MissingCpuIsAClearError) {
  try {
    plan_pins(big_machine(), parse_placement("cpus:0,99"), 2, false);
    FAIL() << "expected PlacementError";
  } catch (const PlacementError& e) {
    EXPECT_NE(std::string(e.what()).find("CPU 99 does not exist"), std::string::npos) << e.what();
  }
}

TEST(Placement, TooManyThreadsIsAnErrorUnlessOversubscriptionIsAllowed) {
  EXPECT_THROW(plan_pins(big_machine(), parse_placement("cpus:0,1"), 3, false), PlacementError);
  const PinPlan p = plan_pins(big_machine(), parse_placement("cpus:0,1"), 5, true);
  EXPECT_EQ(p.pu_of_thread, (std::vector<int>{0, 1, 0, 1, 0}));
  EXPECT_TRUE(p.oversubscribed);
  EXPECT_EQ(p.distinct_pus, 2);
}

TEST(Placement, SingleThreadIsSamePu) {
  EXPECT_EQ(plan_pins(big_machine(), parse_placement("compact"), 1, false).topology_class, TopologyClass::same_pu);
}

TEST(Placement, DescribeNamesPusAndClass) {
  const PinPlan p = plan_pins(big_machine(), parse_placement("compact"), 2, false);
  EXPECT_EQ(p.describe(), "pus=0,1 class=same_core");
}

}  // namespace
}  // namespace synclab::harness
