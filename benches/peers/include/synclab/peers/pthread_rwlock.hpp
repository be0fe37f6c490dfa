// pthread_rwlock.hpp — POSIX reader-writer locks behind synclab's
// reader-writer lock interface.
//
// Peers:
//   PthreadRwlock ("pthread_rwlock"): default attributes. glibc's default
//     kind is PTHREAD_RWLOCK_PREFER_READER_NP: a reader is let in while
//     other readers hold the lock even if a writer waits, because POSIX
//     requires a recursive read lock to succeed; writers can starve.
//   PthreadRwlockWriterPref ("pthread_rwlock_writer_pref"):
//     PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP, glibc's writer-preferring
//     kind: once a writer waits, new readers wait too (so a thread that
//     re-locks for reading behind a waiting writer deadlocks, hence
//     "nonrecursive"). The libc counterpart of rw_writer_pref.
//     (PTHREAD_RWLOCK_PREFER_WRITER_NP exists too but glibc treats it as
//     reader-preferring.)
// Source: POSIX.1-2017 pthread_rwlock_rdlock / _wrlock; glibc nptl
//   (pthread_rwlock_common.c) for the kinds.
// Guarantees: exclusive and shared ownership; one unlock function for both
//   modes. Destroying a locked rwlock is undefined, so the destructor must
//   only run on an unlocked one.
// Memory ordering: provided by the implementation (POSIX: lock operations
//   synchronise memory).
// Errors: for a valid lock used by its holders the calls do not fail (EAGAIN
//   would need 2^30 readers, EDEADLK a recursive write lock); their return
//   values are therefore not checked on the hot path.
// Layout: sizeof(pthread_rwlock_t) (56 bytes on x86-64 glibc).
#pragma once

#include <pthread.h>

#include <string_view>

#include "synclab/rwlocks/concepts.hpp"

namespace synclab::peers {

class PthreadRwlock {
 public:
  static constexpr std::string_view name = "pthread_rwlock";

  PthreadRwlock() = default;
  ~PthreadRwlock() { ::pthread_rwlock_destroy(&rwlock_); }
  PthreadRwlock(const PthreadRwlock&) = delete;
  PthreadRwlock& operator=(const PthreadRwlock&) = delete;
  PthreadRwlock(PthreadRwlock&&) = delete;
  PthreadRwlock& operator=(PthreadRwlock&&) = delete;

  void lock() noexcept { ::pthread_rwlock_wrlock(&rwlock_); }
  void unlock() noexcept { ::pthread_rwlock_unlock(&rwlock_); }
  void lock_shared() noexcept { ::pthread_rwlock_rdlock(&rwlock_); }
  void unlock_shared() noexcept { ::pthread_rwlock_unlock(&rwlock_); }

 private:
  pthread_rwlock_t rwlock_ = PTHREAD_RWLOCK_INITIALIZER;
};

class PthreadRwlockWriterPref {
 public:
  static constexpr std::string_view name = "pthread_rwlock_writer_pref";

  PthreadRwlockWriterPref() noexcept {
    pthread_rwlockattr_t attr;
    ::pthread_rwlockattr_init(&attr);
    ::pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    ::pthread_rwlock_init(&rwlock_, &attr);
    ::pthread_rwlockattr_destroy(&attr);
  }
  ~PthreadRwlockWriterPref() { ::pthread_rwlock_destroy(&rwlock_); }
  PthreadRwlockWriterPref(const PthreadRwlockWriterPref&) = delete;
  PthreadRwlockWriterPref& operator=(const PthreadRwlockWriterPref&) = delete;
  PthreadRwlockWriterPref(PthreadRwlockWriterPref&&) = delete;
  PthreadRwlockWriterPref& operator=(PthreadRwlockWriterPref&&) = delete;

  void lock() noexcept { ::pthread_rwlock_wrlock(&rwlock_); }
  void unlock() noexcept { ::pthread_rwlock_unlock(&rwlock_); }
  void lock_shared() noexcept { ::pthread_rwlock_rdlock(&rwlock_); }
  void unlock_shared() noexcept { ::pthread_rwlock_unlock(&rwlock_); }

 private:
  pthread_rwlock_t rwlock_;
};

static_assert(synclab::rwlocks::RwLockable<PthreadRwlock>);
static_assert(synclab::rwlocks::RwLockable<PthreadRwlockWriterPref>);

}  // namespace synclab::peers
