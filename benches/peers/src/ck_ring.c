/* ck_ring.c — Concurrency Kit's ck_ring behind the C interface of
 * synclab/peers/ck/ck_ring.h: rings of 8-, 64- and 256-byte entries copied
 * in and out whole (CK_RING_PROTOTYPE), SPSC and MPMC disciplines. */
#include "synclab/peers/ck/ck_ring.h"

#include <ck_pr.h>
#include <ck_ring.h>
#include <stdlib.h>
#include <string.h>

struct synclab_ck_entry_8 {
  unsigned char bytes[8];
};
struct synclab_ck_entry_64 {
  unsigned char bytes[64];
};
struct synclab_ck_entry_256 {
  unsigned char bytes[256];
};

CK_RING_PROTOTYPE(synclab_8, synclab_ck_entry_8)
CK_RING_PROTOTYPE(synclab_64, synclab_ck_entry_64)
CK_RING_PROTOTYPE(synclab_256, synclab_ck_entry_256)

enum { SYNCLAB_CK_RING_ALIGN = 128 };

struct synclab_ck_ring {
  struct ck_ring ring; /* CK pads its consumer and producer indices apart */
  void *slots;
  unsigned entry_size;
};

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

synclab_ck_ring *synclab_ck_ring_create(unsigned capacity, unsigned entry_size) {
  if (entry_size != 8 && entry_size != 64 && entry_size != 256) return NULL;
  unsigned slots = 2;
  while (slots - 1 < capacity && slots < (1u << 30)) slots *= 2;
  synclab_ck_ring *r = aligned_alloc(SYNCLAB_CK_RING_ALIGN, round_up(sizeof *r, SYNCLAB_CK_RING_ALIGN));
  if (r == NULL) return NULL;
  r->slots = aligned_alloc(SYNCLAB_CK_RING_ALIGN, round_up((size_t)slots * entry_size, SYNCLAB_CK_RING_ALIGN));
  if (r->slots == NULL) {
    free(r);
    return NULL;
  }
  memset(r->slots, 0, (size_t)slots * entry_size);
  r->entry_size = entry_size;
  ck_ring_init(&r->ring, slots);
  return r;
}

void synclab_ck_ring_destroy(synclab_ck_ring *ring) {
  if (ring == NULL) return;
  free(ring->slots);
  free(ring);
}

unsigned synclab_ck_ring_capacity(const synclab_ck_ring *ring) { return ck_ring_capacity(&ring->ring) - 1; }

#define SYNCLAB_CK_RING_DEFINE(N)                                                                        \
  bool synclab_ck_ring_spsc_enqueue_##N(synclab_ck_ring *ring, const void *entry) {                      \
    return ck_ring_enqueue_spsc_synclab_##N(&ring->ring, ring->slots, (struct synclab_ck_entry_##N *)entry); \
  }                                                                                                      \
  bool synclab_ck_ring_spsc_dequeue_##N(synclab_ck_ring *ring, void *entry) {                            \
    return ck_ring_dequeue_spsc_synclab_##N(&ring->ring, ring->slots, entry);                            \
  }                                                                                                      \
  bool synclab_ck_ring_mpmc_enqueue_##N(synclab_ck_ring *ring, const void *entry) {                      \
    return ck_ring_enqueue_mpmc_synclab_##N(&ring->ring, ring->slots, (struct synclab_ck_entry_##N *)entry); \
  }                                                                                                      \
  bool synclab_ck_ring_mpmc_dequeue_##N(synclab_ck_ring *ring, void *entry) {                            \
    return ck_ring_dequeue_mpmc_synclab_##N(&ring->ring, ring->slots, entry);                            \
  }
SYNCLAB_CK_RING_DEFINE(8)
SYNCLAB_CK_RING_DEFINE(64)
SYNCLAB_CK_RING_DEFINE(256)
