// rwlocks/concepts.hpp — what the harness and the tests need of a
// reader-writer lock.
//
// A reader-writer lock has two modes: exclusive (lock() / unlock(), one
// writer and nobody else) and shared (lock_shared() / unlock_shared(), any
// number of readers and no writer). The names follow the standard's
// SharedMutex requirements, so std::shared_mutex models the concept as it is.
//
// Contract shared by every model:
//   - unlock() is called only by the writer that holds the lock, and
//     unlock_shared() only by a thread that holds a shared lock;
//   - neither mode is reentrant: taking either mode again on a thread that
//     already holds one may deadlock (a waiting writer blocks a second
//     lock_shared() on a writer-preferring lock);
//   - every unlock synchronises with the next acquisition of the opposite or
//     same exclusive mode: a writer's critical section happens-before every
//     later reader's and writer's, and every reader's happens-before the next
//     writer's.
// Default-constructible so the harness can own one.
#pragma once

#include <concepts>

#include "synclab/concepts.hpp"

namespace synclab::rwlocks {

template <class L>
concept RwLockable = Named<L> && std::default_initializable<L> && requires(L& l) {
  l.lock();
  l.unlock();
  l.lock_shared();
  l.unlock_shared();
};

}  // namespace synclab::rwlocks
