// condvar.hpp — the interposer's condition variable: one futex sequence word,
// usable with any lock, because it never looks inside the mutex.
//
// Design (Rust Atomics and Locks, ch. 9 "Condition Variable": a counter the
// waiter samples before releasing the mutex and sleeps on with a futex):
//   wait(c, m)   count itself in `waiters`; s = seq; release m; sleep on seq
//                while it still holds s (FUTEX_WAIT_BITSET, with the absolute
//                deadline on the condvar's clock); leave `waiters`; retake m.
//   signal(c)    if `waiters` is 0: nothing (no syscall); else seq += 1 and
//                wake one sleeper.
//   broadcast(c) the same, waking every sleeper.
// No lost wake-up: a waiter samples seq while holding m, and a signaller that
//   made the predicate true did so under m afterwards, so its increment comes
//   after the sample; the futex compares the word and the sample atomically
//   with going to sleep, so the waiter either sees the new value or is
//   queued before the wake. The same ordering shows the signaller a non-zero
//   `waiters` count (the waiter counted itself before releasing m).
// No return without a wake: a futex return (EINTR from a signal handler, a
//   spurious kernel wake-up) while seq still holds s sleeps again; wait
//   returns 0 only once some signal or broadcast has changed seq since the
//   sample, and ETIMEDOUT only at the deadline. A signal aimed at another
//   waiter may still end this one's wait: POSIX's spurious wake-up, which
//   callers handle with their predicate loop.
// Destruction: pthread_cond_destroy may be called as soon as no thread is
//   blocked, while woken waiters are still on their way out. destroy marks
//   `waiters` (kDestroying) and sleeps until the count is 0; the last waiter
//   to leave wakes it. A leaving waiter's last access is that futex wake on
//   the word (a syscall on an address that may just have been freed: at worst
//   a spurious wake-up of whoever sleeps on the reused address, which every
//   futex user tolerates); glibc's condvar does the same.
// What it does not do: FUTEX_REQUEUE onto the mutex (the lock may be any
//   lock, with no futex word to requeue to), so a broadcast wakes every
//   waiter and they then compete for the mutex; and no wake-order fairness
//   beyond the kernel's futex queue.
// Clock: CLOCK_REALTIME unless pthread_condattr_setclock chose
//   CLOCK_MONOTONIC (flags); pthread_cond_clockwait names its own clock.
// Process-shared condvars (pthread_condattr_setpshared) use shared futexes;
//   their mutex is passed to glibc (mutex_words.hpp), so both work across
//   processes.
// Memory ordering: seq and waiters are seq_cst RMWs and loads (a few per wait,
//   none on a signal without waiters beyond one load); the mutex carries the
//   program's data, the counters only decide who sleeps.
#pragma once

#include <pthread.h>
#include <time.h>

#include <cstdint>

namespace synclab::interpose {

// How the condvar releases and retakes the caller's mutex: the mutex layer's
// own functions, whatever lock it runs (interpose.cpp).
struct MutexForWait {
  // Releases a mutex held by the caller completely (a recursive one at any
  // depth, remembered in *saved); EPERM when the caller does not hold an
  // owner-checked mutex.
  int (*release)(pthread_mutex_t* m, std::uint32_t* saved);
  // Retakes it and restores the depth.
  int (*reacquire)(pthread_mutex_t* m, std::uint32_t saved, const void* caller);
};

int cond_init(pthread_cond_t* c, const pthread_condattr_t* attr) noexcept;
int cond_destroy(pthread_cond_t* c) noexcept;
int cond_signal(pthread_cond_t* c) noexcept;
int cond_broadcast(pthread_cond_t* c) noexcept;
// `abstime` null: no deadline. `clock` < 0: the condvar's own clock.
int cond_wait(pthread_cond_t* c, pthread_mutex_t* m, const MutexForWait& mutex, clockid_t clock,
              const struct timespec* abstime, const void* caller) noexcept;

}  // namespace synclab::interpose
