/* ck_rwlock.h — C interface to Concurrency Kit's ck_rwlock_t
 * (benches/peers/src/ck_rwlock.c), for the C++ adapter
 * synclab/peers/ck_rwlock.hpp. CK's headers do not compile as C++, so the
 * lock is reached through these out-of-line functions.
 *
 * synclab_ck_rwlock is storage for one ck_rwlock_t (two unsigned ints in
 * libck 0.7: the writer flag and the reader count); ck_rwlock.c checks at
 * compile time that the size and alignment match. Zero-filled storage is an
 * unlocked lock (CK's initialiser), but call synclab_ck_rwlock_init anyway.
 */
#ifndef SYNCLAB_PEERS_CK_CK_RWLOCK_H
#define SYNCLAB_PEERS_CK_CK_RWLOCK_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct synclab_ck_rwlock {
  unsigned int storage[2];
} synclab_ck_rwlock;

void synclab_ck_rwlock_init(synclab_ck_rwlock* lock);
void synclab_ck_rwlock_write_lock(synclab_ck_rwlock* lock);
void synclab_ck_rwlock_write_unlock(synclab_ck_rwlock* lock);
void synclab_ck_rwlock_read_lock(synclab_ck_rwlock* lock);
void synclab_ck_rwlock_read_unlock(synclab_ck_rwlock* lock);

#ifdef __cplusplus
}
#endif

#endif /* SYNCLAB_PEERS_CK_CK_RWLOCK_H */
