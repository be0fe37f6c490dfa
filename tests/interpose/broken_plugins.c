/* broken_plugins.c — lock plugins that misbehave on purpose, one per build
 * (BROKEN_KIND), so the tests can show that the lab reports each one as a
 * failed case with its reason and carries on:
 *   no_exclusion   lock() and trylock() always succeed: two holders at once
 *   crash          lock() dereferences a null pointer
 *   hang           unlock() does nothing: the next lock() waits forever
 *   bad_abi        a table of ABI version 99
 *   unsafe         a correct lock whose flags lack SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK
 *   no_entry       exports no entry point */
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>

#include "synclab/harness/lock_plugin.h"

#define NO_EXCLUSION 1
#define CRASH 2
#define HANG 3
#define BAD_ABI 4
#define UNSAFE 5
#define NO_ENTRY 6

#if BROKEN_KIND == NO_ENTRY
__attribute__((visibility("default"))) int not_a_lock_plugin(void) { return 0; }
#else
typedef struct {
  atomic_int held;
} broken_lock;

static void b_init(void* p) { atomic_init(&((broken_lock*)p)->held, 0); }
static void b_destroy(void* p) { (void)p; }

static int b_trylock(void* p) {
#if BROKEN_KIND == NO_EXCLUSION
  (void)p;
  return 1;
#else
  return atomic_exchange_explicit(&((broken_lock*)p)->held, 1, memory_order_acquire) == 0;
#endif
}

static void b_lock(void* p) {
#if BROKEN_KIND == CRASH
  volatile int* nowhere = NULL;
  (void)p;
  *nowhere = 1;
#else
  while (!b_trylock(p)) sched_yield();
#endif
}

static void b_unlock(void* p) {
#if BROKEN_KIND == HANG
  (void)p;
#else
  atomic_store_explicit(&((broken_lock*)p)->held, 0, memory_order_release);
#endif
}

static const struct synclab_lock_plugin table = {
#if BROKEN_KIND == BAD_ABI
    99u,
#else
    SYNCLAB_LOCK_PLUGIN_ABI_VERSION,
#endif
#if BROKEN_KIND == UNSAFE
    SYNCLAB_LOCK_ZERO_IS_UNLOCKED,
#else
    SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK | SYNCLAB_LOCK_ZERO_IS_UNLOCKED,
#endif
    BROKEN_NAME,
    sizeof(broken_lock),
    _Alignof(broken_lock),
    b_init,
    b_destroy,
    b_lock,
    b_trylock,
    b_unlock,
};

__attribute__((visibility("default"))) const struct synclab_lock_plugin* synclab_lock_plugin_v1(void) { return &table; }
#endif
