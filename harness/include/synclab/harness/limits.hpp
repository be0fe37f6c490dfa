// limits.hpp — the physical limits a contended primitive runs against,
// measured on the same machine and placement as the primitives themselves.
//
//   cache-line ping-pong  two threads pinned to PUs a and b take turns writing
//                         one cache line; a round trip is two transfers of the
//                         line, so one-way latency ≈ round trip / 2. No lock
//                         can hand itself over faster than one transfer.
//   uncontended costs     one thread, one PU: an atomic RMW, a compare-and-
//                         exchange, an exchange, a sequentially consistent
//                         store, the spin-loop hint, a trivial syscall, and a
//                         futex wake with nobody waiting — the building blocks
//                         of every lock's fast and slow paths.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include "synclab/harness/topology.hpp"

namespace synclab::harness {

struct PingPongResult {
  double roundtrip_ns = 0;
  double oneway_ns = 0;
  std::uint64_t round_trips = 0;
};

// Bounces one cache line between PUs a and b for `window`. Throws
// TopologyError if a thread cannot be pinned.
PingPongResult measure_pingpong(const HwlocTopology& hw, int pu_a, int pu_b, std::chrono::nanoseconds window);

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
