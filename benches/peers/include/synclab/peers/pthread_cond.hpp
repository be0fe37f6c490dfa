// pthread_cond.hpp — a POSIX condition variable over a POSIX mutex behind
// synclab's condition-variable interface.
//
// Peer: pthread_cond_t with default attributes (glibc: CLOCK_REALTIME, which
//   matters only for timed waits, not used here) and its mutex, a
//   pthread_mutex_t with default attributes. glibc >= 2.25 implements it with
//   two groups of waiters so a later waiter cannot steal an earlier waiter's
//   notification (Rust Atomics and Locks ch. 9, "Avoiding Spurious Wake-ups").
// Source: POSIX.1-2017 pthread_cond_wait / pthread_cond_signal /
//   pthread_cond_broadcast.
// Adapter: mutex_type is PthreadCondMutex, a pthread_mutex_t with lock/unlock/
//   try_lock (so std::unique_lock can hold it) and native_handle(), which
//   wait() hands to pthread_cond_wait through held.mutex().
// Guarantees (POSIX): waits are not lost; spurious wake-ups allowed; one mutex
//   per condition variable at a time. Return values are not checked on the hot
//   path: with default attributes and correct use these calls do not fail.
// Memory ordering: the mutex's (POSIX: the functions synchronise memory).
// Syscalls: glibc's, not counted by synclab's wait layer.
// Layout: sizeof(pthread_cond_t) (48 bytes on x86-64 glibc); the mutex is the
//   caller's.
#pragma once

#include <pthread.h>

#include <mutex>
#include <string_view>

#include "synclab/condvars/concepts.hpp"

namespace synclab::peers {

class PthreadCondMutex {
 public:
  PthreadCondMutex() = default;
  ~PthreadCondMutex() { ::pthread_mutex_destroy(&mutex_); }
  PthreadCondMutex(const PthreadCondMutex&) = delete;
  PthreadCondMutex& operator=(const PthreadCondMutex&) = delete;
  PthreadCondMutex(PthreadCondMutex&&) = delete;
  PthreadCondMutex& operator=(PthreadCondMutex&&) = delete;

  void lock() noexcept { ::pthread_mutex_lock(&mutex_); }
  [[nodiscard]] bool try_lock() noexcept { return ::pthread_mutex_trylock(&mutex_) == 0; }
  void unlock() noexcept { ::pthread_mutex_unlock(&mutex_); }
  [[nodiscard]] pthread_mutex_t* native_handle() noexcept { return &mutex_; }

 private:
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
};

class PthreadCond {
 public:
  static constexpr std::string_view name = "pthread_cond";
  using mutex_type = PthreadCondMutex;

  PthreadCond() = default;
  ~PthreadCond() { ::pthread_cond_destroy(&cond_); }
  PthreadCond(const PthreadCond&) = delete;
  PthreadCond& operator=(const PthreadCond&) = delete;
  PthreadCond(PthreadCond&&) = delete;
  PthreadCond& operator=(PthreadCond&&) = delete;

  // Precondition (the concept's): `held` owns the lock.
  void wait(std::unique_lock<mutex_type>& held) { ::pthread_cond_wait(&cond_, held.mutex()->native_handle()); }
  void notify_one() noexcept { ::pthread_cond_signal(&cond_); }
  void notify_all() noexcept { ::pthread_cond_broadcast(&cond_); }

 private:
  pthread_cond_t cond_ = PTHREAD_COND_INITIALIZER;
};

static_assert(synclab::condvars::ConditionVariable<PthreadCond>);

}  // namespace synclab::peers
