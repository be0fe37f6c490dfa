/* example_plugin.c — a complete lock plugin: a test-and-test-and-set lock
 * that yields the CPU while it waits, in C11, built as
 * libsynclab_example_plugin.so. It needs nothing from the lab but
 * synclab/harness/lock_plugin.h.
 *
 *   run_suite --plugin build/release/tests/interpose/libsynclab_example_plugin.so
 *   SYNCLAB_LOCK=.../libsynclab_example_plugin.so LD_PRELOAD=.../libsynclab_interpose.so program
 *
 * Memory ordering: the acquiring exchange is acquire, the releasing store is
 * release, so a critical section happens-before the next one; the polling
 * load is relaxed (it only decides when to try again).
 * Lifetime: unlock() is one store, after which it touches nothing: the lock
 * may be destroyed right after the last unlock (SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK).
 * An unlocked lock is one zero byte (SYNCLAB_LOCK_ZERO_IS_UNLOCKED), and any
 * thread may release it (SYNCLAB_LOCK_UNLOCK_ANY_THREAD). */
#include <sched.h>
#include <stdatomic.h>

#include "synclab/harness/lock_plugin.h"

typedef struct {
  atomic_uchar held;
} example_lock;

static void example_init(void* p) { atomic_init(&((example_lock*)p)->held, 0); }

static void example_destroy(void* p) { (void)p; }

static int example_trylock(void* p) {
  example_lock* l = p;
  return atomic_exchange_explicit(&l->held, 1, memory_order_acquire) == 0;
}

static void example_lock_(void* p) {
  example_lock* l = p;
  while (!example_trylock(p)) {
    while (atomic_load_explicit(&l->held, memory_order_relaxed) != 0) sched_yield();
  }
}

static void example_unlock(void* p) { atomic_store_explicit(&((example_lock*)p)->held, 0, memory_order_release); }

static const struct synclab_lock_plugin table = {
    SYNCLAB_LOCK_PLUGIN_ABI_VERSION,
    SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK | SYNCLAB_LOCK_ZERO_IS_UNLOCKED | SYNCLAB_LOCK_UNLOCK_ANY_THREAD,
    "example_ttas_yield",
    sizeof(example_lock),
    _Alignof(example_lock),
    example_init,
    example_destroy,
    example_lock_,
    example_trylock,
    example_unlock,
};

__attribute__((visibility("default"))) const struct synclab_lock_plugin* synclab_lock_plugin_v1(void) { return &table; }
