#include "synclab/harness/stats.hpp"

#include <algorithm>

namespace synclab::harness {

std::optional<double> jain_index(std::span<const std::uint64_t> xs) {
  double sum = 0, sum_sq = 0;
  for (std::uint64_t x : xs) {
    sum += static_cast<double>(x);
    sum_sq += static_cast<double>(x) * static_cast<double>(x);
  }
  if (xs.empty() || sum_sq == 0) return std::nullopt;
  return sum * sum / (static_cast<double>(xs.size()) * sum_sq);
}

Shares fair_shares(std::span<const std::uint64_t> xs) {
  if (xs.empty()) return {};
  double sum = 0;
  for (std::uint64_t x : xs) sum += static_cast<double>(x);
  if (sum == 0) return {};
  const double mean = sum / static_cast<double>(xs.size());
  auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
  return {static_cast<double>(*lo) / mean, static_cast<double>(*hi) / mean};
}

}  // namespace synclab::harness
