// condvars/concepts.hpp — what every condition variable offers the harness and
// the tests, ours and peers alike.
//
// The shape: a condition variable names the mutex it works with as
// `mutex_type`, and waits on a `std::unique_lock<mutex_type>` that the caller
// holds:
//
//   std::unique_lock held(mutex);
//   while (!condition) cv.wait(held);   // unlocks, sleeps, relocks
//
// Why this shape: it is std::condition_variable's own interface, a
// unique_lock is the C++ counterpart of the Rust MutexGuard the book's
// condvar takes (proof that the mutex is held, and access to it), and a
// pthread_cond adapter gets the mutex it must hand to pthread_cond_wait from
// held.mutex(). So std::condition_variable, pthread_cond_t and ours model it
// with no extra lock, allocation or indirection in the measured path.
//
// Contract (every model):
//   wait(held)   precondition: held owns the lock on a mutex_type; every
//                waiter of one condition variable uses the same mutex.
//                Releases it, sleeps until notified, relocks it before
//                returning. May return spuriously: callers loop on their
//                condition.
//   notify_one() wakes at least one thread that was waiting when it was
//                called, if any (more may return: spurious wake-ups).
//   notify_all() wakes every thread that was waiting when it was called.
// A notification after the notifier changed the condition under the mutex is
// never lost: a waiter that saw the old condition under the mutex either
// does not sleep or is woken.
#pragma once

#include <concepts>
#include <mutex>

#include "synclab/concepts.hpp"

namespace synclab::condvars {

template <class CV>
concept ConditionVariable =
    Named<CV> && std::default_initializable<CV> && std::default_initializable<typename CV::mutex_type> &&
    requires(CV& cv, std::unique_lock<typename CV::mutex_type>& held) {
      cv.wait(held);
      cv.notify_one();
      cv.notify_all();
    };

}  // namespace synclab::condvars
