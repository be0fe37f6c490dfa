#include "synclab/harness/stats.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace synclab::harness {
namespace {

TEST(Stats, JainIsOneWhenEveryThreadDidTheSame) {
  const std::vector<std::uint64_t> v{100, 100, 100, 100};
  EXPECT_DOUBLE_EQ(jain_index(v).value(), 1.0);
}

TEST(Stats, JainIsOneOverNWhenOneThreadDidEverything) {
  const std::vector<std::uint64_t> v{400, 0, 0, 0};
  EXPECT_DOUBLE_EQ(jain_index(v).value(), 0.25);
}

TEST(Stats, JainOfAKnownSplit) {
  // (1+3)^2 / (2 * (1+9)) = 16/20
  const std::vector<std::uint64_t> v{1, 3};
  EXPECT_DOUBLE_EQ(jain_index(v).value(), 0.8);
}

TEST(Stats, SharesAreRelativeToTheMean) {
  const std::vector<std::uint64_t> v{50, 100, 150};
  const Shares s = fair_shares(v);
  EXPECT_DOUBLE_EQ(s.min.value(), 0.5);
  EXPECT_DOUBLE_EQ(s.max.value(), 1.5);
}

// Nobody did anything: there is no fairness to measure, and no fake 0 either.
TEST(Stats, EmptyAndAllZeroAreNotMeasured) {
  EXPECT_FALSE(jain_index({}).has_value());
  const std::vector<std::uint64_t> zeros{0, 0};
  EXPECT_FALSE(jain_index(zeros).has_value());
  EXPECT_FALSE(fair_shares(zeros).max.has_value());
}

}  // namespace
}  // namespace synclab::harness
