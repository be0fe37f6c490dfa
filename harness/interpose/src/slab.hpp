// slab.hpp — the interposer's own memory: fixed-size blocks carved from
// anonymous mappings, never handed back to the system.
//
// Why not malloc: the interposer allocates from inside pthread_mutex_lock (a
// lock that lives beside the mutex is created on first use, a queue node on a
// thread's first acquisition, a statistics record on a mutex's first use). An
// allocator that locks pthread mutexes itself (jemalloc, tcmalloc, a
// program's own) would re-enter the interposer from inside the interposer.
// mmap never does.
// Why never unmapped: a block may be read after it is freed by code that is
// allowed to (a statistics dump reading a record racily, a futex wake on a
// word that was just released); a block of ours always stays mapped, so such
// reads are at worst stale, never a fault.
// Concurrency: one spin lock per size class, held for a few instructions.
// fork(): the interposer's atfork handlers take every class lock before the
// fork and release them in both processes (atfork_prepare / atfork_release),
// so a child never inherits a lock held by a thread it does not have.
#pragma once

#include <cstddef>

namespace synclab::interpose {

// Zeroed memory of `bytes` (rounded up to a power of two, at least 64),
// aligned to min(that size, 4096). Aborts with a message when the system has
// no memory left (there is no way to report it from pthread_mutex_lock).
void* slab_alloc(std::size_t bytes) noexcept;

// Returns a block of `bytes` (the same value given to slab_alloc).
void slab_free(void* block, std::size_t bytes) noexcept;

void slab_atfork_prepare() noexcept;
void slab_atfork_release() noexcept;

}  // namespace synclab::interpose
