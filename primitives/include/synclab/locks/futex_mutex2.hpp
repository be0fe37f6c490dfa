// futex_mutex2.hpp — two-state futex mutex: 0 unlocked, 1 locked.
//
// Algorithm: lock() swaps in 1 until the old value was 0, sleeping on the word
//   (futex_wait(state, 1)) after each failed swap; unlock() stores 0 and always
//   wakes one sleeper, because the state cannot tell whether anyone sleeps.
// Source: Rust Atomics and Locks, ch. 9 "Mutex" (first step of the futex ladder).
// Guarantees: mutual exclusion; not fair (a running thread can take the lock
//   before the woken one gets to it); not reentrant; unlock() only by the holder.
//   Waiters sleep, so oversubscription costs no CPU, only wake latency.
// Cost: its defining cost is one FUTEX_WAKE syscall on *every* unlock, contended
//   or not (tests/primitives/lock_stress_test.cpp checks exactly one wake per
//   unlock). futex_mutex3 removes it.
// Memory ordering:
//   lock()   exchange(acquire): the swap that reads 0 reads the previous
//            holder's release store. The futex calls order nothing
//            (wait/futex.hpp): a wake is only a hint to retry the swap.
//   unlock() store(release): publishes the critical section. The wake comes
//            after the store, so a woken waiter's swap can see 0; a waiter that
//            checks the word between the two either sees 0 or sleeps with value
//            1 and is woken by this very call: no lost wake-up.
//   try_lock() compare_exchange(0 -> 1, acquire on success, relaxed on failure):
//            a failed attempt reads nothing we rely on.
// Layout: one 32-bit word (the futex word), no padding.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::locks {

class FutexMutex2 {
 public:
  static constexpr std::string_view name = "futex_mutex2";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call

  FutexMutex2() = default;
  FutexMutex2(const FutexMutex2&) = delete;
  FutexMutex2& operator=(const FutexMutex2&) = delete;
  FutexMutex2(FutexMutex2&&) = delete;
  FutexMutex2& operator=(FutexMutex2&&) = delete;

  void lock() noexcept {
    while (state_.exchange(kLocked, std::memory_order_acquire) == kLocked) {
      wait::futex_wait(state_, kLocked);
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    std::uint32_t expected = kUnlocked;
    return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() noexcept {
    state_.store(kUnlocked, std::memory_order_release);
    stall_point(StallPoint::after_release, this);
    wait::futex_wake_one(state_);
  }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kLocked = 1;

  std::atomic<std::uint32_t> state_{kUnlocked};
};

static_assert(synclab::TryLockable<FutexMutex2>);
static_assert(sizeof(FutexMutex2) == 4);

}  // namespace synclab::locks
