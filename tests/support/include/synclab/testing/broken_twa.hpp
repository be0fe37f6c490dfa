// broken_twa.hpp — TWA whose unlock notifies the wrong waiter, on purpose.
//
// BROKEN: unlock() bumps the waiting-array slot of ticket k + 2 instead of
// k + 1 (k: the new grant). The waiter that has just become the immediate
// successor (ticket k + 1) is still spinning on its slot, which never
// changes (bar a hash collision): once it is next in line the lock stops,
// with everyone behind it. The off-by-one between "threshold" and "whom to
// notify" is the natural mistake in the algorithm (locks/twa.hpp).
//
// Must be caught by: the progress check, as a stall, with at least three
// threads (two waiters, so that one is long-term): tests/primitives/twa_test.cpp.
// Never use it for anything else; it is in no catalogue and never benchmarked.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/twa.hpp"
#include "synclab/testing/broken_queue_locks.hpp"

namespace synclab::testing {

struct NotifiesOneTooFarWaiting : AbandonableWaiting {
  static constexpr std::uint32_t notify_distance = locks::kTwaLongTermThreshold + 1;  // BROKEN: see above
};

class TwaNotifiesWrongSlot : public locks::BasicTwa<NotifiesOneTooFarWaiting> {
 public:
  static constexpr std::string_view name = "broken_twa_notifies_wrong_slot";

  void abandon_waiters() noexcept { waiting().abandon.store(true, std::memory_order_relaxed); }
};

static_assert(synclab::TryLockable<TwaNotifiesWrongSlot>);

}  // namespace synclab::testing
