// broken_lifetime.hpp — primitives that touch themselves after another
// thread may have destroyed them, on purpose: the bug class of
// tests/primitives/lifetime_test.cpp, which must catch them (its *Broken*
// tests, the negative half). Each is a real primitive with one small
// override; they are in no catalogue and never benchmarked. Only for test
// targets built with SYNCLAB_TEST_STALL_POINTS.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "synclab/condvars/cv_counter.hpp"
#include "synclab/locks/ttas_spin.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::testing {

// BROKEN: ttas_spin whose unlock() counts its unlocks in the lock after the
// release, as the book's rw_writer_counter bumped its wake counter after
// its release store and cohort stored its local state after releasing the
// global lock. The next holder may already have destroyed the lock.
//
// Must be caught by: LockLifetimeBroken (the previous holder's write lands
// in the destroyed lock's storage).
struct TtasWritesAfterUnlock : locks::TtasSpin {
  static constexpr std::string_view name = "broken_ttas_writes_after_unlock";

  void unlock() noexcept {
    TtasSpin::unlock();
    stall_point(StallPoint::after_release, this);
    unlocks.fetch_add(1, std::memory_order_relaxed);  // BROKEN: after the release
  }

  std::atomic<std::uint32_t> unlocks{0};
};

// BROKEN: cv_counter with a waiter count that a woken waiter decrements
// after its wake, as cv_counter_waiters did before its destructor waited
// for it: the first waiter back may already have destroyed the condvar.
//
// Must be caught by: CondVarLifetimeBroken.
struct CvDecrementsAfterWake : condvars::CvCounter {
  static constexpr std::string_view name = "broken_cv_decrements_after_wake";

  void wait(std::unique_lock<mutex_type>& held) {
    waiters.fetch_add(1, std::memory_order_relaxed);
    CvCounter::wait(held);
    waiters.fetch_sub(1, std::memory_order_relaxed);  // BROKEN: the condvar may be gone
  }

  std::atomic<std::uint32_t> waiters{0};
};

}  // namespace synclab::testing
