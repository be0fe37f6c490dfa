// pthread_mutex.hpp — POSIX mutexes behind synclab's lock interface.
//
// Peers:
//   PthreadMutex ("pthread_mutex"): default attributes (PTHREAD_MUTEX_DEFAULT,
//     which glibc implements as the "normal" futex mutex: no spinning, sleeps on
//     contention).
//   PthreadMutexAdaptive ("pthread_mutex_adaptive"): PTHREAD_MUTEX_ADAPTIVE_NP,
//     glibc's spin-then-sleep mutex. It spins for a bounded, adaptively adjusted
//     number of tries (upper bound: the glibc.pthread.mutex_spin_count tunable)
//     before it sleeps; the closest libc relative of futex_mutex3_spin.
// Source: POSIX.1-2017 pthread_mutex_lock; glibc nptl for the adaptive kind.
// Guarantees: mutual exclusion; no fairness promise; relocking by the holder is
//   undefined (default kind) or deadlocks. Destroying a locked mutex is
//   undefined, so the destructor must only run on an unlocked one.
// Memory ordering: provided by the implementation (POSIX: lock() synchronises
//   memory with the previous unlock()).
// Errors: with these kinds, lock/unlock fail only on misuse (EINVAL, EAGAIN,
//   EDEADLK do not occur for a valid, unlocked-by-owner mutex); their return
//   values are therefore not checked on the hot path.
// Layout: sizeof(pthread_mutex_t) (40 bytes on x86-64 glibc), no padding.
#pragma once

#include <pthread.h>

#include <string_view>

#include "synclab/concepts.hpp"

namespace synclab::peers {

class PthreadMutex {
 public:
  static constexpr std::string_view name = "pthread_mutex";

  PthreadMutex() = default;
  ~PthreadMutex() { ::pthread_mutex_destroy(&mutex_); }
  PthreadMutex(const PthreadMutex&) = delete;
  PthreadMutex& operator=(const PthreadMutex&) = delete;
  PthreadMutex(PthreadMutex&&) = delete;
  PthreadMutex& operator=(PthreadMutex&&) = delete;

  void lock() noexcept { ::pthread_mutex_lock(&mutex_); }
  [[nodiscard]] bool try_lock() noexcept { return ::pthread_mutex_trylock(&mutex_) == 0; }
  void unlock() noexcept { ::pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
};

class PthreadMutexAdaptive {
 public:
  static constexpr std::string_view name = "pthread_mutex_adaptive";

  PthreadMutexAdaptive() noexcept {
    pthread_mutexattr_t attr;
    ::pthread_mutexattr_init(&attr);
    ::pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    ::pthread_mutex_init(&mutex_, &attr);
    ::pthread_mutexattr_destroy(&attr);
  }
  ~PthreadMutexAdaptive() { ::pthread_mutex_destroy(&mutex_); }
  PthreadMutexAdaptive(const PthreadMutexAdaptive&) = delete;
  PthreadMutexAdaptive& operator=(const PthreadMutexAdaptive&) = delete;
  PthreadMutexAdaptive(PthreadMutexAdaptive&&) = delete;
  PthreadMutexAdaptive& operator=(PthreadMutexAdaptive&&) = delete;

  void lock() noexcept { ::pthread_mutex_lock(&mutex_); }
  [[nodiscard]] bool try_lock() noexcept { return ::pthread_mutex_trylock(&mutex_) == 0; }
  void unlock() noexcept { ::pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_;
};

static_assert(synclab::TryLockable<PthreadMutex>);
static_assert(synclab::TryLockable<PthreadMutexAdaptive>);

}  // namespace synclab::peers
