// condvar_testing.hpp — what the condition-variable and semaphore tests share:
// the typed-test plumbing and the seed's wake-up count check (the hang
// watchdog is synclab/testing/hang_watchdog.hpp).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "synclab/condvars/concepts.hpp"
#include "synclab/condvars/futex_wait_for.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/thread_state.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

namespace synclab::testing {

// A fixture for condition-variable tests: our condvars' waits end after a
// 4 s guard at the latest, so a lost wake-up would not hang there: it is
// caught as a wait that ran out its guard.
class NoTimedOutWaits : public ::testing::Test {
 protected:
  void SetUp() override { expired_before_ = condvars::timed_out_waits().load(); }
  void TearDown() override {
    EXPECT_EQ(condvars::timed_out_waits().load() - expired_before_, 0u)
        << "a wait ran out its counter-wrap guard: a wake-up was lost";
  }

 private:
  std::uint64_t expired_before_ = 0;
};

// Where notify_all sends the sleepers of a requeueing condvar. `waiters`
// threads wait (each seen asleep); the caller takes the mutex, notifies all
// and keeps holding it until every waiter is asleep again, then reads from
// /proc where each sleeps: a thread that returned from its condvar wait
// sleeps in a new futex call on the mutex word; a requeued one is still in
// its first call (on the condvar's word) while the kernel has moved it to the
// mutex's queue. A requeue wakes one and moves the rest; a wake-all sends
// every one of them back into a new call on the mutex.
struct NotifyAllCensus {
  int returned = 0;  // waiters that had come back from wait() while the mutex was held
  int requeued = 0;  // waiters still inside their first futex call
  int through = 0;   // waiters that got past wait() once the mutex was released
};

template <condvars::ConditionVariable CV>
NotifyAllCensus notify_all_census(int waiters) {
  CV cv;
  typename CV::mutex_type mutex;
  int inside = 0;   // under mutex
  bool go = false;  // under mutex
  int through = 0;  // under mutex
  HangWatchdog dog(kHangLimit, CV::name, "notify_all census");
  std::vector<std::atomic<long>> tids(static_cast<std::size_t>(waiters));
  std::vector<std::thread> pool;
  for (int i = 0; i < waiters; ++i) {
    pool.emplace_back([&, i] {
      tids[static_cast<std::size_t>(i)].store(this_thread_tid(), std::memory_order_release);
      std::unique_lock held(mutex);
      ++inside;
      while (!go) cv.wait(held);
      ++through;
    });
  }
  for (;;) {  // a waiter releases the mutex only inside wait()
    std::unique_lock held(mutex);
    if (inside == waiters) break;
    held.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& tid : tids) wait_until_asleep(tid, std::chrono::seconds(10));
  NotifyAllCensus census;
  {
    std::unique_lock held(mutex);
    go = true;
    cv.notify_all();
    for (auto& tid : tids) wait_until_asleep(tid, std::chrono::seconds(10));
    const auto mutex_word = reinterpret_cast<std::uintptr_t>(&mutex.futex_word());
    for (auto& tid : tids) {
      const auto address = blocked_futex_address(tid.load());
      if (address == mutex_word) ++census.returned;
      else if (address.has_value()) ++census.requeued;
    }
  }
  for (auto& t : pool) t.join();
  census.through = through;
  return census;
}

// The seed's test (Rust Atomics and Locks, ch. 9, test_condvar): a helper
// sleeps for `delay`, sets the value under the mutex and notifies once; the
// caller waits in a loop while the value is below 100 and counts how often
// wait() returned. A condition variable that sleeps returns once (or a few
// times, spuriously); one that secretly spins returns thousands of times.
// Also checks that wait() returns with the mutex held: another thread's
// try_lock must fail.
struct WakeupCount {
  int wakeups = 0;
  bool relocked = false;  // the mutex was held by the waiter after the loop
};

inline constexpr int kWakeupBound = 10;  // the seed's assertion: wakeups < 10

template <condvars::ConditionVariable CV>
WakeupCount wakeups_for_one_notification(std::chrono::milliseconds delay) {
  CV cv;
  typename CV::mutex_type mutex;
  int value = 0;  // under mutex
  HangWatchdog dog(kHangLimit, CV::name, "wake-up count check");
  std::thread helper([&] {
    std::this_thread::sleep_for(delay);
    {
      const std::lock_guard held(mutex);
      value = 123;
    }
    cv.notify_one();
  });
  WakeupCount result;
  {
    std::unique_lock held(mutex);
    while (value < 100) {
      cv.wait(held);
      ++result.wakeups;
    }
    bool other_got_it = true;
    std::thread([&] {
      other_got_it = mutex.try_lock();
      if (other_got_it) mutex.unlock();
    }).join();
    result.relocked = held.owns_lock() && !other_got_it && value == 123;
  }
  helper.join();
  return result;
}

}  // namespace synclab::testing
