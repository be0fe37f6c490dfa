// histogram.hpp — a log-linear latency histogram (the HdrHistogram idea).
//
// Values below 2^kSubBits nanoseconds get one bucket each; above that every
// power of two is split into 2^kSubBits equal buckets, so any recorded value
// is known to within 1/32 (about 3 %) whatever its magnitude, in a fixed
// array that a worker fills without allocating while it is being measured.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace synclab::harness {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 5;
  static constexpr std::uint64_t kSub = 1u << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits) * kSub + kSub;

  static constexpr int bucket_of(std::uint64_t v) {
    if (v < kSub) return static_cast<int>(v);
    const int exponent = 63 - std::countl_zero(v);
    const int shift = exponent - kSubBits;
    return (exponent - kSubBits) * static_cast<int>(kSub) + static_cast<int>(v >> shift);
  }
  // Smallest and largest value that fall into bucket b.
  static constexpr std::uint64_t bucket_low(int b) {
    if (b < static_cast<int>(kSub)) return static_cast<std::uint64_t>(b);
    const int group = b / static_cast<int>(kSub);  // >= 1
    const std::uint64_t mantissa = static_cast<std::uint64_t>(b % static_cast<int>(kSub)) + kSub;
    return mantissa << (group - 1);
  }
  static constexpr std::uint64_t bucket_high(int b) {
    return b + 1 < kBuckets ? bucket_low(b + 1) - 1 : ~std::uint64_t{0};
  }

  void record(std::uint64_t v) {
    ++counts_[static_cast<std::size_t>(bucket_of(v))];
    ++count_;
    if (v > max_) max_ = v;
  }
  void merge(const LatencyHistogram& other);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::uint64_t max() const { return max_; }
  // The value at quantile q in [0, 1]: the upper edge of the bucket holding
  // the ceil(q * count)-th smallest sample, never above the largest sample.
  // Returns 0 for an empty histogram.
  [[nodiscard]] std::uint64_t quantile(double q) const;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace synclab::harness
