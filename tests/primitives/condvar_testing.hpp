// condvar_testing.hpp — what the condition-variable and semaphore tests share:
// the typed-test plumbing and the seed's wake-up count check (the hang
// watchdog is synclab/testing/hang_watchdog.hpp).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "synclab/condvars/concepts.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

namespace synclab::testing {

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
