// broken_cna.hpp — CNA that forgets its secondary queue, on purpose.
//
// BROKEN: an unlock that finds no successor in the main queue frees the lock
// (swings the tail to nullptr) even when waiters of other domains sit in the
// secondary queue (locks/cna.hpp restores that queue as the main queue
// instead). Those waiters were unlinked from the main queue by an earlier
// holder, so no later unlock will ever reach them: they wait forever. The
// mistake is easy because the secondary queue lives only in the holder's
// spin word: nothing in the lock word shows that anyone still waits.
//
// Must be caught by: the handoff check on a synthetic two-domain map
// (tests/primitives/cna_test.cpp, CnaBroken.*): a waiter of the other domain
// is skipped once and never admitted. Never use it for anything else; it is
// in no catalogue and never benchmarked.
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/cna.hpp"
#include "synclab/testing/broken_queue_locks.hpp"

namespace synclab::testing {

struct ForgetsSecondaryWaiting : AbandonableWaiting {
  static constexpr bool restores_secondary_queue = false;  // BROKEN: see above
};

class CnaForgetsSecondary : public locks::BasicCna<locks::kCnaMaxLocalHandoffs, ForgetsSecondaryWaiting> {
 public:
  static constexpr std::string_view name = "broken_cna_forgets_secondary";

  void abandon_waiters() noexcept { waiting().abandon.store(true, std::memory_order_relaxed); }
};

static_assert(synclab::NodeLockable<CnaForgetsSecondary>);

}  // namespace synclab::testing
