// semaphores/concepts.hpp — what every counting semaphore offers the harness
// and the tests, ours and peers alike: the shape of std::counting_semaphore.
//
//   S s(k)            k permits available at the start, 0 <= k <= S::max()
//   s.acquire()       takes one permit, sleeping (or spinning) while none is left
//   s.try_acquire()   takes one permit if one is available now; never waits
//   s.release()       returns one permit and wakes a waiter if there is one;
//                     precondition: the count stays <= S::max()
//   S::max()          the largest count the semaphore can hold
// A release happens-before the acquire that takes the permit it returned, so
// a semaphore started at 1 orders its holders' data like a mutex.
#pragma once

#include <concepts>
#include <cstddef>

#include "synclab/concepts.hpp"

namespace synclab::semaphores {

template <class S>
concept CountingSemaphore = Named<S> && std::constructible_from<S, std::ptrdiff_t> && requires(S& s) {
  s.acquire();
  s.release();
  { s.try_acquire() } -> std::same_as<bool>;
  { S::max() } -> std::convertible_to<std::ptrdiff_t>;
};

}  // namespace synclab::semaphores
