// cv_counter_waiters.hpp — the counter-based condition variable that counts
// its waiters, so a notify with nobody waiting makes no syscall.
//
// Algorithm: cv_counter plus a waiter count.
//   wait(held)    increment the waiter count and load the counter, both while
//                 the mutex is held; unlock; sleep while the counter holds the
//                 loaded value; decrement the waiter count; relock.
//   notify_*()    if the waiter count is 0, return: nothing else. Otherwise, as
//                 cv_counter: increment the counter, wake one / all.
// Source: Rust Atomics and Locks, ch. 9 "Condition Variable" / "Avoiding
//   Syscalls" (the digest's CV-2; its listing names the method `wake`, it is
//   `wait`: errata §6.3).
// Guarantees: as cv_counter (waits never lost, spurious wake-ups possible, no
//   order among waiters, thundering herd on notify_all), and a notify that
//   finds no waiter costs one relaxed load: zero syscalls (checked in
//   tests/primitives/condvar_contract_test.cpp through wait::wait_counters()).
//   Counter wrap: as cv_counter, sleeps are limited to kCounterWrapGuard.
// Destruction (std::condition_variable may be destroyed once every waiter
//   was notified, e.g. by the first waiter back from a notify_all): a woken
//   waiter still decrements the waiter count, so the destructor waits until
//   the count is 0, yielding. Every waiter counted then is on its way out of
//   wait() (notified, so woken or about to find the counter changed) and
//   decrements before it relocks the mutex, so the destructor waits for
//   running threads only, never for the mutex (it may be called with the
//   mutex held). A waiter that was never notified, against the contract,
//   holds the destructor up to kCounterWrapGuard. Without that wait the
//   second woken waiter's decrement lands in freed memory
//   (tests/primitives/lifetime_test.cpp holds it right after its wake).
// Memory ordering: relaxed, for cv_counter's reason plus one: the waiter
//   increments the waiter count while it still holds the mutex, so that
//   increment happens before any notifier's lock of the mutex after the
//   waiter's unlock, and the notifier's load cannot miss it (the digest's
//   P-3: it must be incremented under the mutex). A notifier that sees the
//   count already decremented is not a problem: the decrement comes after the
//   waiter woke, and a woken waiter needs no wake. Except: the decrement is a
//   release and the destructor's load of 0 an acquire, so every waiter's last
//   access happens-before the destruction.
// Layout: the 32-bit counter (the futex word) and a size_t waiter count, which
//   cannot overflow (each waiter is a thread), in one 16-byte object.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <thread>

#include "synclab/condvars/concepts.hpp"
#include "synclab/condvars/futex_wait_for.hpp"
#include "synclab/locks/futex_mutex3.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::condvars {

class CvCounterWaiters {
 public:
  static constexpr std::string_view name = "cv_counter_waiters";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call
  using mutex_type = locks::FutexMutex3;

  CvCounterWaiters() = default;
  ~CvCounterWaiters() {
    while (waiters_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  }
  CvCounterWaiters(const CvCounterWaiters&) = delete;
  CvCounterWaiters& operator=(const CvCounterWaiters&) = delete;
  CvCounterWaiters(CvCounterWaiters&&) = delete;
  CvCounterWaiters& operator=(CvCounterWaiters&&) = delete;

  void wait(std::unique_lock<mutex_type>& held) {
    waiters_.fetch_add(1, std::memory_order_relaxed);
    const std::uint32_t seen = counter_.load(std::memory_order_relaxed);
    held.unlock();
    futex_wait_for(counter_, seen, kCounterWrapGuard);
    stall_point(StallPoint::after_wake, this);
    waiters_.fetch_sub(1, std::memory_order_release);  // the last access: see the destructor
    held.lock();
  }

  void notify_one() noexcept {
    if (waiters_.load(std::memory_order_relaxed) == 0) return;
    counter_.fetch_add(1, std::memory_order_relaxed);
    wait::futex_wake_one(counter_);
  }

  void notify_all() noexcept {
    if (waiters_.load(std::memory_order_relaxed) == 0) return;
    counter_.fetch_add(1, std::memory_order_relaxed);
    wait::futex_wake_all(counter_);
  }

 private:
  std::atomic<std::uint32_t> counter_{0};
  std::atomic<std::size_t> waiters_{0};
};

static_assert(ConditionVariable<CvCounterWaiters>);

}  // namespace synclab::condvars
