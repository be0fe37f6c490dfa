// hang_watchdog.hpp — a scope guard that turns a hang into a failure with a
// message (see HangWatchdog below).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace synclab::testing {

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

}  // namespace synclab::testing
