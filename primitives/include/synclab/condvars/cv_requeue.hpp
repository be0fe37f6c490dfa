// cv_requeue.hpp — the waiter-counting condition variable whose notify_all
// requeues the sleepers onto the mutex instead of waking them all.
//
// Algorithm: cv_counter_waiters, except where noted:
//   notify_all()  increment the counter, then FUTEX_CMP_REQUEUE: wake one
//                 sleeper and move every other one, still asleep, onto the
//                 mutex's futex word. The woken one takes the mutex; each
//                 unlock then wakes the next requeued sleeper. Where the
//                 requeue cannot be done (the counter moved again, or no
//                 mutex is known yet) it falls back to waking everybody.
//   wait()        records the mutex and, after waking, locks it "contended"
//                 (state 2 of futex_mutex3) whether it was woken or
//                 requeued: a requeued sleeper is a mutex waiter nobody
//                 registered, and only a holder that leaves state 2 behind
//                 makes the next unlock wake it. A plain lock could take the
//                 mutex into state 1 and the requeued sleepers would be
//                 forgotten (the digest's P-3).
//   The waiter count lives in the mutex, not in the condition variable: a
//   requeued waiter comes back from its sleep only when an unlock of the
//   mutex wakes it, and by then the condition variable may be gone (a
//   std::condition_variable may be destroyed once every waiter was
//   notified, e.g. by the first waiter back from a notify_all, possibly
//   while it holds the mutex). So a woken waiter touches only the mutex,
//   which every wait needs alive to return. The count then covers the
//   waiters of every cv_requeue bound to that mutex: a notify on one of
//   them with only another one's waiters asleep makes a syscall it did not
//   need, never misses a waiter. (Keeping the count in the condvar, the
//   second waiter back wrote its decrement to freed memory:
//   tests/primitives/lifetime_test.cpp.)
//   One mutex per condition variable, for its whole life: the requeue moves
//   sleepers onto the one recorded mutex, so a wait with a second mutex
//   would requeue someone's waiters onto the wrong futex. wait() detects it
//   and aborts with one line on stderr (stricter than
//   std::condition_variable, which allows another mutex once nobody waits).
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
// A waiter caught between its unlock and its futex call when the condvar is
//   destroyed makes that call on the freed word: the kernel only reads it,
//   returning at once (EFAULT, or a value other than the one loaded) or, if
//   the memory was reused with that very value, sleeping until
//   kCounterWrapGuard: a late spurious wake-up, no access from user space.
// Memory ordering: relaxed, for cv_counter_waiters' reasons. The recorded
//   mutex pointer is stored before the waiter count is incremented, both
//   under the mutex, so a notifier ordered after that waiter by the mutex
//   sees both; a notifier that sees a null pointer has no waiter to wake.
// Layout: the 32-bit counter and a mutex pointer; the mutex is futex_mutex3's
//   word plus the size_t waiter count.
#pragma once

#include <atomic>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call
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

  // Threads inside a wait() of a cv_requeue bound to this mutex (see the top).
  [[nodiscard]] std::atomic<std::size_t>& condvar_waiters() noexcept { return condvar_waiters_; }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kLocked = 1;
  static constexpr std::uint32_t kContended = 2;

  std::atomic<std::uint32_t> state_{kUnlocked};
  std::atomic<std::size_t> condvar_waiters_{0};
};

// How notify_all hands the sleepers on: requeued onto the mutex (this
// condvar's point), or all woken (the broken twin the requeue test must
// catch: tests/support/include/synclab/testing/broken_condvars.hpp).
enum class NotifyAllBy { requeue, waking_all };

template <NotifyAllBy Mode = NotifyAllBy::requeue>
class BasicCvRequeue {
 public:
  static constexpr std::string_view name = "cv_requeue";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call
  using mutex_type = RequeueMutex;

  BasicCvRequeue() = default;
  BasicCvRequeue(const BasicCvRequeue&) = delete;
  BasicCvRequeue& operator=(const BasicCvRequeue&) = delete;
  BasicCvRequeue(BasicCvRequeue&&) = delete;
  BasicCvRequeue& operator=(BasicCvRequeue&&) = delete;

  void wait(std::unique_lock<mutex_type>& held) {
    mutex_type& mutex = *held.mutex();
    bind(mutex);
    mutex.condvar_waiters().fetch_add(1, std::memory_order_relaxed);
    const std::uint32_t seen = counter_.load(std::memory_order_relaxed);
    held.unlock();
    futex_wait_for(counter_, seen, kCounterWrapGuard);
    // From here on only the mutex: the condition variable may be gone.
    stall_point(StallPoint::after_wake, this);
    mutex.condvar_waiters().fetch_sub(1, std::memory_order_relaxed);
    mutex.lock_contended();
    held = std::unique_lock<mutex_type>(mutex, std::adopt_lock);
  }

  void notify_one() noexcept {
    mutex_type* mutex = mutex_.load(std::memory_order_relaxed);
    if (mutex == nullptr || mutex->condvar_waiters().load(std::memory_order_relaxed) == 0) return;
    counter_.fetch_add(1, std::memory_order_relaxed);
    wait::futex_wake_one(counter_);
  }

  void notify_all() noexcept {
    mutex_type* mutex = mutex_.load(std::memory_order_relaxed);
    if (mutex == nullptr || mutex->condvar_waiters().load(std::memory_order_relaxed) == 0) return;
    const std::uint32_t now = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (Mode == NotifyAllBy::waking_all || !futex_cmp_requeue(counter_, now, 1, INT_MAX, mutex->futex_word()))
      wait::futex_wake_all(counter_);
  }

 private:
  // Records the mutex on the first wait; a wait with another one aborts.
  void bind(mutex_type& mutex) noexcept {
    mutex_type* bound = nullptr;
    if (mutex_.compare_exchange_strong(bound, &mutex, std::memory_order_relaxed) || bound == &mutex) return;
    std::fputs("synclab: cv_requeue: wait() with a second mutex (one mutex per condition variable)\n", stderr);
    std::abort();
  }

  std::atomic<std::uint32_t> counter_{0};
  std::atomic<mutex_type*> mutex_{nullptr};
};

using CvRequeue = BasicCvRequeue<>;

static_assert(ConditionVariable<CvRequeue>);

}  // namespace synclab::condvars
