// condvar_testing.hpp — what the condition-variable and semaphore tests share:
// a hang watchdog, the typed-test plumbing, and the seed's wake-up count check.
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
#include "synclab/type_list.hpp"

namespace synclab::testing {

template <class List>
struct GTestTypes;
template <class... Ts>
struct GTestTypes<synclab::TypeList<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

// Test names carry the primitive's name ("CondVarContract/cv_counter.…").
struct PrimitiveName {
  template <class T>
  static std::string GetName(int) {
    return std::string(T::name);
  }
};

// A hang detector: if the scope it guards has not ended within `limit`, it
// prints what hung and aborts the process, so a lost wake-up fails the test
// with a message instead of stalling until ctest's timeout. The limit is a
// hang threshold, far above the time the work takes under a sanitizer on a
// loaded machine: it never judges speed.
class HangWatchdog {
 public:
  HangWatchdog(std::chrono::seconds limit, std::string_view primitive, std::string_view what)
      : watcher_([this, limit, primitive = std::string(primitive), what = std::string(what)] {
          std::unique_lock held(mutex_);
          if (done_cv_.wait_for(held, limit, [this] { return done_; })) return;
          std::fprintf(stderr,
                       "HangWatchdog: %s: \"%s\" did not finish within %lld s; a waiter is stuck (lost wake-up?)\n",
                       primitive.c_str(), what.c_str(), static_cast<long long>(limit.count()));
          std::fflush(stderr);
          std::abort();
        }) {}
  ~HangWatchdog() {
    {
      const std::lock_guard held(mutex_);
      done_ = true;
    }
    done_cv_.notify_one();
    watcher_.join();
  }
  HangWatchdog(const HangWatchdog&) = delete;
  HangWatchdog& operator=(const HangWatchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread watcher_;  // last: starts after the members it uses
};

inline constexpr std::chrono::seconds kHangLimit{60};

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
