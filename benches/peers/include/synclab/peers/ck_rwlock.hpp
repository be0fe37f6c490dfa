// ck_rwlock.hpp — Concurrency Kit's ck_rwlock_t behind synclab's
// reader-writer lock interface. Compiled only where libck is found and the
// build is not instrumented by ThreadSanitizer (SYNCLAB_HAVE_CK): CK's
// atomics are inline assembly that TSan cannot see.
//
// Peer (ck_rwlock.h, libck 0.7): a writer flag and a reader count in two
//   words. A writer swaps the flag to 1 (spinning while another writer has
//   it), then spins until the reader count drains; a reader spins while the
//   flag is set, increments the count, re-checks the flag after a fence and
//   backs out if a writer got there first. So a writer that has set its
//   flag keeps new readers out (writer-preferring); all waiting is spinning
//   with PAUSE (ck_pr_stall), never sleeping.
// The calls go through the C functions of benches/peers/src/ck_rwlock.c
//   (CK's headers are not valid C++), so every operation pays an
//   out-of-line call that CK's own inline use would not: a few ns,
//   visible at `uncontended`.
// Guarantees: exclusive and shared ownership; not fair, not recursive.
// Memory ordering: CK's fences (ck_pr_fence_lock / _load / _atomic_load)
//   around its atomic operations.
// Layout: two unsigned ints.
#pragma once

#if SYNCLAB_HAVE_CK

#include <string_view>

#include "synclab/peers/ck/ck_rwlock.h"
#include "synclab/rwlocks/concepts.hpp"

namespace synclab::peers {

class CkRwlock {
 public:
  static constexpr std::string_view name = "ck_rwlock";

  CkRwlock() noexcept { synclab_ck_rwlock_init(&lock_); }
  CkRwlock(const CkRwlock&) = delete;
  CkRwlock& operator=(const CkRwlock&) = delete;
  CkRwlock(CkRwlock&&) = delete;
  CkRwlock& operator=(CkRwlock&&) = delete;

  void lock() noexcept { synclab_ck_rwlock_write_lock(&lock_); }
  void unlock() noexcept { synclab_ck_rwlock_write_unlock(&lock_); }
  void lock_shared() noexcept { synclab_ck_rwlock_read_lock(&lock_); }
  void unlock_shared() noexcept { synclab_ck_rwlock_read_unlock(&lock_); }

 private:
  synclab_ck_rwlock lock_{};
};

static_assert(synclab::rwlocks::RwLockable<CkRwlock>);

}  // namespace synclab::peers

#endif  // SYNCLAB_HAVE_CK
