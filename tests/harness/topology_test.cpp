#include "synclab/harness/topology.hpp"

#include <gtest/gtest.h>

#include <set>

namespace synclab::harness {
namespace {

TEST(Topology, SyntheticMachineHasEveryLevel) {
  const auto hw = HwlocTopology::from_synthetic("pack:2 l3:2 l2:2 core:1 pu:2");
  const Topology& t = hw.topology();
  EXPECT_EQ(t.packages, 2);
  EXPECT_EQ(t.l3_caches, 4);
  EXPECT_EQ(t.cores, 8);
  ASSERT_EQ(t.pus.size(), 16u);
  // Logical order keeps siblings together: PUs 0 and 1 share a core.
  EXPECT_EQ(t.pus[0].core, t.pus[1].core);
  EXPECT_NE(t.pus[1].core, t.pus[2].core);
  EXPECT_EQ(t.pus[0].l3, t.pus[3].l3);
  EXPECT_NE(t.pus[0].l3, t.pus[4].l3);
  EXPECT_NE(t.pus[0].package, t.pus[8].package);
}

TEST(Topology, SummaryNamesTheCounts) {
  const auto hw = HwlocTopology::from_synthetic("pack:1 core:4 pu:2");
  const std::string s = hw.topology().summary();
  EXPECT_NE(s.find("1 package"), std::string::npos) << s;
  EXPECT_NE(s.find("4 cores"), std::string::npos) << s;
  EXPECT_NE(s.find("8 PUs"), std::string::npos) << s;
}

TEST(Topology, RejectsAnInvalidDescription) {
  EXPECT_THROW(HwlocTopology::from_synthetic("this is not a machine"), TopologyError);
}

TEST(Topology, ThisMachineHasAtLeastOnePu) {
  const auto hw = HwlocTopology::load_this_machine();
  ASSERT_FALSE(hw.topology().pus.empty());
  std::set<int> os;
  for (const Pu& p : hw.topology().pus) os.insert(p.os_index);
  EXPECT_EQ(os.size(), hw.topology().pus.size()) << "OS indexes are unique";
}

TEST(Topology, PinningMovesTheThreadToThatPu) {
  const auto hw = HwlocTopology::load_this_machine();
  for (const Pu& p : hw.topology().pus) {
    hw.pin_current_thread(p.os_index);
    EXPECT_EQ(current_cpu(), p.os_index);
  }
  hw.unpin_current_thread();
}

TEST(Topology, PinningToAMissingPuThrows) {
  const auto hw = HwlocTopology::load_this_machine();
  EXPECT_THROW(hw.pin_current_thread(100000), TopologyError);
}

}  // namespace
}  // namespace synclab::harness
