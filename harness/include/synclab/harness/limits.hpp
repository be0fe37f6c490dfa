// limits.hpp — the physical limits a contended primitive runs against,
// measured on the same machine and placement as the primitives themselves.
//
//   cache-line ping-pong  two threads pinned to PUs a and b take turns writing
//                         one cache line; a round trip is two transfers of the
//                         line, so one-way latency ≈ round trip / 2. No lock
//                         can hand itself over faster than one transfer.
//   handoff reference     the mean one-way latency over the PU pairs a
//                         contended case runs on, measured in the same process
//                         just before its window and cached per pair: the
//                         denominator of handoff_efficiency (docs/metrics.md).
//   uncontended costs     one thread, one PU: an atomic RMW, a compare-and-
//                         exchange, an exchange, a sequentially consistent
//                         store, the spin-loop hint, a trivial syscall, and a
//                         futex wake with nobody waiting — the building blocks
//                         of every lock's fast and slow paths.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "synclab/harness/topology.hpp"

namespace synclab::harness {

struct PingPongResult {
  double roundtrip_ns = 0;  // mean over the window
  double oneway_ns = 0;     // roundtrip_ns / 2
  std::uint64_t round_trips = 0;
  // Half the mean round trip of the fastest batch of 32 consecutive round
  // trips: the transfer latency with neither thread preempted, which a loaded
  // machine hides from the window's mean.
  double best_oneway_ns = 0;
};

// Bounces one cache line between PUs a and b for `window`. Throws
// TopologyError if a thread cannot be pinned.
PingPongResult measure_pingpong(const HwlocTopology& hw, int pu_a, int pu_b, std::chrono::nanoseconds window);

// The one-way transfer latency handoffs among the PUs `pus` run against: the
// mean of measure_pingpong's best_oneway_ns over the unordered pairs of distinct
// PUs in `pus` (repeats ignored). With more than kMaxReferencePairs pairs, that
// many are taken, evenly spread over the pairs in order. Each pair is measured
// once per process, as the best of three windows of `window_per_pair`, and
// cached; later calls reuse it.
// nullopt when `pus` has fewer than two distinct PUs. Calls are serialised (two
// ping-pongs at once would disturb each other). Throws TopologyError if a
// thread cannot be pinned.
struct OnewayReference {
  double oneway_ns = 0;
  int pairs = 0;  // pairs the mean is taken over
};
inline constexpr int kMaxReferencePairs = 64;
inline constexpr std::chrono::milliseconds kReferenceWindowPerPair{5};
std::optional<OnewayReference> reference_oneway(const HwlocTopology& hw, std::span<const int> pus,
                                                std::chrono::nanoseconds window_per_pair = kReferenceWindowPerPair);

// The pairs reference_oneway measures for `pus`, (lower PU, higher PU) in the
// order the distinct PUs first appear; exposed for tests.
std::vector<std::pair<int, int>> reference_pairs(std::span<const int> pus);

struct OperationCost {
  double ns_per_op = 0;
  std::uint64_t ops = 0;
};

// The uncontended operations measure_cost knows, grouped as in case names:
// limits/atomics/<op> and limits/syscall/<op>.
std::span<const std::string_view> atomic_operations();
std::span<const std::string_view> syscall_operations();

// Runs one operation back to back on the calling thread for `window`.
// Throws std::invalid_argument for an unknown operation name.
OperationCost measure_cost(std::string_view operation, std::chrono::nanoseconds window);

}  // namespace synclab::harness
