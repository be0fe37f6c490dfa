// mutex_words.hpp — what the interposer keeps inside a program's
// pthread_mutex_t and pthread_cond_t (docs/apps.md, "Where the lock lives").
//
// pthread_mutex_t is 40 bytes on x86-64 glibc and 48 on arm64; the interposer
// uses the first 40, laid out so that glibc's static initialisers still mean
// what they say:
//   [ 0,16)  the lock: the selected lock itself when it fits (16 bytes, at most
//            8-aligned, an unlocked lock is all zeros), else a pointer to a
//            block beside the mutex holding it, created on first use (null
//            until then). MCS keeps its tail in [0,8) and the holder's queue
//            node in [8,16).
//   [16,20)  glibc's __kind, unchanged: PTHREAD_MUTEX_INITIALIZER (0),
//            PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP (1), ..._ERRORCHECK_... (2)
//            and ..._ADAPTIVE_... (3) are recognised by it. A kind with any
//            other bit (robust, priority inheritance or protection,
//            process-shared) belongs to glibc: the whole mutex is passed to it.
//   [20,24)  owner thread id of a recursive or error-checking mutex (0: none).
//   [24,28)  thread id of the last acquirer (statistics: handoffs).
//   [28,32)  recursion depth beyond the first acquisition.
//   [32,40)  the mutex's statistics record (null until its first use).
// For a mutex glibc owns (the pthread_mutex system-mutex mode, and the kinds
// above passed through), only [24,40) is used, and only for the normal,
// recursive, error-checking and adaptive kinds: there it is glibc's robust
// list link, which glibc touches for robust mutexes alone.
// Zero bytes are a valid state of every field, so a mutex never initialised
// by a call (static initialiser, calloc, = PTHREAD_MUTEX_INITIALIZER) works.
//
// pthread_cond_t is 48 bytes everywhere; the interposer's condition variable
// (condvar.hpp) uses 12 of them. Zero bytes: no waiter, CLOCK_REALTIME,
// private to the process, as PTHREAD_COND_INITIALIZER says.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace synclab::interpose {

struct MutexRecord;

struct MutexWords {
  alignas(8) unsigned char lock[16];
  std::atomic<int> kind;
  std::atomic<std::uint32_t> owner;
  std::atomic<std::uint32_t> last_tid;
  std::atomic<std::uint32_t> depth;
  std::atomic<MutexRecord*> record;
};

inline MutexWords* words(pthread_mutex_t* m) noexcept { return reinterpret_cast<MutexWords*>(m); }

// glibc's kinds (pthread_mutexattr_settype) and the flag bits that hand a
// mutex to glibc (nptl/pthreadP.h: robust 16, priority inheritance 32,
// priority protection 64, process-shared 128; elision bits 256 and 512).
inline constexpr int kKindNormal = PTHREAD_MUTEX_NORMAL;
inline constexpr int kKindRecursive = PTHREAD_MUTEX_RECURSIVE;
inline constexpr int kKindErrorCheck = PTHREAD_MUTEX_ERRORCHECK;
inline constexpr int kKindAdaptive = PTHREAD_MUTEX_ADAPTIVE_NP;
inline constexpr int kKindTypeMask = 3;

// True when glibc owns the mutex even in lock mode.
[[nodiscard]] inline bool glibc_owned_kind(int kind) noexcept { return (kind & ~kKindTypeMask) != 0; }
[[nodiscard]] inline bool tracks_owner(int kind) noexcept {
  return kind == kKindRecursive || kind == kKindErrorCheck;
}

static_assert(sizeof(MutexWords) == 40 && sizeof(pthread_mutex_t) >= sizeof(MutexWords));
static_assert(alignof(pthread_mutex_t) >= alignof(MutexWords));
static_assert(offsetof(MutexWords, kind) == offsetof(pthread_mutex_t, __data.__kind),
              "the kind must stay where glibc's static initialisers put it");
static_assert(offsetof(MutexWords, last_tid) == offsetof(pthread_mutex_t, __data.__list) &&
                  sizeof(pthread_mutex_t::__data.__list) == 16,
              "the statistics of a glibc-owned mutex live in its robust-list link");
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free &&
              std::atomic<MutexRecord*>::is_always_lock_free);

struct CondWords {
  std::atomic<std::uint32_t> seq;      // changed by every signal and broadcast with waiters
  std::atomic<std::uint32_t> waiters;  // threads inside a wait; kDestroying when destroy waits
  std::atomic<std::uint32_t> flags;    // kMonotonic, kShared
};

inline CondWords* words(pthread_cond_t* c) noexcept { return reinterpret_cast<CondWords*>(c); }

static_assert(sizeof(pthread_cond_t) >= sizeof(CondWords) && alignof(pthread_cond_t) >= alignof(CondWords));

}  // namespace synclab::interpose
