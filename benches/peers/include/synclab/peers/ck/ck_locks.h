/* ck_locks.h — Concurrency Kit's spin locks behind a small C interface.
 *
 * Concurrency Kit's headers are C, not C++ (void* conversions in ck_clh.h and
 * ck_mcs.h), so its locks are compiled in benches/peers/src/ck_locks.c and
 * reached from C++ (synclab/peers/ck_spinlocks.hpp) through these functions.
 *
 * Cost of the boundary: CK's lock and unlock are static inline functions; here
 * each becomes one out-of-line function in another translation unit, so every
 * lock() and every unlock() pays one direct call and return (no PLT: the
 * library is static) that an inline header would not, and the compiler cannot
 * move code of the critical section across it. The functions do nothing but
 * forward to CK's inline function, so that call is the whole difference.
 *
 * Storage: C++ cannot see CK's types, so each lock is an opaque block of bytes
 * here, big and aligned enough for CK's type (ck_locks.c checks both at compile
 * time) and only ever accessed, as CK's type, by ck_locks.c. A lock sits
 * inline in its C++ owner: no extra pointer to follow.
 *
 * Per-thread state: ck_mcs takes a caller node per acquisition, ck_clh a
 * per-thread queue element that changes hands at every release, ck_anderson
 * hands back the slot it granted. See ck_spinlocks.hpp for where each lives.
 */
#ifndef SYNCLAB_PEERS_CK_CK_LOCKS_H
#define SYNCLAB_PEERS_CK_CK_LOCKS_H

#include <stdbool.h>

#ifdef __cplusplus
#define SYNCLAB_CK_ALIGNAS(n) alignas(n)
extern "C" {
#else
#define SYNCLAB_CK_ALIGNAS(n) _Alignas(n)
#endif

/* The most threads that may hold or wait for one ck_anderson lock at once.
 * CK's array lock has one slot per thread and no guard: beyond this count two
 * threads share a slot and mutual exclusion breaks (CK's documented contract). */
#define SYNCLAB_CK_ANDERSON_MAX_THREADS 1024

typedef struct synclab_ck_fas { SYNCLAB_CK_ALIGNAS(8) unsigned char opaque[8]; } synclab_ck_fas_t;
typedef struct synclab_ck_cas { SYNCLAB_CK_ALIGNAS(8) unsigned char opaque[8]; } synclab_ck_cas_t;
typedef struct synclab_ck_dec { SYNCLAB_CK_ALIGNAS(8) unsigned char opaque[8]; } synclab_ck_dec_t;
typedef struct synclab_ck_ticket { SYNCLAB_CK_ALIGNAS(8) unsigned char opaque[8]; } synclab_ck_ticket_t;
typedef struct synclab_ck_mcs { SYNCLAB_CK_ALIGNAS(8) unsigned char opaque[8]; } synclab_ck_mcs_t;
/* One waiter's queue node, on its own 128-byte block like synclab's McsNode. */
typedef struct synclab_ck_mcs_node { SYNCLAB_CK_ALIGNAS(128) unsigned char opaque[128]; } synclab_ck_mcs_node_t;
typedef struct synclab_ck_clh { SYNCLAB_CK_ALIGNAS(8) unsigned char opaque[8]; } synclab_ck_clh_t;
/* A CLH queue element; allocated and owned through the functions below. */
typedef struct synclab_ck_clh_element synclab_ck_clh_element_t;
/* CK's descriptor (slots, count, mask; `next` on the following line) and, on a
 * third line, the slot the current holder was granted. */
typedef struct synclab_ck_anderson { SYNCLAB_CK_ALIGNAS(64) unsigned char opaque[192]; } synclab_ck_anderson_t;

void synclab_ck_fas_init(synclab_ck_fas_t* lock);
void synclab_ck_fas_lock(synclab_ck_fas_t* lock);
bool synclab_ck_fas_trylock(synclab_ck_fas_t* lock);
void synclab_ck_fas_unlock(synclab_ck_fas_t* lock);

void synclab_ck_cas_init(synclab_ck_cas_t* lock);
void synclab_ck_cas_lock(synclab_ck_cas_t* lock);
bool synclab_ck_cas_trylock(synclab_ck_cas_t* lock);
void synclab_ck_cas_unlock(synclab_ck_cas_t* lock);

void synclab_ck_dec_init(synclab_ck_dec_t* lock);
void synclab_ck_dec_lock(synclab_ck_dec_t* lock);
bool synclab_ck_dec_trylock(synclab_ck_dec_t* lock);
void synclab_ck_dec_unlock(synclab_ck_dec_t* lock);

void synclab_ck_ticket_init(synclab_ck_ticket_t* lock);
void synclab_ck_ticket_lock(synclab_ck_ticket_t* lock);
bool synclab_ck_ticket_trylock(synclab_ck_ticket_t* lock);
void synclab_ck_ticket_unlock(synclab_ck_ticket_t* lock);

void synclab_ck_mcs_init(synclab_ck_mcs_t* lock);
void synclab_ck_mcs_lock(synclab_ck_mcs_t* lock, synclab_ck_mcs_node_t* node);
bool synclab_ck_mcs_trylock(synclab_ck_mcs_t* lock, synclab_ck_mcs_node_t* node);
void synclab_ck_mcs_unlock(synclab_ck_mcs_t* lock, synclab_ck_mcs_node_t* node);

/* Elements come from a process-wide pool and go back to it, never to the
 * allocator, so a pointer read from a lock's tail always points at an element
 * (see synclab_ck_clh_trylock). Returns NULL when memory runs out. */
synclab_ck_clh_element_t* synclab_ck_clh_element_new(void);
void synclab_ck_clh_element_delete(synclab_ck_clh_element_t* element);
/* init takes an element from the pool for the idle queue; destroy returns the
 * element the idle queue then holds (not necessarily the same one). */
bool synclab_ck_clh_init(synclab_ck_clh_t* lock);
void synclab_ck_clh_destroy(synclab_ck_clh_t* lock);
void synclab_ck_clh_lock(synclab_ck_clh_t* lock, synclab_ck_clh_element_t* mine);
/* CK has no CLH trylock: false if the lock is held, otherwise CK's lock,
 * which may wait behind a thread that enqueued in between. */
bool synclab_ck_clh_trylock(synclab_ck_clh_t* lock, synclab_ck_clh_element_t* mine);
/* Releases with `*mine` and replaces it with the predecessor's element, which
 * the caller now owns (CK's node recycling). */
void synclab_ck_clh_unlock(synclab_ck_clh_element_t** mine);

/* init allocates SYNCLAB_CK_ANDERSON_MAX_THREADS slots; false when memory runs out. */
bool synclab_ck_anderson_init(synclab_ck_anderson_t* lock);
void synclab_ck_anderson_destroy(synclab_ck_anderson_t* lock);
void synclab_ck_anderson_lock(synclab_ck_anderson_t* lock);
/* CK has no array-lock trylock: false if the next slot is not granted,
 * otherwise CK's lock, which may wait behind a thread that drew a slot in
 * between. */
bool synclab_ck_anderson_trylock(synclab_ck_anderson_t* lock);
void synclab_ck_anderson_unlock(synclab_ck_anderson_t* lock);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* SYNCLAB_PEERS_CK_CK_LOCKS_H */
