// cv_requeue.hpp — the waiter-counting condition variable whose notify_all
// requeues the sleepers onto the mutex instead of waking them all.
//
// Algorithm: cv_counter_waiters, except:
//   notify_all()  increment the counter, then FUTEX_CMP_REQUEUE: wake one
//                 sleeper and move every other one, still asleep, onto the
//                 mutex's futex word. The woken one takes the mutex; each
//                 unlock then wakes the next requeued sleeper. Where the
//                 requeue cannot be done (the counter moved again, or no
//                 mutex is known yet) it falls back to waking everybody.
//   wait()        records the mutex (one mutex per condvar) and, after
//                 waking, locks it "contended" (state 2 of futex_mutex3)
//                 whether it was woken or requeued: a requeued sleeper is
//                 a mutex waiter nobody registered, and only a holder that
//                 leaves state 2 behind makes the next unlock wake it. A
//                 plain lock could take the mutex into state 1 and the
//                 requeued sleepers would be forgotten (the digest's P-3).
// Source: Rust Atomics and Locks, ch. 9 "Condition Variable", "Avoiding
//   Syscalls" and the box "Thundering Herd Problem" (FUTEX_REQUEUE, the
//   digest's CV-4); the mutex is futex_mutex3 with its word exposed.
// Guarantees: as cv_counter_waiters (waits never lost, spurious wake-ups
//   possible, no order among waiters, no syscall when nobody waits); a
//   notify_all wakes one sleeper, the others follow one per unlock. Cost: a
//   woken waiter always leaves the mutex contended, so its unlock makes one
//   futex wake even when nobody sleeps on the mutex.
// Why the requeue is safe: the first requeued sleeper is woken by the unlock
//   of the thread the requeue woke, which locked into state 2; every
//   requeued sleeper, once woken, locks into state 2 too; so while requeued
//   sleepers remain, the mutex is either in state 2 or about to be put there
//   by a woken thread, and an unlock in state 2 always wakes one.
// Memory ordering: relaxed, for cv_counter_waiters' reasons. The recorded
//   mutex pointer is stored before the waiter count is incremented, both
//   under the mutex, so a notifier ordered after that waiter by the mutex
//   sees it; a notifier that sees a null pointer wakes everybody instead.
// Layout: the 32-bit counter, a size_t waiter count, a mutex pointer.
#pragma once

#include <atomic>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "synclab/condvars/concepts.hpp"
#include "synclab/condvars/futex_requeue.hpp"
#include "synclab/condvars/futex_wait_for.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::condvars {

// futex_mutex3 (locks/futex_mutex3.hpp: same states, orderings and
// guarantees) with the two things requeueing needs: the futex word, and a
// lock that always leaves the state contended.
class RequeueMutex {
 public:
  RequeueMutex() = default;
  RequeueMutex(const RequeueMutex&) = delete;
  RequeueMutex& operator=(const RequeueMutex&) = delete;
  RequeueMutex(RequeueMutex&&) = delete;
  RequeueMutex& operator=(RequeueMutex&&) = delete;

  void lock() noexcept {
    std::uint32_t expected = kUnlocked;
    if (!state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire, std::memory_order_relaxed))
      lock_contended();
  }
  [[nodiscard]] bool try_lock() noexcept {
    std::uint32_t expected = kUnlocked;
    return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void unlock() noexcept {
    const bool contended = state_.exchange(kUnlocked, std::memory_order_release) == kContended;
    stall_point(StallPoint::after_release, this);
    if (contended) wait::futex_wake_one(state_);
  }

  // Takes the mutex into state 2 (acquire, as lock()).
  void lock_contended() noexcept {
    while (state_.exchange(kContended, std::memory_order_acquire) != kUnlocked) wait::futex_wait(state_, kContended);
  }
  [[nodiscard]] std::atomic<std::uint32_t>& futex_word() noexcept { return state_; }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kLocked = 1;
  static constexpr std::uint32_t kContended = 2;

  std::atomic<std::uint32_t> state_{kUnlocked};
};

class CvRequeue {
 public:
  static constexpr std::string_view name = "cv_requeue";
  using mutex_type = RequeueMutex;

  CvRequeue() = default;
  CvRequeue(const CvRequeue&) = delete;
  CvRequeue& operator=(const CvRequeue&) = delete;
  CvRequeue(CvRequeue&&) = delete;
  CvRequeue& operator=(CvRequeue&&) = delete;

  void wait(std::unique_lock<mutex_type>& held) {
    mutex_type& mutex = *held.mutex();
    mutex_.store(&mutex, std::memory_order_relaxed);
    waiters_.fetch_add(1, std::memory_order_relaxed);
    const std::uint32_t seen = counter_.load(std::memory_order_relaxed);
    held.unlock();
    futex_wait_for(counter_, seen, kCounterWrapGuard);
    stall_point(StallPoint::after_wake, this);
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    mutex.lock_contended();
    held = std::unique_lock<mutex_type>(mutex, std::adopt_lock);
  }

  void notify_one() noexcept {
    if (waiters_.load(std::memory_order_relaxed) == 0) return;
    counter_.fetch_add(1, std::memory_order_relaxed);
    wait::futex_wake_one(counter_);
  }

  void notify_all() noexcept {
    if (waiters_.load(std::memory_order_relaxed) == 0) return;
    const std::uint32_t now = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    mutex_type* mutex = mutex_.load(std::memory_order_relaxed);
    if (mutex == nullptr || !futex_cmp_requeue(counter_, now, 1, INT_MAX, mutex->futex_word()))
      wait::futex_wake_all(counter_);
  }

 private:
  std::atomic<std::uint32_t> counter_{0};
  std::atomic<std::size_t> waiters_{0};
  std::atomic<mutex_type*> mutex_{nullptr};
};

static_assert(ConditionVariable<CvRequeue>);

}  // namespace synclab::condvars
