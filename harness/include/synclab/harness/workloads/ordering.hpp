// ordering.hpp — the cost of each atomic operation under each memory
// ordering (docs/ordering.md).
//
// One thread, or two threads pinned to two PUs, run the same operation on
// the same 64-bit atomic back to back for a fixed window. With one thread
// the line stays in that core's cache and the figure is the instruction's
// own cost (plus any fence the ordering adds); with two, every RMW and store
// must first take the line from the other core.
//
// Operations and their valid orderings:
//   load              relaxed, acquire, seq_cst
//   store             relaxed, release, seq_cst (x86-64: seq_cst is xchg)
//   fetch_add         relaxed, acquire, release, acq_rel, seq_cst
//   compare_exchange  the same five (strong; failure ordering: relaxed for
//                     relaxed/release, acquire for acquire/acq_rel, seq_cst
//                     for seq_cst); expected is the last value seen, so alone
//                     it always succeeds and with two threads it sometimes
//                     fails
//   exchange          the same five
//   fence             acquire, release, acq_rel, seq_cst (one thread only:
//                     a fence touches no shared location)
//   fetch_or          relaxed, seq_cst: result unused (GCC emits `lock or`)
//   fetch_or_casloop  relaxed, seq_cst: the same update as a
//                     compare_exchange_weak loop (what GCC emits itself when
//                     fetch_or's result is used)
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include "synclab/harness/topology.hpp"

namespace synclab::harness {

struct OrderingOp {
  std::string_view op;
  std::string_view order;
  bool contended;  // also measured with two threads
};

// Every (operation, ordering) pair above, in a stable order.
std::span<const OrderingOp> ordering_ops();

struct OrderingCost {
  double ns_per_op = 0;    // time of one operation of one thread
  double ops_per_sec = 0;  // operations of all threads per second
  std::uint64_t ops = 0;
};

// Runs `op` with `order` on one thread per entry of `pus` (1 or 2; not
// pinned when hw is nullptr) for `window`. Throws std::invalid_argument for
// an unknown or invalid pair, TopologyError when a thread cannot be pinned.
OrderingCost measure_ordering(const HwlocTopology* hw, std::span<const int> pus, std::string_view op,
                              std::string_view order, std::chrono::nanoseconds window);

}  // namespace synclab::harness
