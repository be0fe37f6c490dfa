// broken_queue_locks.hpp — queue locks that are wrong on purpose.
//
// Each is the real algorithm (locks/mcs.hpp, locks/anderson.hpp) with one
// classic mistake, kept so tests/primitives/broken_queue_lock_test.cpp can show
// that the checks catch it. Their failure is a hang (or two holders at once), so
// they differ from the real locks in one more way: every waiting loop also
// watches a test-only `abandon` flag. When the progress check
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
#include "synclab/locks/mcs.hpp"

namespace synclab::testing {

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
class McsLostHandoff {
 public:
  static constexpr std::string_view name = "broken_mcs_lost_handoff";
  using node_type = synclab::locks::McsNode;

  McsLostHandoff() = default;
  McsLostHandoff(const McsLostHandoff&) = delete;
  McsLostHandoff& operator=(const McsLostHandoff&) = delete;
  McsLostHandoff(McsLostHandoff&&) = delete;
  McsLostHandoff& operator=(McsLostHandoff&&) = delete;

  void lock(node_type& n) noexcept {
    n.next.store(nullptr, std::memory_order_relaxed);
    n.locked.store(true, std::memory_order_relaxed);
    node_type* const pred = tail_.exchange(&n, std::memory_order_acq_rel);
    if (pred == nullptr) {
      return;
    }
    pred->next.store(&n, std::memory_order_release);
    while (n.locked.load(std::memory_order_acquire)) {
      if (abandon_.load(std::memory_order_relaxed)) {
        return;  // test-only escape, see the top of the file
      }
      cpu_relax();
    }
  }

  [[nodiscard]] bool try_lock(node_type& n) noexcept {
    n.next.store(nullptr, std::memory_order_relaxed);
    node_type* expected = nullptr;
    return tail_.compare_exchange_strong(expected, &n, std::memory_order_acq_rel, std::memory_order_relaxed);
  }

  void unlock(node_type& n) noexcept {
    node_type* const succ = n.next.load(std::memory_order_acquire);
    if (succ == nullptr) {
      node_type* expected = &n;
      // BROKEN: if this CAS fails a successor is about to link; we must wait
      // for n.next and hand over, but we return.
      static_cast<void>(tail_.compare_exchange_strong(expected, nullptr, std::memory_order_release,
                                                      std::memory_order_relaxed));
      return;
    }
    succ->locked.store(false, std::memory_order_release);
  }

  void abandon_waiters() noexcept { abandon_.store(true, std::memory_order_relaxed); }

 private:
  std::atomic<node_type*> tail_{nullptr};
  std::atomic<bool> abandon_{false};
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
template <std::uint32_t Capacity = 2>
class AndersonUnguarded {
  static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0);

 public:
  static constexpr std::string_view name = "broken_anderson_unguarded";

  AndersonUnguarded() { slots_[0].granted.store(true, std::memory_order_relaxed); }
  AndersonUnguarded(const AndersonUnguarded&) = delete;
  AndersonUnguarded& operator=(const AndersonUnguarded&) = delete;
  AndersonUnguarded(AndersonUnguarded&&) = delete;
  AndersonUnguarded& operator=(AndersonUnguarded&&) = delete;

  void lock() noexcept {
    const std::uint32_t ticket = next_.fetch_add(1, std::memory_order_relaxed);
    Slot& mine = slots_[ticket % Capacity];
    // BROKEN: no wait for ticket - Capacity to have cleared this slot.
    while (!mine.granted.load(std::memory_order_acquire)) {
      if (abandon_.load(std::memory_order_relaxed)) {
        break;  // test-only escape, see the top of the file
      }
      cpu_relax();
    }
    mine.granted.store(false, std::memory_order_relaxed);
    holder_.store(ticket, std::memory_order_relaxed);
  }

  [[nodiscard]] bool try_lock() noexcept { return false; }  // not under test

  void unlock() noexcept {
    const std::uint32_t ticket = holder_.load(std::memory_order_relaxed);
    slots_[(ticket + 1) % Capacity].granted.store(true, std::memory_order_release);
  }

  void abandon_waiters() noexcept { abandon_.store(true, std::memory_order_relaxed); }

 private:
  struct alignas(128) Slot {
    std::atomic<bool> granted{false};
  };

  alignas(128) std::atomic<std::uint32_t> next_{0};
  alignas(128) std::atomic<std::uint32_t> holder_{0};
  std::atomic<bool> abandon_{false};
  Slot slots_[Capacity];
};

static_assert(synclab::NodeLockable<McsLostHandoff>);
static_assert(synclab::TryLockable<AndersonUnguarded<>>);

}  // namespace synclab::testing
