// absl_mutex.hpp — absl::Mutex behind synclab's lock interface.
//
// Peer: Abseil's Mutex (libabsl-dev, absl/synchronization/mutex.h), used in
//   exclusive mode only. A reader/writer mutex in one word. Lock(), TryLock()
//   and Unlock() are calls into libabsl_synchronization.so (through the PLT);
//   the uncontended path there is one compare-and-swap. A contended Lock() spins a
//   little (a few hundred iterations on multi-core machines), then queues the
//   thread on the mutex's own waiter list and blocks in a futex (through
//   absl's per-thread semaphore). Unlock() wakes the first queued waiter,
//   which then competes with newly arriving threads: no FIFO guarantee.
// Guarantees: mutual exclusion; not reentrant; Unlock() only by the holder.
//   Debug-build deadlock detection is off in Debian's release library.
// Memory ordering: absl's (acquire on the winning CAS, release on Unlock).
// Its futex calls are absl's, not counted by synclab's wait layer (0 in
//   futex_waits_per_op); ctx_switches_per_op shows its sleeping.
// Not in ThreadSanitizer builds: the slow path lives in an uninstrumented
//   shared library, so TSan cannot see its synchronisation.
// Layout: one intptr_t word, inline.
#pragma once

#include <absl/synchronization/mutex.h>

#include <string_view>

#include "synclab/concepts.hpp"

namespace synclab::peers {

class AbslMutex {
 public:
  static constexpr std::string_view name = "absl_mutex";

  AbslMutex() = default;
  AbslMutex(const AbslMutex&) = delete;
  AbslMutex& operator=(const AbslMutex&) = delete;
  AbslMutex(AbslMutex&&) = delete;
  AbslMutex& operator=(AbslMutex&&) = delete;

  void lock() { mutex_.Lock(); }
  [[nodiscard]] bool try_lock() { return mutex_.TryLock(); }
  void unlock() { mutex_.Unlock(); }

 private:
  absl::Mutex mutex_;
};

static_assert(synclab::TryLockable<AbslMutex>);

}  // namespace synclab::peers
