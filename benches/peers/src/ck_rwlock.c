/* ck_rwlock.c — Concurrency Kit adapter (C translation unit): ck_rwlock_t
 * behind the C interface of synclab/peers/ck/ck_rwlock.h, used by the C++
 * peer synclab::peers::CkRwlock (synclab/peers/ck_rwlock.hpp). */
#include "synclab/peers/ck/ck_rwlock.h"

#include <ck_pr.h>
#include <ck_rwlock.h>
#include <stdalign.h>

_Static_assert(sizeof(synclab_ck_rwlock) == sizeof(ck_rwlock_t), "synclab_ck_rwlock must hold exactly one ck_rwlock_t");
_Static_assert(alignof(synclab_ck_rwlock) >= alignof(ck_rwlock_t), "synclab_ck_rwlock is under-aligned for ck_rwlock_t");

static ck_rwlock_t* as_ck(synclab_ck_rwlock* lock) { return (ck_rwlock_t*)lock; }

void synclab_ck_rwlock_init(synclab_ck_rwlock* lock) { ck_rwlock_init(as_ck(lock)); }

void synclab_ck_rwlock_write_lock(synclab_ck_rwlock* lock) { ck_rwlock_write_lock(as_ck(lock)); }

void synclab_ck_rwlock_write_unlock(synclab_ck_rwlock* lock) { ck_rwlock_write_unlock(as_ck(lock)); }

void synclab_ck_rwlock_read_lock(synclab_ck_rwlock* lock) { ck_rwlock_read_lock(as_ck(lock)); }

void synclab_ck_rwlock_read_unlock(synclab_ck_rwlock* lock) { ck_rwlock_read_unlock(as_ck(lock)); }
