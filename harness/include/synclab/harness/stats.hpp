// stats.hpp — the per-case statistics of the results contract, on plain numbers.
//
//   Jain fairness index   (Σx)² / (n·Σx²): 1 when every thread did the same
//                         number of operations, 1/n when one thread did all.
//   share_min / share_max the least and most productive thread's operations
//                         divided by the mean (1.0 = its fair share).
// Both are absent (nullopt) when no thread did anything: there is nothing to
// be fair about.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace synclab::harness {

std::optional<double> jain_index(std::span<const std::uint64_t> per_thread_ops);

struct Shares {
  std::optional<double> min;
  std::optional<double> max;
};
Shares fair_shares(std::span<const std::uint64_t> per_thread_ops);

}  // namespace synclab::harness
