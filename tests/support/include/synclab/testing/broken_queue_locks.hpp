// broken_queue_locks.hpp — queue locks that are wrong on purpose.
//
// Each is the real lock (locks/mcs.hpp, locks/anderson.hpp) with one classic
// mistake switched on through its Waiting parameter, kept so
// tests/primitives/broken_queue_lock_test.cpp can show that the checks catch
// it. Their failure is a hang (or two holders at once), so the same parameter
// changes one more thing: every waiting loop also watches a test-only
// `abandon` flag. When the progress check
// (progress_check.hpp) has seen the run stall, it calls abandon_waiters() and
// every stuck waiter returns from lock() as if it had acquired the lock. The
// run can then finish and the stall be reported as a test failure instead of a
// process that never exits. After that the lock is garbage; it is only
// destroyed.
//
// Never use them for anything else; they are in no catalogue and never
// benchmarked. All their state is atomic, so ThreadSanitizer has nothing to
// report about them: the bugs are logic bugs, caught by the progress and
// exclusion checks.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/anderson.hpp"
#include "synclab/locks/mcs.hpp"

namespace synclab::testing {

// The waiting of both twins: a waiting loop also ends once abandoned.
struct AbandonableWaiting {
  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done() && !abandon.load(std::memory_order_relaxed)) cpu_relax();
  }
  std::atomic<bool> abandon{false};
};

// BROKEN: MCS whose unlock() does not wait for a late successor link.
//
// The race (the "lost handoff"): the holder finds no successor linked
// (n.next == nullptr) and tries to swing the tail back to nullptr. Meanwhile a
// new waiter has already swapped itself into the tail but has not yet written
// pred->next. The CAS fails; the correct unlock() then waits for the link and
// hands over. This one returns. Nobody will ever clear the new waiter's
// `locked` flag: when it links itself it links into a node whose owner has
// left, and it spins forever, and so does everyone queued behind it. (If the
// holder has meanwhile reused its node for a new lock(), the late link can even
// land in the new queue and hand the lock to the wrong thread.)
//
// The window is a few instructions wide in the waiter: between its swap and its
// link. It is hit when a holder releases just as the next waiter arrives, or
// when that waiter is preempted between the two steps; with more threads than
// CPUs, within a fraction of a second of contention.
//
// Must be caught by: the progress check (a stall), see
// broken_queue_lock_test.cpp; stress_mutual_exclusion would also catch it, by
// aborting after its hang grace period.
struct LostHandoffWaiting : AbandonableWaiting {
  static constexpr bool waits_for_late_link = false;  // BROKEN: see above
};

class McsLostHandoff : public locks::BasicMcs<LostHandoffWaiting> {
 public:
  static constexpr std::string_view name = "broken_mcs_lost_handoff";

  void abandon_waiters() noexcept { waiting().abandon.store(true, std::memory_order_relaxed); }
};

// BROKEN: Anderson's array lock without the admission guard.
//
// The published algorithm: ticket t spins on slot t % Capacity, clears it on
// entry, and unlock() grants slot (t + 1) % Capacity. With more than Capacity
// threads holding or waiting, tickets t and t + Capacity spin on the same slot
// at once. When it is granted both may see the grant before either clears it:
// two holders (mutual exclusion broken). Or one clears it first and the other
// keeps spinning on a grant that was consumed: later, the grant meant for it
// can be cleared by yet another ticket, and the line stops (a hang).
// locks/anderson.hpp waits, before spinning on its slot, until the previous
// user of the slot has cleared it; this class does not.
//
// Must be caught by: the progress check, as exclusion violations or a stall,
// when run with more threads than Capacity (broken_queue_lock_test.cpp).
struct UnguardedWaiting : AbandonableWaiting {
  static constexpr bool guards_admission = false;  // BROKEN: see above
};

template <std::uint32_t Capacity = 2>
class AndersonUnguarded : public locks::Anderson<Capacity, UnguardedWaiting> {
 public:
  static constexpr std::string_view name = "broken_anderson_unguarded";

  void abandon_waiters() noexcept { this->waiting().abandon.store(true, std::memory_order_relaxed); }
};

static_assert(synclab::NodeLockable<McsLostHandoff>);
static_assert(synclab::TryLockable<AndersonUnguarded<>>);

}  // namespace synclab::testing
