// broken_qspinlock.hpp — a qspinlock whose pending thread does not wait for
// the owner, on purpose.
//
// BROKEN: the second contender takes the pending bit (locks/qspinlock.hpp)
// and, instead of spinning until the owner clears the locked byte, turns
// "pending" into "locked" at once: it enters while the owner is still
// inside. The pending path exists to spare the second thread the queue; its
// one obligation is that wait, and dropping it leaves a lock that still
// looks right uncontended and with a queue.
//
// Must be caught by: the progress check's exclusion count (two holders at
// once) with two or more threads: tests/primitives/qspinlock_test.cpp. Never
// use it for anything else; it is in no catalogue and never benchmarked.
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/qspinlock.hpp"
#include "synclab/testing/broken_queue_locks.hpp"

namespace synclab::testing {

struct PendingSkipsOwnerWaiting : AbandonableWaiting {
  static constexpr bool pending_waits_for_owner = false;  // BROKEN: see above
};

class QspinlockPendingBarges : public locks::BasicQspinlock<PendingSkipsOwnerWaiting> {
 public:
  static constexpr std::string_view name = "broken_qspinlock_pending_barges";

  void abandon_waiters() noexcept { waiting().abandon.store(true, std::memory_order_relaxed); }
};

static_assert(synclab::TryLockable<QspinlockPendingBarges>);

}  // namespace synclab::testing
