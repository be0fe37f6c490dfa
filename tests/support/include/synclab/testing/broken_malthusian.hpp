// broken_malthusian.hpp — Malthusian MCS that never readmits, on purpose.
//
// BROKEN: the holder culls surplus waiters into the passive list as the real
// lock does (locks/malthusian_mcs.hpp), but never takes one back: no periodic
// promotion, and an unlock that finds the main queue empty frees the lock
// instead of granting the oldest passive waiter. Culled threads are starved
// for as long as the others keep the lock busy, and stranded for good once
// they stop. Concurrency restriction without the readmission half is exactly
// the starvation the paper's fairness mechanism exists to prevent.
//
// Its waiters never park (they spin, yielding, until granted or abandoned),
// so that a stalled run can be abandoned without waking futexes.
//
// Must be caught by: the progress check, as a stall once the active threads
// have stopped: tests/primitives/malthusian_mcs_test.cpp. Never use it for
// anything else; it is in no catalogue and never benchmarked.
#pragma once

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/malthusian_mcs.hpp"
#include "synclab/testing/broken_queue_locks.hpp"

namespace synclab::testing {

struct NeverReadmitsWaiting : AbandonableWaiting {
  static constexpr bool readmits_passive = false;  // BROKEN: see above

  void await_grant(std::atomic<std::uint32_t>& state) noexcept {
    while (state.load(std::memory_order_acquire) != locks::MalthusianNode::kGranted &&
           !abandon.load(std::memory_order_relaxed))
      sched_yield();
  }
};

class MalthusianNeverReadmits : public locks::BasicMalthusianMcs<locks::kMalthusianPromoteEvery, NeverReadmitsWaiting> {
 public:
  static constexpr std::string_view name = "broken_malthusian_never_readmits";

  void abandon_waiters() noexcept { waiting().abandon.store(true, std::memory_order_relaxed); }
};

static_assert(synclab::NodeLockable<MalthusianNeverReadmits>);

}  // namespace synclab::testing
