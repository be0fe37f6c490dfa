// futex_mutex3.hpp — three-state futex mutex: 0 unlocked, 1 locked with no
// waiters, 2 locked and (maybe) waiters.
//
// Algorithm:
//   lock()   CAS 0 -> 1; on failure, swap in 2 until the old value was 0,
//            sleeping on the word while it is 2. A thread that had to wait
//            always locks into state 2, never 1: it cannot know whether other
//            waiters remain, and locking into 1 would let its unlock skip the
//            wake they need.
//   unlock() swap in 0; wake one thread only if the old value was 2.
// Source: Rust Atomics and Locks, ch. 9 "Avoiding Syscalls".
// Guarantees: mutual exclusion; not fair (barging: a running thread can take the
//   lock ahead of a woken one); not reentrant; unlock() only by the holder.
//   Waiters sleep, so oversubscription costs no CPU, only wake latency.
// Cost: uncontended lock/unlock is two atomic RMWs and zero syscalls (checked in
//   tests/primitives/lock_stress_test.cpp). Once a thread has waited, the state
//   stays 2 until an unlock, so one extra wake may be issued when nobody is left.
// Memory ordering:
//   lock()   compare_exchange(0 -> 1, acquire / relaxed): on success it reads the
//            previous holder's release swap, so that critical section
//            happens-before ours; a failure reads nothing we rely on.
//            exchange(2, acquire): the swap that returns 0 is our acquisition,
//            with the same pairing. Futex calls order nothing (wait/futex.hpp).
//   unlock() exchange(0, release): publishes the critical section; it is an RMW
//            rather than a store because the old value decides whether to wake.
//   try_lock() the fast-path CAS, once.
// Layout: one 32-bit word (the futex word), no padding.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::locks {

class FutexMutex3 {
 public:
  static constexpr std::string_view name = "futex_mutex3";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call

  FutexMutex3() = default;
  FutexMutex3(const FutexMutex3&) = delete;
  FutexMutex3& operator=(const FutexMutex3&) = delete;
  FutexMutex3(FutexMutex3&&) = delete;
  FutexMutex3& operator=(FutexMutex3&&) = delete;

  void lock() noexcept {
    std::uint32_t expected = kUnlocked;
    if (!state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      while (state_.exchange(kContended, std::memory_order_acquire) != kUnlocked) {
        wait::futex_wait(state_, kContended);
      }
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    std::uint32_t expected = kUnlocked;
    return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() noexcept {
    const bool contended = state_.exchange(kUnlocked, std::memory_order_release) == kContended;
    stall_point(StallPoint::after_release, this);
    if (contended) {
      wait::futex_wake_one(state_);
    }
  }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kLocked = 1;     // held, nobody waiting
  static constexpr std::uint32_t kContended = 2;  // held, waiters possible

  std::atomic<std::uint32_t> state_{kUnlocked};
};

static_assert(synclab::TryLockable<FutexMutex3>);
static_assert(sizeof(FutexMutex3) == 4);

}  // namespace synclab::locks
