// std_mutex.hpp — std::mutex behind synclab's lock interface.
//
// Peer: the standard library's mutex, the baseline every lock is compared with.
// With libstdc++ on Linux it is a pthread_mutex_t with default attributes, so it
// should measure like pthread_mutex; keeping both shows whether the wrapper
// costs anything.
// Guarantees (as documented by the standard): mutual exclusion; no fairness
//   promise; locking a mutex the caller already holds is undefined behaviour.
// Memory ordering: provided by the implementation (lock() synchronises with the
//   previous unlock()).
// Layout: sizeof(std::mutex) (40 bytes on x86-64 glibc), no padding.
#pragma once

#include <mutex>
#include <string_view>

#include "synclab/concepts.hpp"

namespace synclab::peers {

class StdMutex {
 public:
  static constexpr std::string_view name = "std_mutex";

  StdMutex() = default;
  StdMutex(const StdMutex&) = delete;
  StdMutex& operator=(const StdMutex&) = delete;
  StdMutex(StdMutex&&) = delete;
  StdMutex& operator=(StdMutex&&) = delete;

  void lock() { mutex_.lock(); }
  [[nodiscard]] bool try_lock() { return mutex_.try_lock(); }
  void unlock() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

static_assert(synclab::TryLockable<StdMutex>);

}  // namespace synclab::peers
