/* ck_ring.h — Concurrency Kit's ck_ring behind a small C interface.
 *
 * ck_ring is a bounded ring of fixed-size entries: its plain interface stores
 * one pointer per slot; CK_RING_PROTOTYPE(name, type) makes functions that
 * copy a whole `struct type` into and out of the slots instead. This
 * interface uses the latter with entries of exactly 8, 64 or 256 bytes, so a
 * message is copied into the ring and out of it (memcpy of the entry size),
 * with no allocation and no pointer to chase: what a channel of values
 * costs, as for every other channel in the family. (Storing pointers to
 * messages would add an allocation or a pool per message, which ck_ring
 * itself does not do.)
 *
 * Capacity: ck_ring needs a power-of-two number of slots and keeps one empty
 * to tell full from empty, so a ring asked for `capacity` entries gets the
 * smallest power of two above it, minus one (1 → 1, 16 → 31, 1024 → 2047);
 * synclab_ck_ring_capacity() says how many it holds.
 *
 * Disciplines: spsc (one producer, one consumer: a load and a store per
 * operation, no RMW) and mpmc (producers reserve a slot with a CAS on the
 * producer head, then wait for the producers before them to commit; consumers
 * CAS the consumer head). A producer preempted between reserving and
 * committing stalls every later producer and the consumers.
 *
 * Cost of the boundary: CK's functions are static inline; each operation here
 * is one out-of-line call into ck_ring.c (see ck_locks.h).
 */
#ifndef SYNCLAB_PEERS_CK_CK_RING_H
#define SYNCLAB_PEERS_CK_CK_RING_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct synclab_ck_ring synclab_ck_ring;

/* entry_size must be 8, 64 or 256; returns NULL otherwise or when out of memory. */
synclab_ck_ring *synclab_ck_ring_create(unsigned capacity, unsigned entry_size);
void synclab_ck_ring_destroy(synclab_ck_ring *ring);
unsigned synclab_ck_ring_capacity(const synclab_ck_ring *ring);

/* Copy one entry of the ring's size in (false: full) or out (false: empty). */
#define SYNCLAB_CK_RING_DECLARE(N)                                                     \
  bool synclab_ck_ring_spsc_enqueue_##N(synclab_ck_ring *ring, const void *entry);     \
  bool synclab_ck_ring_spsc_dequeue_##N(synclab_ck_ring *ring, void *entry);           \
  bool synclab_ck_ring_mpmc_enqueue_##N(synclab_ck_ring *ring, const void *entry);     \
  bool synclab_ck_ring_mpmc_dequeue_##N(synclab_ck_ring *ring, void *entry);
SYNCLAB_CK_RING_DECLARE(8)
SYNCLAB_CK_RING_DECLARE(64)
SYNCLAB_CK_RING_DECLARE(256)
#undef SYNCLAB_CK_RING_DECLARE

#ifdef __cplusplus
}
#endif

#endif
