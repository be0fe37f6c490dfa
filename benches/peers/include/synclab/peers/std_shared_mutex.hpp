// std_shared_mutex.hpp — std::shared_mutex behind synclab's reader-writer
// lock interface.
//
// Peer: the standard library's reader-writer lock, the baseline of the
// rwlocks family. libstdc++ on Linux builds it on pthread_rwlock_t with
// default attributes, so it should measure like pthread_rwlock (glibc's
// default kind prefers readers: a writer can wait as long as readers
// overlap); keeping both shows whether the wrapper costs anything.
// Guarantees (as documented by the standard): exclusive and shared
//   ownership; no fairness or preference promise; taking either mode twice
//   on one thread is undefined behaviour.
// Memory ordering: provided by the implementation (an unlock synchronises
//   with the next acquisition that sees its effect).
// Layout: sizeof(std::shared_mutex) (56 bytes on x86-64 glibc).
#pragma once

#include <shared_mutex>
#include <string_view>

#include "synclab/rwlocks/concepts.hpp"

namespace synclab::peers {

class StdSharedMutex {
 public:
  static constexpr std::string_view name = "std_shared_mutex";

  StdSharedMutex() = default;
  StdSharedMutex(const StdSharedMutex&) = delete;
  StdSharedMutex& operator=(const StdSharedMutex&) = delete;
  StdSharedMutex(StdSharedMutex&&) = delete;
  StdSharedMutex& operator=(StdSharedMutex&&) = delete;

  void lock() { mutex_.lock(); }
  void unlock() { mutex_.unlock(); }
  void lock_shared() { mutex_.lock_shared(); }
  void unlock_shared() { mutex_.unlock_shared(); }

 private:
  std::shared_mutex mutex_;
};

static_assert(synclab::rwlocks::RwLockable<StdSharedMutex>);

}  // namespace synclab::peers
