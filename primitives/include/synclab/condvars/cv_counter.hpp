// cv_counter.hpp — the counter-based condition variable.
//
// Algorithm: one 32-bit notification counter, which is also the futex word.
//   notify_one() / notify_all()  increment the counter, then wake one / every
//                                thread sleeping on it.
//   wait(held)                   load the counter while the mutex is still
//                                held, unlock, sleep only if the counter still
//                                holds the loaded value, relock.
//   Every notification changes the counter, so a notification that comes after
//   the unlock makes the futex wait return at once instead of sleeping: it
//   cannot be lost. The load must come before the unlock (the digest's P-3).
// Source: Rust Atomics and Locks, ch. 9 "Condition Variable" (Figure 9-2), over
//   synclab's futex_mutex3 (ch. 9 "Avoiding Syscalls").
// Guarantees: waits are never lost; spurious wake-ups happen (one notify_one can
//   release two threads: one that had loaded the counter but not yet slept,
//   plus the one wake_one wakes); no FIFO order among waiters; notify_all
//   wakes every sleeper at once and they all race for the mutex (the
//   thundering herd: condvars/notify_all measures it). Every notify costs one
//   futex wake syscall, whether or not anybody waits (cv_counter_waiters
//   removes that). A waiter sleeps, so preemption and oversubscription cost
//   wake latency, never CPU.
// Counter wrap: after 2^32 notifications the counter repeats a value; a waiter
//   that missed exactly that many between its load and its sleep would sleep
//   wrongly. The sleep is limited to kCounterWrapGuard (futex_wait_for.hpp),
//   which turns even that into a late spurious wake-up.
// Memory ordering: all relaxed. The waiter's load of the counter happens
//   before its unlock, which happens before the notifier's lock (the mutex's
//   release/acquire), which happens before the notifier's increment; so the
//   load cannot see the increment of a notification sent after the waiter's
//   unlock, and the futex wait, atomic with the kernel's check of the value,
//   sees it instead. Data is ordered by the mutex alone, never by the counter.
// Layout: one 32-bit word; the mutex is the caller's.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "synclab/condvars/concepts.hpp"
#include "synclab/condvars/futex_wait_for.hpp"
#include "synclab/locks/futex_mutex3.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::condvars {

class CvCounter {
 public:
  static constexpr std::string_view name = "cv_counter";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call
  using mutex_type = locks::FutexMutex3;

  CvCounter() = default;
  CvCounter(const CvCounter&) = delete;
  CvCounter& operator=(const CvCounter&) = delete;
  CvCounter(CvCounter&&) = delete;
  CvCounter& operator=(CvCounter&&) = delete;

  void wait(std::unique_lock<mutex_type>& held) {
    const std::uint32_t seen = counter_.load(std::memory_order_relaxed);
    held.unlock();
    futex_wait_for(counter_, seen, kCounterWrapGuard);
    stall_point(StallPoint::after_wake, this);
    held.lock();
  }

  void notify_one() noexcept {
    counter_.fetch_add(1, std::memory_order_relaxed);
    wait::futex_wake_one(counter_);
  }

  void notify_all() noexcept {
    counter_.fetch_add(1, std::memory_order_relaxed);
    wait::futex_wake_all(counter_);
  }

 private:
  std::atomic<std::uint32_t> counter_{0};
};

static_assert(ConditionVariable<CvCounter>);
static_assert(sizeof(CvCounter) == 4);

}  // namespace synclab::condvars
