// mutex_ops.hpp — the table the exported pthread functions dispatch through:
// one per lock the interposer can run, chosen once at start-up.
//
// Every entry is a whole implementation of the mutex API for one lock
// (mutex_impl.hpp instantiates it per lock, so the lock's own operations are
// inlined): the exported functions cost one indirect call on top of the lock.
#pragma once

#include <pthread.h>
#include <time.h>

#include <cstdint>

#include "real.hpp"

namespace synclab::interpose {

struct MutexOps {
  const char* lock_name;
  const char* storage;  // "in_place", "block" or "glibc"
  bool own_condvar;     // false: condition variables pass through to glibc as well
  int (*init)(pthread_mutex_t*, const pthread_mutexattr_t*, const void* caller);
  int (*destroy)(pthread_mutex_t*);
  int (*lock)(pthread_mutex_t*, const void* caller);
  int (*trylock)(pthread_mutex_t*, const void* caller);
  int (*timedlock)(pthread_mutex_t*, clockid_t, const struct timespec*, const void* caller);
  int (*unlock)(pthread_mutex_t*);
  int (*release_for_wait)(pthread_mutex_t*, std::uint32_t* saved);
  int (*reacquire_after_wait)(pthread_mutex_t*, std::uint32_t saved, const void* caller);
};

// The C library's functions (resolved before any table is used).
extern RealPthread g_real;

}  // namespace synclab::interpose
