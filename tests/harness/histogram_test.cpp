#include "synclab/harness/histogram.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace synclab::harness {
namespace {

TEST(LatencyHistogram, SmallValuesAreExact) {
  auto h = std::make_unique<LatencyHistogram>();
  for (std::uint64_t v = 1; v <= 10; ++v) h->record(v);
  EXPECT_EQ(h->count(), 10u);
  EXPECT_EQ(h->quantile(0.5), 5u);
  EXPECT_EQ(h->quantile(0.9), 9u);
  EXPECT_EQ(h->quantile(1.0), 10u);
  EXPECT_EQ(h->max(), 10u);
}

TEST(LatencyHistogram, BucketsAreContiguousAndWithinThreePercent) {
  for (int b = 1; b < LatencyHistogram::kBuckets - 1; ++b) {
    ASSERT_EQ(LatencyHistogram::bucket_low(b), LatencyHistogram::bucket_high(b - 1) + 1) << b;
    const double lo = static_cast<double>(LatencyHistogram::bucket_low(b));
    const double hi = static_cast<double>(LatencyHistogram::bucket_high(b));
    if (lo > 0) {
      ASSERT_LE((hi - lo) / lo, 1.0 / 32 + 1e-12) << b;
    }
  }
  for (std::uint64_t v : {0ull, 31ull, 32ull, 33ull, 1000ull, 123456789ull, ~0ull}) {
    const int b = LatencyHistogram::bucket_of(v);
    EXPECT_LE(LatencyHistogram::bucket_low(b), v);
    EXPECT_GE(LatencyHistogram::bucket_high(b), v);
  }
}

TEST(LatencyHistogram, TailQuantilesOfAKnownMix) {
  auto h = std::make_unique<LatencyHistogram>();
  for (int i = 0; i < 990; ++i) h->record(100);
  for (int i = 0; i < 9; ++i) h->record(10'000);
  h->record(1'000'000);
  EXPECT_NEAR(static_cast<double>(h->quantile(0.50)), 100, 100 / 32.0);
  EXPECT_NEAR(static_cast<double>(h->quantile(0.99)), 100, 100 / 32.0);
  EXPECT_NEAR(static_cast<double>(h->quantile(0.995)), 10'000, 10'000 / 32.0);
  EXPECT_EQ(h->quantile(1.0), 1'000'000u);
  EXPECT_EQ(h->max(), 1'000'000u);
}

TEST(LatencyHistogram, MergeAddsCountsAndKeepsTheMax) {
  auto a = std::make_unique<LatencyHistogram>();
  auto b = std::make_unique<LatencyHistogram>();
  a->record(5);
  b->record(7);
  b->record(700);
  a->merge(*b);
  EXPECT_EQ(a->count(), 3u);
  EXPECT_EQ(a->max(), 700u);
  EXPECT_EQ(a->quantile(0.5), 7u);
}

TEST(LatencyHistogram, EmptyHistogramReportsZero) {
  auto h = std::make_unique<LatencyHistogram>();
  EXPECT_EQ(h->quantile(0.99), 0u);
}

}  // namespace
}  // namespace synclab::harness
