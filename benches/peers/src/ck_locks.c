/* ck_locks.c — Concurrency Kit's spin locks (fas, cas, dec, ticket, mcs, clh,
 * anderson) behind the C interface of synclab/peers/ck/ck_locks.h.
 *
 * Every function forwards to CK's own inline function with CK's default
 * (non-back-off) variant, so what is measured is CK's algorithm plus one
 * call and return per operation (see the header). Where CK has no trylock
 * (clh, anderson) the one here is built from CK's public `locked` test and
 * CK's lock; the benchmarks never call it.
 */
#include "synclab/peers/ck/ck_locks.h"

#include <ck_pr.h>
#include <ck_spinlock.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define SYNCLAB_CK_FITS(opaque_type, ck_type)                                               \
  _Static_assert(sizeof(ck_type) <= sizeof(opaque_type), #ck_type " does not fit");        \
  _Static_assert(alignof(ck_type) <= alignof(opaque_type), #ck_type " is more aligned")

SYNCLAB_CK_FITS(synclab_ck_fas_t, ck_spinlock_fas_t);
SYNCLAB_CK_FITS(synclab_ck_cas_t, ck_spinlock_cas_t);
SYNCLAB_CK_FITS(synclab_ck_dec_t, ck_spinlock_dec_t);
SYNCLAB_CK_FITS(synclab_ck_ticket_t, ck_spinlock_ticket_t);
SYNCLAB_CK_FITS(synclab_ck_mcs_t, ck_spinlock_mcs_t);
SYNCLAB_CK_FITS(synclab_ck_mcs_node_t, ck_spinlock_mcs_context_t);
SYNCLAB_CK_FITS(synclab_ck_clh_t, ck_spinlock_clh_t*);

/* ---- fas, cas, dec, ticket: one word (ticket: two halves of one word on x86) */

#define SYNCLAB_CK_SIMPLE_LOCK(kind)                                                                         \
  void synclab_ck_##kind##_init(synclab_ck_##kind##_t* lock) {                                               \
    memset(lock, 0, sizeof *lock);                                                                           \
    ck_spinlock_##kind##_init((ck_spinlock_##kind##_t*)(void*)lock);                                        \
  }                                                                                                          \
  void synclab_ck_##kind##_lock(synclab_ck_##kind##_t* lock) {                                               \
    ck_spinlock_##kind##_lock((ck_spinlock_##kind##_t*)(void*)lock);                                        \
  }                                                                                                          \
  bool synclab_ck_##kind##_trylock(synclab_ck_##kind##_t* lock) {                                            \
    return ck_spinlock_##kind##_trylock((ck_spinlock_##kind##_t*)(void*)lock);                              \
  }                                                                                                          \
  void synclab_ck_##kind##_unlock(synclab_ck_##kind##_t* lock) {                                             \
    ck_spinlock_##kind##_unlock((ck_spinlock_##kind##_t*)(void*)lock);                                      \
  }

SYNCLAB_CK_SIMPLE_LOCK(fas)
SYNCLAB_CK_SIMPLE_LOCK(cas)
SYNCLAB_CK_SIMPLE_LOCK(dec)
SYNCLAB_CK_SIMPLE_LOCK(ticket)

/* ---- mcs: the queue is a tail pointer; each acquisition brings a node */

static ck_spinlock_mcs_t* mcs_queue(synclab_ck_mcs_t* lock) { return (ck_spinlock_mcs_t*)(void*)lock; }
static ck_spinlock_mcs_context_t* mcs_node(synclab_ck_mcs_node_t* node) {
  return (ck_spinlock_mcs_context_t*)(void*)node;
}

void synclab_ck_mcs_init(synclab_ck_mcs_t* lock) { ck_spinlock_mcs_init(mcs_queue(lock)); }
void synclab_ck_mcs_lock(synclab_ck_mcs_t* lock, synclab_ck_mcs_node_t* node) {
  ck_spinlock_mcs_lock(mcs_queue(lock), mcs_node(node));
}
bool synclab_ck_mcs_trylock(synclab_ck_mcs_t* lock, synclab_ck_mcs_node_t* node) {
  return ck_spinlock_mcs_trylock(mcs_queue(lock), mcs_node(node));
}
void synclab_ck_mcs_unlock(synclab_ck_mcs_t* lock, synclab_ck_mcs_node_t* node) {
  ck_spinlock_mcs_unlock(mcs_queue(lock), mcs_node(node));
}

/* ---- clh: elements change hands, so they live in a type-stable pool
 *
 * An element is CK's ck_spinlock_clh on its own 128-byte block (as synclab's
 * ClhElement), so two waiters never spin on one line. CK recycles elements:
 * unlock hands the releaser its predecessor's element. With k threads and m
 * locks there are k + m elements in use, each owned by one thread handle or
 * one idle queue, whichever held it last.
 *
 * The pool exists for the trylock: it reads the queue's tail and then that
 * element's flag, and by then the element may have been released by a thread
 * that has since exited. Elements go back to the pool, never to the
 * allocator, so the read always hits an element (possibly reused: the flag is
 * only a hint, and CK's lock then decides). The pool is touched only when a
 * lock is created or destroyed and when a thread's handle is created or
 * destroyed, never per operation. */

struct synclab_ck_clh_element {
  alignas(128) ck_spinlock_clh_t clh;
};

static pthread_mutex_t clh_pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct synclab_ck_clh_free {
  struct synclab_ck_clh_free* next;
} * clh_pool;

_Static_assert(sizeof(struct synclab_ck_clh_free) <= sizeof(struct synclab_ck_clh_element), "free-list link");

synclab_ck_clh_element_t* synclab_ck_clh_element_new(void) {
  pthread_mutex_lock(&clh_pool_mutex);
  struct synclab_ck_clh_free* reused = clh_pool;
  if (reused != NULL) clh_pool = reused->next;
  pthread_mutex_unlock(&clh_pool_mutex);
  synclab_ck_clh_element_t* e = reused != NULL ? (synclab_ck_clh_element_t*)(void*)reused
                                               : aligned_alloc(alignof(synclab_ck_clh_element_t),
                                                               sizeof(synclab_ck_clh_element_t));
  if (e == NULL) return NULL;
  /* Plain stores are enough: the element is published to other threads only
   * through CK's atomic swap of the queue tail, which orders these. */
  e->clh.wait = false;
  e->clh.previous = NULL;
  return e;
}

void synclab_ck_clh_element_delete(synclab_ck_clh_element_t* element) {
  if (element == NULL) return;
  struct synclab_ck_clh_free* link = (struct synclab_ck_clh_free*)(void*)element;
  pthread_mutex_lock(&clh_pool_mutex);
  link->next = clh_pool;
  clh_pool = link;
  pthread_mutex_unlock(&clh_pool_mutex);
}

static ck_spinlock_clh_t** clh_queue(synclab_ck_clh_t* lock) { return (ck_spinlock_clh_t**)(void*)lock; }

bool synclab_ck_clh_init(synclab_ck_clh_t* lock) {
  synclab_ck_clh_element_t* unowned = synclab_ck_clh_element_new();
  if (unowned == NULL) return false;
  ck_spinlock_clh_init(clh_queue(lock), &unowned->clh);
  return true;
}

void synclab_ck_clh_destroy(synclab_ck_clh_t* lock) {
  /* The idle tail is the first member of its element: convert back. */
  synclab_ck_clh_element_delete((synclab_ck_clh_element_t*)(void*)*clh_queue(lock));
}

void synclab_ck_clh_lock(synclab_ck_clh_t* lock, synclab_ck_clh_element_t* mine) {
  ck_spinlock_clh_lock(clh_queue(lock), &mine->clh);
}

bool synclab_ck_clh_trylock(synclab_ck_clh_t* lock, synclab_ck_clh_element_t* mine) {
  if (ck_spinlock_clh_locked(clh_queue(lock))) return false;
  ck_spinlock_clh_lock(clh_queue(lock), &mine->clh);
  return true;
}

void synclab_ck_clh_unlock(synclab_ck_clh_element_t** mine) {
  ck_spinlock_clh_t* element = &(*mine)->clh;
  ck_spinlock_clh_unlock(&element);
  *mine = (synclab_ck_clh_element_t*)(void*)element;
}

/* ---- anderson: CK's array lock, one slot per possible thread
 *
 * CK's slots are its own 8-byte records, packed eight to a line as CK lays
 * them out (its array, not ours: waiters on neighbouring slots share a line).
 * lock() returns the granted slot and unlock() needs it back; only the holder
 * uses it, so it is kept in the lock (on its own line), not in the thread. */

struct anderson_impl {
  ck_spinlock_anderson_t ck; /* descriptor, then `next` on the following line */
  alignas(64) ck_spinlock_anderson_thread_t* holder_slot;
};
SYNCLAB_CK_FITS(synclab_ck_anderson_t, struct anderson_impl);
_Static_assert((SYNCLAB_CK_ANDERSON_MAX_THREADS & (SYNCLAB_CK_ANDERSON_MAX_THREADS - 1)) == 0,
               "a power of two: CK then masks instead of taking a modulo with a CAS loop");

static struct anderson_impl* anderson(synclab_ck_anderson_t* lock) { return (struct anderson_impl*)(void*)lock; }

bool synclab_ck_anderson_init(synclab_ck_anderson_t* lock) {
  const size_t bytes = sizeof(ck_spinlock_anderson_thread_t) * SYNCLAB_CK_ANDERSON_MAX_THREADS;
  ck_spinlock_anderson_thread_t* slots = aligned_alloc(64, bytes);
  if (slots == NULL) return false;
  memset(lock, 0, sizeof *lock);
  ck_spinlock_anderson_init(&anderson(lock)->ck, slots, SYNCLAB_CK_ANDERSON_MAX_THREADS);
  anderson(lock)->holder_slot = NULL;
  return true;
}

void synclab_ck_anderson_destroy(synclab_ck_anderson_t* lock) { free(anderson(lock)->ck.slots); }

void synclab_ck_anderson_lock(synclab_ck_anderson_t* lock) {
  struct anderson_impl* a = anderson(lock);
  ck_spinlock_anderson_thread_t* slot;
  ck_spinlock_anderson_lock(&a->ck, &slot);
  a->holder_slot = slot; /* inside the critical section: ordered by the lock */
}

bool synclab_ck_anderson_trylock(synclab_ck_anderson_t* lock) {
  if (ck_spinlock_anderson_locked(&anderson(lock)->ck)) return false;
  synclab_ck_anderson_lock(lock);
  return true;
}

void synclab_ck_anderson_unlock(synclab_ck_anderson_t* lock) {
  struct anderson_impl* a = anderson(lock);
  ck_spinlock_anderson_unlock(&a->ck, a->holder_slot);
}
