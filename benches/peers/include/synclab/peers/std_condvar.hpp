// std_condvar.hpp — std::condition_variable over std::mutex behind synclab's
// condition-variable interface.
//
// Peer: the standard condition variable, the baseline of the condvars family.
// With libstdc++ on Linux it is a pthread_cond_t (glibc >= 2.25: the two-group
// algorithm that avoids stolen notifications, Rust Atomics and Locks ch. 9
// "Avoiding Spurious Wake-ups") and std::mutex a pthread_mutex_t, so it should
// measure like pthread_cond; keeping both shows what the wrapper costs.
// Guarantees (standard): waits are not lost; spurious wake-ups allowed; every
//   waiter of one condition variable must use the same mutex.
// Memory ordering: the mutex's; the condition variable adds none that callers
//   may rely on.
// Syscalls: glibc's futex calls are its own, not counted by synclab's wait layer
//   (futex_*_per_op read 0 for this peer).
// Layout: sizeof(std::condition_variable) (48 bytes on x86-64 glibc); the mutex
//   is the caller's.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string_view>

#include "synclab/condvars/concepts.hpp"

namespace synclab::peers {

class StdCondvar {
 public:
  static constexpr std::string_view name = "std_condvar";
  using mutex_type = std::mutex;

  StdCondvar() = default;
  StdCondvar(const StdCondvar&) = delete;
  StdCondvar& operator=(const StdCondvar&) = delete;
  StdCondvar(StdCondvar&&) = delete;
  StdCondvar& operator=(StdCondvar&&) = delete;

  void wait(std::unique_lock<mutex_type>& held) { cv_.wait(held); }
  void notify_one() noexcept { cv_.notify_one(); }
  void notify_all() noexcept { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

static_assert(synclab::condvars::ConditionVariable<StdCondvar>);

}  // namespace synclab::peers
