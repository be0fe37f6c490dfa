// pthread_spin.hpp — pthread_spinlock_t behind synclab's lock interface.
//
// Peer: the POSIX spin lock, initialised PTHREAD_PROCESS_PRIVATE. In glibc it is
//   a test-and-set style lock that busy-waits and never sleeps; the libc
//   counterpart of tas_spin / ttas_spin.
// Source: POSIX.1-2017 pthread_spin_lock.
// Guarantees: mutual exclusion; no fairness; relocking by the holder deadlocks
//   (or is undefined). Oversubscription: waiters burn their time slices while a
//   preempted holder is off-CPU.
// Memory ordering: provided by the implementation (lock() synchronises memory
//   with the previous unlock()).
// Errors: pthread_spin_init can only fail with ENOMEM/EAGAIN on systems that
//   allocate for spin locks (glibc does not); lock/unlock fail only on misuse.
// Layout: sizeof(pthread_spinlock_t) (4 bytes on glibc), no padding.
#pragma once

#include <pthread.h>

#include <string_view>

#include "synclab/concepts.hpp"

namespace synclab::peers {

class PthreadSpin {
 public:
  static constexpr std::string_view name = "pthread_spin";

  PthreadSpin() noexcept { ::pthread_spin_init(&spin_, PTHREAD_PROCESS_PRIVATE); }
  ~PthreadSpin() { ::pthread_spin_destroy(&spin_); }
  PthreadSpin(const PthreadSpin&) = delete;
  PthreadSpin& operator=(const PthreadSpin&) = delete;
  PthreadSpin(PthreadSpin&&) = delete;
  PthreadSpin& operator=(PthreadSpin&&) = delete;

  void lock() noexcept { ::pthread_spin_lock(&spin_); }
  [[nodiscard]] bool try_lock() noexcept { return ::pthread_spin_trylock(&spin_) == 0; }
  void unlock() noexcept { ::pthread_spin_unlock(&spin_); }

 private:
  pthread_spinlock_t spin_;
};

static_assert(synclab::TryLockable<PthreadSpin>);

}  // namespace synclab::peers
