#include "synclab/harness/stats.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace synclab::harness {
namespace {

TEST(Stats, JainIsOneWhenEveryThreadDidTheSame) {
  const std::vector<std::uint64_t> v{100, 100, 100, 100};
  EXPECT_DOUBLE_EQ(jain_index(v), 1.0);
}

TEST(Stats, JainIsOneOverNWhenOneThreadDidEverything) {
  const std::vector<std::uint64_t> v{400, 0, 0, 0};
  EXPECT_DOUBLE_EQ(jain_index(v), 0.25);
}

TEST(Stats, JainOfAKnownSplit) {
  // (1+3)^2 / (2 * (1+9)) = 16/20
  const std::vector<std::uint64_t> v{1, 3};
  EXPECT_DOUBLE_EQ(jain_index(v), 0.8);
}

TEST(Stats, SharesAreRelativeToTheMean) {
  const std::vector<std::uint64_t> v{50, 100, 150};
  const Shares s = fair_shares(v);
  EXPECT_DOUBLE_EQ(s.min, 0.5);
  EXPECT_DOUBLE_EQ(s.max, 1.5);
}

TEST(Stats, EmptyAndAllZeroAreZero) {
  EXPECT_EQ(jain_index({}), 0.0);
  const std::vector<std::uint64_t> zeros{0, 0};
  EXPECT_EQ(jain_index(zeros), 0.0);
  EXPECT_EQ(fair_shares(zeros).max, 0.0);
}

}  // namespace
}  // namespace synclab::harness
