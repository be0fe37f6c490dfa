// tbb_spin_rw_mutex.hpp — oneTBB's tbb::spin_rw_mutex behind synclab's
// reader-writer lock interface. Compiled only where oneTBB is found
// (libtbb-dev, SYNCLAB_HAVE_TBB).
//
// Peer: one word with a WRITER bit, a WRITER_PENDING bit and a reader count
//   (oneapi/tbb/spin_rw_mutex.h). A writer that finds the lock busy raises
//   WRITER_PENDING, which keeps new readers out (writer-preferring); a
//   reader adds itself with fetch_add and backs out if a writer got in
//   first. Every wait is a spin with exponential pause backoff that turns
//   into sched_yield: no sleeping, so preempted holders cost whole time
//   slices under oversubscription.
// Guarantees: exclusive and shared ownership; not fair, not recursive.
// Memory ordering: the library's seq_cst RMWs on its state word.
// Layout: one machine word (std::atomic<std::uintptr_t>).
#pragma once

#if SYNCLAB_HAVE_TBB

#include <oneapi/tbb/spin_rw_mutex.h>

#include <string_view>

#include "synclab/rwlocks/concepts.hpp"

namespace synclab::peers {

class TbbSpinRwMutex {
 public:
  static constexpr std::string_view name = "tbb_spin_rw_mutex";

  TbbSpinRwMutex() = default;
  TbbSpinRwMutex(const TbbSpinRwMutex&) = delete;
  TbbSpinRwMutex& operator=(const TbbSpinRwMutex&) = delete;
  TbbSpinRwMutex(TbbSpinRwMutex&&) = delete;
  TbbSpinRwMutex& operator=(TbbSpinRwMutex&&) = delete;

  void lock() { mutex_.lock(); }
  void unlock() { mutex_.unlock(); }
  void lock_shared() { mutex_.lock_shared(); }
  void unlock_shared() { mutex_.unlock_shared(); }

 private:
  tbb::spin_rw_mutex mutex_;
};

static_assert(synclab::rwlocks::RwLockable<TbbSpinRwMutex>);

}  // namespace synclab::peers

#endif  // SYNCLAB_HAVE_TBB
