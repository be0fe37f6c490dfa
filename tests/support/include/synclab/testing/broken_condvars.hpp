// broken_condvars.hpp — condition variables that are wrong on purpose.
//
// They exist to prove that the condvar checks bite; they are in no catalogue
// and are never benchmarked.
#pragma once

#include <mutex>
#include <string_view>
#include <thread>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/condvars/concepts.hpp"
#include "synclab/condvars/cv_requeue.hpp"
#include "synclab/locks/futex_mutex3.hpp"

namespace synclab::testing {

// BROKEN: never sleeps. wait() unlocks, yields the CPU once and relocks; the
// notifications do nothing. Every caller loops on its condition, so programs
// using it still behave "correctly" — but each wait is a spin loop in
// disguise, burning a CPU for as long as the condition stays false. Nothing
// in a functional test notices (Rust Atomics and Locks, ch. 9: "a condition
// variable that never sleeps still results in correct behavior").
//
// Must be caught by: the seed's wake-up count check (condvar_testing.hpp,
// wakeups_for_one_notification): one notification after a quarter of a second
// must return from wait() only a few times; this one returns thousands of
// times. tests/primitives/condvar_broken_test.cpp expects the check to fail.
class BusyWaitCondVar {
 public:
  static constexpr std::string_view name = "broken_busy_wait";
  using mutex_type = locks::FutexMutex3;

  BusyWaitCondVar() = default;
  BusyWaitCondVar(const BusyWaitCondVar&) = delete;
  BusyWaitCondVar& operator=(const BusyWaitCondVar&) = delete;
  BusyWaitCondVar(BusyWaitCondVar&&) = delete;
  BusyWaitCondVar& operator=(BusyWaitCondVar&&) = delete;

  void wait(std::unique_lock<mutex_type>& held) {
    held.unlock();
    cpu_relax();
    std::this_thread::yield();  // BROKEN: returns without waiting for a notification
    held.lock();
  }
  void notify_one() noexcept {}
  void notify_all() noexcept {}
};

static_assert(condvars::ConditionVariable<BusyWaitCondVar>);

// BROKEN: cv_requeue whose notify_all wakes every waiter instead of
// requeueing them onto the mutex (its NotifyAllBy parameter). Nothing
// functional goes wrong, and it is one syscall as well, so the syscall count
// cannot tell it from the real one; every waiter comes back and sleeps again
// on the mutex (the thundering herd the requeue exists to avoid).
//
// Must be caught by: notify_all_census (condvar_testing.hpp), which counts
// the waiters back from their condvar wait while the mutex is still held:
// all of them here, one for cv_requeue (condvar_broken_test.cpp).
struct CvRequeueWakingAll : condvars::BasicCvRequeue<condvars::NotifyAllBy::waking_all> {
  static constexpr std::string_view name = "broken_cv_requeue_waking_all";
};

static_assert(condvars::ConditionVariable<CvRequeueWakingAll>);

}  // namespace synclab::testing
