/* lock_plugin.h — the C ABI through which a lock from outside the lab is
 * measured: a shared library exporting one function that returns a table of
 * the lock's operations.
 *
 *   run_suite --plugin path/to/libmylock.so        every lock scenario of the
 *                                                  microbenchmarks, beside the
 *                                                  catalogue
 *   SYNCLAB_LOCK=path/to/libmylock.so LD_PRELOAD=libsynclab_interpose.so prog
 *                                                  every pthread mutex of an
 *                                                  unmodified program
 *
 * Write it in C or C++ (extern "C"); it needs nothing from the lab but this
 * header. tests/interpose/example_plugin.c is a complete example.
 *
 * The contract of the functions (lock points to `size` bytes aligned to
 * `align`, owned by the caller):
 *   init(lock)      makes an unlocked lock; called once before any other use.
 *   destroy(lock)   releases what init acquired; the lock is unlocked and no
 *                   thread uses it any more.
 *   lock(lock)      returns once the caller holds the lock.
 *   trylock(lock)   never waits: 1 if the caller now holds the lock, 0 if not.
 *   unlock(lock)    releases a lock the caller holds.
 * All five may be called from any thread; lock, trylock and unlock
 * concurrently on the same lock. Mutual exclusion is checked by the lab: a
 * lock that lets two holders in fails its case.
 *
 * Flags tell the interposer what the lock allows; without them it refuses the
 * lock rather than guess (pthread programs rely on both properties):
 *   SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK  unlock() touches nothing of the lock
 *       after the moment another thread may acquire it, so the memory may be
 *       destroyed and freed right after the last unlock returns
 *       (pthread_mutex_destroy allows it, as std::mutex does).
 *   SYNCLAB_LOCK_ZERO_IS_UNLOCKED  `size` zero bytes are an unlocked lock and
 *       init() only writes zeros: the lock may then live inside the program's
 *       pthread_mutex_t (PTHREAD_MUTEX_INITIALIZER is all zeros) when it fits
 *       in 16 bytes aligned to at most 8; otherwise it lives in a block beside
 *       it (docs/apps.md, "Where the lock lives").
 *   SYNCLAB_LOCK_UNLOCK_ANY_THREAD  unlock() may run on a thread other than
 *       the one that locked (glibc's normal mutex allows it and some programs
 *       do it); informative: the lab reports it, it never relies on it.
 */
#ifndef SYNCLAB_HARNESS_LOCK_PLUGIN_H
#define SYNCLAB_HARNESS_LOCK_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this table's layout; a plugin built against another version
 * is refused with a message naming both. */
#define SYNCLAB_LOCK_PLUGIN_ABI_VERSION 1u

/* The one symbol a plugin exports. */
#define SYNCLAB_LOCK_PLUGIN_ENTRY "synclab_lock_plugin_v1"

#define SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK (1u << 0)
#define SYNCLAB_LOCK_ZERO_IS_UNLOCKED (1u << 1)
#define SYNCLAB_LOCK_UNLOCK_ANY_THREAD (1u << 2)

/* Largest lock a plugin may declare, and its largest alignment. */
#define SYNCLAB_LOCK_PLUGIN_MAX_SIZE 4096u
#define SYNCLAB_LOCK_PLUGIN_MAX_ALIGN 128u

struct synclab_lock_plugin {
  uint32_t abi_version; /* SYNCLAB_LOCK_PLUGIN_ABI_VERSION */
  uint32_t flags;       /* SYNCLAB_LOCK_* above */
  const char* name;     /* [a-z][a-z0-9_]*, at most 48 characters: the case name's primitive */
  uint32_t size;        /* bytes of one lock, 1 .. SYNCLAB_LOCK_PLUGIN_MAX_SIZE */
  uint32_t align;       /* a power of two, 1 .. SYNCLAB_LOCK_PLUGIN_MAX_ALIGN */
  void (*init)(void* lock);
  void (*destroy)(void* lock);
  void (*lock)(void* lock);
  int (*trylock)(void* lock);
  void (*unlock)(void* lock);
};

/* Exported by the plugin under the name SYNCLAB_LOCK_PLUGIN_ENTRY; returns a
 * table that stays valid while the library is loaded. */
typedef const struct synclab_lock_plugin* (*synclab_lock_plugin_entry)(void);

#ifdef __cplusplus
}
#endif

#endif /* SYNCLAB_HARNESS_LOCK_PLUGIN_H */
