// broken_reciprocating.hpp — a Reciprocating lock that forgets its arrivals,
// on purpose.
//
// BROKEN: an unlock with no successor left in its entry segment stores
// nullptr ("free") into the lock word instead of checking, with a CAS, that
// nobody arrived since the segment was detached. Threads that pushed
// themselves on the arrival stack in the meantime are dropped with it: their
// gates are never written and they wait forever, while later arrivals find
// the lock free and carry on without them. The release is the one step of
// the algorithm (locks/reciprocating.hpp) where a plain store looks
// tempting, since the holder "knows" its segment is exhausted.
//
// Must be caught by: the progress check, as a stall (every thread is
// eventually stranded, or the stranded ones are left when the others stop):
// tests/primitives/reciprocating_test.cpp. Never use it for anything else; it
// is in no catalogue and never benchmarked.
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/reciprocating.hpp"
#include "synclab/testing/broken_queue_locks.hpp"

namespace synclab::testing {

struct ForgetsArrivalsWaiting : AbandonableWaiting {
  static constexpr bool checks_arrivals_on_release = false;  // BROKEN: see above
};

class ReciprocatingForgetsArrivals : public locks::BasicReciprocating<ForgetsArrivalsWaiting> {
 public:
  static constexpr std::string_view name = "broken_reciprocating_forgets_arrivals";

  void abandon_waiters() noexcept { waiting().abandon.store(true, std::memory_order_relaxed); }
};

static_assert(synclab::TryLockable<ReciprocatingForgetsArrivals>);

}  // namespace synclab::testing
