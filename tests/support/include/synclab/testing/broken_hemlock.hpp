// broken_hemlock.hpp — Hemlock with its one subtle step left out, on purpose.
//
// BROKEN: unlock() that does not wait for the successor's acknowledgement.
//
// The real lock (locks/hemlock.hpp) writes the lock's address into the
// caller's one grant word and waits until the successor has emptied it. This
// twin returns right after the write. The next unlock() on the same thread
// (of another Hemlock, or of this one once it is held again) then overwrites
// a grant the successor may not have seen yet: that successor polls for its
// lock's address forever, and everyone queued behind it with it. (It can also
// empty a later grant meant for a different successor.)
//
// Must be caught by: the progress check, as a stall, with one thread kind
// holding two Hemlocks at once and releasing them back to back while the
// other kinds wait on one lock each, so that both locks have a successor
// polling the same grant word (tests/primitives/hemlock_test.cpp). Never use it for anything else; it is
// in no catalogue and never benchmarked. Its waiting loops also end once
// abandoned (AbandonableWaiting), so a stalled run can finish.
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/hemlock.hpp"
#include "synclab/testing/broken_queue_locks.hpp"

namespace synclab::testing {

struct SkipsAckWaiting : AbandonableWaiting {
  static constexpr bool waits_for_ack = false;  // BROKEN: see above
};

class HemlockNoAckWait : public locks::BasicHemlock<SkipsAckWaiting> {
 public:
  static constexpr std::string_view name = "broken_hemlock_no_ack_wait";

  void abandon_waiters() noexcept { waiting().abandon.store(true, std::memory_order_relaxed); }
};

static_assert(synclab::TryLockable<HemlockNoAckWait>);

}  // namespace synclab::testing
