// futex_mutex3_atomic_wait.hpp — the three-state mutex of futex_mutex3, waiting
// through C++20 std::atomic::wait / notify_one instead of raw SYS_futex.
//
// Algorithm: exactly futex_mutex3 (0 unlocked, 1 locked, 2 locked with
//   waiters): lock() CAS 0 -> 1, else swap in 2 until the old value was 0,
//   waiting while the word is 2; unlock() swaps in 0 and notifies one waiter
//   only if the old value was 2. Only the wait backend differs, so the pair
//   measures what the standard library adds on top of the futex.
// Source: Rust Atomics and Locks, ch. 9 "Avoiding Syscalls" (the algorithm);
//   ISO C++20 [atomics.wait] (the backend).
// What libstdc++ does underneath (GCC 12, bits/atomic_wait.h; other versions and
//   other standard libraries differ, which is the point of measuring it):
//   wait(2) first re-checks the value in a spin of 16 rounds, the first 12
//   with PAUSE and the last 4 with sched_yield() (a syscall each), and returns
//   if the word changed; only then does it FUTEX_WAIT_PRIVATE on the atomic
//   itself (a 32-bit int is a "platform wait type", so no proxy word). Around
//   the whole wait it increments and decrements a waiter count (seq_cst RMWs)
//   in one of 16 global 64-byte entries chosen by hashing the address, shared
//   with every other atomic that hashes there. notify_one() loads that count
//   and skips the FUTEX_WAKE when it is zero, otherwise wakes one thread.
//   So compared with futex_mutex3: a contended lock() may yield a few times
//   before sleeping, each sleep costs two extra RMWs on a line shared
//   process-wide, and an unlock() that sees state 2 can skip the syscall when
//   the waiter has not reached the sleep yet (or costs one anyway when an
//   unrelated atomic in the same hash entry has a waiter).
// Guarantees: as futex_mutex3: mutual exclusion; not fair (barging); not
//   reentrant; unlock() only by the holder. Waiters sleep, so oversubscription
//   costs no CPU, only wake latency.
// Counting: the syscalls happen inside the standard library, not in
//   synclab/wait/futex.hpp, so futex_waits_per_op / futex_wakes_per_op read 0
//   for this lock, as for the peers (docs/metrics.md).
// Memory ordering (as futex_mutex3):
//   lock()   compare_exchange(0 -> 1, acquire / relaxed) and exchange(2,
//            acquire): the operation that reads 0 reads the previous holder's
//            release swap, so its critical section happens-before ours.
//            wait(2, relaxed): only a hint to retry the swap; its loads order
//            nothing we rely on (and the standard gives notify/wait no
//            happens-before of their own).
//   unlock() exchange(0, release): publishes the critical section; the old
//            value decides whether to notify. notify_one() after the swap: a
//            waiter that saw 2 is eligible to be unblocked by it ([atomics.wait]), so no
//            wake-up is lost.
//   try_lock() the fast-path CAS, once.
// Layout: one 32-bit word, no padding (the wait layer's waiter count lives in
//   libstdc++'s global table, not here).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::locks {

class FutexMutex3AtomicWait {
 public:
  static constexpr std::string_view name = "futex_mutex3_atomic_wait";
  static constexpr bool counts_futex_calls = false;  // sleeps in std::atomic::wait, which the wait layer never sees

  FutexMutex3AtomicWait() = default;
  FutexMutex3AtomicWait(const FutexMutex3AtomicWait&) = delete;
  FutexMutex3AtomicWait& operator=(const FutexMutex3AtomicWait&) = delete;
  FutexMutex3AtomicWait(FutexMutex3AtomicWait&&) = delete;
  FutexMutex3AtomicWait& operator=(FutexMutex3AtomicWait&&) = delete;

  void lock() noexcept {
    std::uint32_t expected = kUnlocked;
    if (!state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      while (state_.exchange(kContended, std::memory_order_acquire) != kUnlocked) {
        state_.wait(kContended, std::memory_order_relaxed);
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
      state_.notify_one();
    }
  }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kLocked = 1;     // held, nobody waiting
  static constexpr std::uint32_t kContended = 2;  // held, waiters possible

  std::atomic<std::uint32_t> state_{kUnlocked};
};

static_assert(synclab::TryLockable<FutexMutex3AtomicWait>);
static_assert(sizeof(FutexMutex3AtomicWait) == 4);

}  // namespace synclab::locks
