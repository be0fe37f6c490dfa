// real.hpp — the C library's own pthread functions, behind the interposer's.
//
// Found once with dlsym(RTLD_NEXT) (the next definition after this library
// in the lookup order: the C library, or a sanitizer runtime preloaded before
// us forwards to us and we to it). The condition-variable functions exist in
// two versions on x86-64 (GLIBC_2.2.5, the pre-NPTL layout kept for old
// binaries, and GLIBC_2.3.2, the current one); they are asked for by version
// with dlvsym, so passing a condvar through never lands in the compatibility
// code. On arm64 the only version is GLIBC_2.17.
#pragma once

#include <pthread.h>
#include <time.h>

namespace synclab::interpose {

struct RealPthread {
  int (*mutex_init)(pthread_mutex_t*, const pthread_mutexattr_t*);
  int (*mutex_destroy)(pthread_mutex_t*);
  int (*mutex_lock)(pthread_mutex_t*);
  int (*mutex_trylock)(pthread_mutex_t*);
  int (*mutex_timedlock)(pthread_mutex_t*, const struct timespec*);
  int (*mutex_clocklock)(pthread_mutex_t*, clockid_t, const struct timespec*);
  int (*mutex_unlock)(pthread_mutex_t*);
  int (*cond_init)(pthread_cond_t*, const pthread_condattr_t*);
  int (*cond_destroy)(pthread_cond_t*);
  int (*cond_wait)(pthread_cond_t*, pthread_mutex_t*);
  int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
  int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
  int (*cond_signal)(pthread_cond_t*);
  int (*cond_broadcast)(pthread_cond_t*);
  int (*create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
};

// Resolves every function; exits with status 2 and a message naming the
// first one missing (a C library without it cannot be interposed).
void resolve_real(RealPthread& real) noexcept;

}  // namespace synclab::interpose
