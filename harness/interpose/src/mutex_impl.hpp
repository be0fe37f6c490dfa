// mutex_impl.hpp — the pthread mutex API on top of any lock.
//
// A lock is brought in through an adapter A:
//   A::kInPlace          the lock lives in the mutex's first 16 bytes
//                        (mutex_words.hpp); otherwise in a block beside it
//   A::block_bytes()     the block's size (A::kInPlace false)
//   A::construct(p), A::destruct(p)
//   A::lock(p, w), A::try_lock(p, w), A::unlock(p, w)   p: the lock, w: the mutex words
// MutexImpl<A> adds what pthread promises on top of lock(), try_lock() and
// unlock():
//   kinds        normal and adaptive: the lock alone. Recursive and
//                error-checking: an owner thread id and a depth in the mutex
//                words (relock by the owner, EDEADLK, EPERM). Robust,
//                priority-inheritance, priority-protection and process-shared
//                mutexes: glibc's own functions, untouched.
//   timed locks  try_lock, then polling with a doubling sleep (1 us to 1 ms)
//                until the deadline: correct, but a timed waiter does not
//                queue, so under a FIFO lock it may time out while others keep
//                acquiring (POSIX promises no order).
//   statistics   a try first, so a contended acquisition is known and timed
//                (stats.hpp); off: the lock's own lock() and nothing else.
//   lifetime     unlock's last access to the mutex is the lock's own unlock(),
//                so a mutex may be destroyed right after its last unlock
//                returns whenever the lock allows it (the interposer accepts
//                only such locks: lock_menu.cpp).
#pragma once

#include <errno.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>

#include "mutex_ops.hpp"
#include "mutex_words.hpp"
#include "slab.hpp"
#include "stats.hpp"

namespace synclab::interpose {

inline std::uint64_t monotonic_ns() noexcept {
  struct timespec t;
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(t.tv_nsec);
}

inline bool valid_deadline(clockid_t clock, const struct timespec* abstime) noexcept {
  return (clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC) && abstime != nullptr && abstime->tv_nsec >= 0 &&
         abstime->tv_nsec < 1'000'000'000;
}

// True once `abstime` on `clock` has passed.
inline bool deadline_passed(clockid_t clock, const struct timespec* abstime) noexcept {
  struct timespec now;
  ::clock_gettime(clock, &now);
  return now.tv_sec > abstime->tv_sec || (now.tv_sec == abstime->tv_sec && now.tv_nsec >= abstime->tv_nsec);
}

// Sleeps for `ns`, at most until the deadline.
inline void nap(std::uint64_t ns) noexcept {
  struct timespec d{static_cast<time_t>(ns / 1'000'000'000u), static_cast<long>(ns % 1'000'000'000u)};
  ::nanosleep(&d, nullptr);
}

// Tries `try_once` until it succeeds (true) or the deadline passes (false).
template <class TryOnce>
bool poll_until(TryOnce try_once, clockid_t clock, const struct timespec* abstime) noexcept {
  std::uint64_t sleep_ns = 1000;
  for (;;) {
    if (try_once()) return true;
    if (deadline_passed(clock, abstime)) return false;
    nap(sleep_ns);
    if (sleep_ns < 1'000'000) sleep_ns *= 2;
  }
}

template <class A>
struct MutexImpl {
  static void* storage(MutexWords* w) noexcept {
    if constexpr (A::kInPlace) {
      return w->lock;
    } else {
      auto* slot = reinterpret_cast<std::atomic<void*>*>(w->lock);
      void* p = slot->load(std::memory_order_acquire);
      if (p != nullptr) [[likely]]
        return p;
      // First use: build the lock in a block of ours; one racing thread wins.
      void* fresh = slab_alloc(A::block_bytes());
      A::construct(fresh);
      if (slot->compare_exchange_strong(p, fresh, std::memory_order_acq_rel, std::memory_order_acquire)) return fresh;
      A::destruct(fresh);
      slab_free(fresh, A::block_bytes());
      return p;
    }
  }

  // The lock of a mutex that must already have one (unlock); null if none.
  static void* existing_storage(MutexWords* w) noexcept {
    if constexpr (A::kInPlace) {
      return w->lock;
    } else {
      return reinterpret_cast<std::atomic<void*>*>(w->lock)->load(std::memory_order_acquire);
    }
  }

  static void acquire(MutexWords* w, const void* caller) noexcept {
    void* l = storage(w);
    if (!stats_enabled()) {
      A::lock(l, w);
      return;
    }
    if (A::try_lock(l, w)) {
      note_acquired(w, caller, false, 0);
      return;
    }
    const std::uint64_t start = monotonic_ns();
    A::lock(l, w);
    note_acquired(w, caller, true, monotonic_ns() - start);
  }

  // Recursive and error-checking kinds, before acquiring: 0 to go on and
  // acquire, kAlreadyHeld when a recursive owner went one deeper, or an errno.
  static constexpr int kAlreadyHeld = -1;
  static int owner_check(MutexWords* w, int kind, int self_error) noexcept {
    if (w->owner.load(std::memory_order_relaxed) != current_tid()) return 0;
    if (kind == kKindErrorCheck) return self_error;
    const std::uint32_t depth = w->depth.load(std::memory_order_relaxed);
    if (depth == UINT32_MAX - 1) return EAGAIN;
    w->depth.store(depth + 1, std::memory_order_relaxed);
    return kAlreadyHeld;
  }

  static int lock(pthread_mutex_t* m, const void* caller) noexcept {
    MutexWords* w = words(m);
    const int kind = w->kind.load(std::memory_order_relaxed);
    if (kind == kKindNormal || kind == kKindAdaptive) [[likely]] {
      acquire(w, caller);
      return 0;
    }
    if (glibc_owned_kind(kind)) {
      note(ThreadEvent::glibc_owned);
      return g_real.mutex_lock(m);
    }
    if (const int r = owner_check(w, kind, EDEADLK); r != 0) return r == kAlreadyHeld ? 0 : r;
    acquire(w, caller);
    w->owner.store(current_tid(), std::memory_order_relaxed);
    return 0;
  }

  static int trylock(pthread_mutex_t* m, const void* caller) noexcept {
    MutexWords* w = words(m);
    const int kind = w->kind.load(std::memory_order_relaxed);
    if (glibc_owned_kind(kind)) {
      note(ThreadEvent::glibc_owned);
      return g_real.mutex_trylock(m);
    }
    const bool owned = tracks_owner(kind);
    if (owned) {
      if (const int r = owner_check(w, kind, EBUSY); r != 0) return r == kAlreadyHeld ? 0 : r;
    }
    if (!A::try_lock(storage(w), w)) {
      note(ThreadEvent::trylock_busy);
      return EBUSY;
    }
    if (stats_enabled()) note_acquired(w, caller, false, 0);
    if (owned) w->owner.store(current_tid(), std::memory_order_relaxed);
    return 0;
  }

  static int timedlock(pthread_mutex_t* m, clockid_t clock, const struct timespec* abstime,
                       const void* caller) noexcept {
    MutexWords* w = words(m);
    const int kind = w->kind.load(std::memory_order_relaxed);
    if (glibc_owned_kind(kind)) {
      note(ThreadEvent::glibc_owned);
      return g_real.mutex_clocklock(m, clock, abstime);
    }
    const bool owned = tracks_owner(kind);
    if (owned) {
      if (const int r = owner_check(w, kind, EDEADLK); r != 0) return r == kAlreadyHeld ? 0 : r;
    }
    void* l = storage(w);
    if (A::try_lock(l, w)) {
      if (stats_enabled()) note_acquired(w, caller, false, 0);
    } else {
      if (!valid_deadline(clock, abstime)) return EINVAL;
      const std::uint64_t start = monotonic_ns();
      if (!poll_until([&] { return A::try_lock(l, w); }, clock, abstime)) return ETIMEDOUT;
      if (stats_enabled()) note_acquired(w, caller, true, monotonic_ns() - start);
    }
    if (owned) w->owner.store(current_tid(), std::memory_order_relaxed);
    return 0;
  }

  static int unlock(pthread_mutex_t* m) noexcept {
    MutexWords* w = words(m);
    const int kind = w->kind.load(std::memory_order_relaxed);
    if (kind != kKindNormal && kind != kKindAdaptive) [[unlikely]] {
      if (glibc_owned_kind(kind)) return g_real.mutex_unlock(m);
      if (w->owner.load(std::memory_order_relaxed) != current_tid()) return EPERM;
      if (kind == kKindRecursive) {
        const std::uint32_t depth = w->depth.load(std::memory_order_relaxed);
        if (depth > 0) {
          w->depth.store(depth - 1, std::memory_order_relaxed);
          return 0;
        }
      }
      w->owner.store(0, std::memory_order_relaxed);
    }
    void* l = existing_storage(w);
    if (l == nullptr) return EPERM;  // never locked: there is no lock to release
    A::unlock(l, w);                 // the last access to the mutex
    return 0;
  }

  static int release_for_wait(pthread_mutex_t* m, std::uint32_t* saved) noexcept {
    MutexWords* w = words(m);
    const int kind = w->kind.load(std::memory_order_relaxed);
    *saved = 0;
    if (tracks_owner(kind)) {
      if (w->owner.load(std::memory_order_relaxed) != current_tid()) return EPERM;
      *saved = w->depth.load(std::memory_order_relaxed);
      w->depth.store(0, std::memory_order_relaxed);
    }
    return unlock(m);
  }

  static int reacquire_after_wait(pthread_mutex_t* m, std::uint32_t saved, const void* caller) noexcept {
    const int r = lock(m, caller);
    if (r == 0 && saved != 0) words(m)->depth.store(saved, std::memory_order_relaxed);
    return r;
  }

  static int init(pthread_mutex_t* m, const pthread_mutexattr_t* attr, const void* caller) noexcept {
    int type = PTHREAD_MUTEX_NORMAL;
    if (attr != nullptr) {
      int robust = PTHREAD_MUTEX_STALLED, protocol = PTHREAD_PRIO_NONE, shared = PTHREAD_PROCESS_PRIVATE;
      if (::pthread_mutexattr_gettype(attr, &type) != 0 || ::pthread_mutexattr_getrobust(attr, &robust) != 0 ||
          ::pthread_mutexattr_getprotocol(attr, &protocol) != 0 ||
          ::pthread_mutexattr_getpshared(attr, &shared) != 0)
        return EINVAL;
      if (robust != PTHREAD_MUTEX_STALLED || protocol != PTHREAD_PRIO_NONE || shared != PTHREAD_PROCESS_PRIVATE)
        return g_real.mutex_init(m, attr);  // glibc's: the kind's flag bits say so from now on
    }
    std::memset(static_cast<void*>(m), 0, sizeof(MutexWords));  // a fresh mutex: a fresh record lookup too
    MutexWords* w = words(m);
    if constexpr (A::kInPlace) A::construct(w->lock);
    w->kind.store(type & kKindTypeMask, std::memory_order_release);
    if (stats_enabled()) (void)record_of(w, caller);
    return 0;
  }

  static int destroy(pthread_mutex_t* m) noexcept {
    MutexWords* w = words(m);
    const int kind = w->kind.load(std::memory_order_relaxed);
    if (glibc_owned_kind(kind)) return g_real.mutex_destroy(m);
    if (tracks_owner(kind) && w->owner.load(std::memory_order_relaxed) != 0) return EBUSY;
    if constexpr (A::kInPlace) {
      A::destruct(w->lock);
      std::memset(w->lock, 0, sizeof w->lock);
    } else {
      void* block = reinterpret_cast<std::atomic<void*>*>(w->lock)->exchange(nullptr, std::memory_order_acq_rel);
      if (block != nullptr) {
        A::destruct(block);
        slab_free(block, A::block_bytes());
      }
    }
    w->depth.store(0, std::memory_order_relaxed);
    w->last_tid.store(0, std::memory_order_relaxed);
    return 0;
  }

  static constexpr MutexOps ops(const char* name) noexcept {
    return MutexOps{name,          A::kInPlace ? "in_place" : "block",
                    true,          &init,
                    &destroy,      &lock,
                    &trylock,      &timedlock,
                    &unlock,       &release_for_wait,
                    &reacquire_after_wait};
  }
};

// The system mutex: glibc's own functions, counted like every other lock (a
// try first, the same statistics), so the two sides of a comparison pay the
// same interposition cost. Conditions variables are glibc's too.
struct GlibcMutex {
  static int lock(pthread_mutex_t* m, const void* caller) noexcept {
    MutexWords* w = words(m);
    if (!stats_enabled() || glibc_owned_kind(w->kind.load(std::memory_order_relaxed))) return g_real.mutex_lock(m);
    const int r = g_real.mutex_trylock(m);
    if (r == 0) {
      note_acquired(w, caller, false, 0);
      return 0;
    }
    if (r != EBUSY) return r;  // a recursive mutex at its limit, an error-checking one held by the caller
    const std::uint64_t start = monotonic_ns();
    const int locked = g_real.mutex_lock(m);
    if (locked == 0) note_acquired(w, caller, true, monotonic_ns() - start);
    return locked;
  }
  static int trylock(pthread_mutex_t* m, const void* caller) noexcept {
    const int r = g_real.mutex_trylock(m);
    MutexWords* w = words(m);
    if (r == 0 && stats_enabled() && !glibc_owned_kind(w->kind.load(std::memory_order_relaxed)))
      note_acquired(w, caller, false, 0);
    if (r == EBUSY) note(ThreadEvent::trylock_busy);
    return r;
  }
  static int timedlock(pthread_mutex_t* m, clockid_t clock, const struct timespec* abstime,
                       const void* caller) noexcept {
    MutexWords* w = words(m);
    if (!stats_enabled() || glibc_owned_kind(w->kind.load(std::memory_order_relaxed)))
      return g_real.mutex_clocklock(m, clock, abstime);
    const int r = g_real.mutex_trylock(m);
    if (r == 0) {
      note_acquired(w, caller, false, 0);
      return 0;
    }
    if (r != EBUSY) return r;
    const std::uint64_t start = monotonic_ns();
    const int locked = g_real.mutex_clocklock(m, clock, abstime);
    if (locked == 0) note_acquired(w, caller, true, monotonic_ns() - start);
    return locked;
  }
  static int unlock(pthread_mutex_t* m) noexcept { return g_real.mutex_unlock(m); }
  static int init(pthread_mutex_t* m, const pthread_mutexattr_t* attr, const void*) noexcept {
    return g_real.mutex_init(m, attr);
  }
  static int destroy(pthread_mutex_t* m) noexcept { return g_real.mutex_destroy(m); }
  static int release_for_wait(pthread_mutex_t* m, std::uint32_t* saved) noexcept {
    *saved = 0;
    return g_real.mutex_unlock(m);
  }
  static int reacquire_after_wait(pthread_mutex_t* m, std::uint32_t, const void* caller) noexcept {
    return lock(m, caller);
  }

  static constexpr MutexOps ops() noexcept {
    return MutexOps{"pthread_mutex", "glibc", false, &init, &destroy, &lock, &trylock, &timedlock, &unlock,
                    &release_for_wait, &reacquire_after_wait};
  }
};

}  // namespace synclab::interpose
