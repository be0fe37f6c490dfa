// mcs.hpp — the MCS queue lock: every waiter spins on a flag in its own node.
//
// Algorithm: the lock is a pointer to the last node in a queue of waiters
//   (nullptr: free). lock(n): clear n, swap &n into `tail_`; if there was a
//   predecessor, link n behind it (pred->next = &n) and spin on n.locked until
//   the predecessor hands the lock over. unlock(n): if n has a successor, clear
//   the successor's `locked` flag; if not, try to swing `tail_` from &n back to
//   nullptr; if that fails, a successor has already swapped itself in but not
//   yet linked itself: wait for the link, then hand over. That last wait is
//   what makes MCS correct: returning early instead loses the handoff and the
//   successor spins forever (the broken twin in
//   tests/support/include/synclab/testing/broken_queue_locks.hpp).
// Source: Mellor-Crummey & Scott, "Algorithms for Scalable Synchronization on
//   Shared-Memory Multiprocessors", ACM TOCS 9(1), 1991 (the list-based queue
//   lock, with compare_and_swap); Concurrency Kit's ck_spinlock_mcs.
// Guarantees: mutual exclusion; FIFO in swap order, hence starvation-free; not
//   reentrant; unlock(n) only by the holder, with the node it locked with.
//   try_lock(n) succeeds only when the queue is empty, so it never jumps the
//   queue.
// Nodes (this is a synclab::NodeLockable): the caller provides one McsNode per
//   acquisition and keeps it alive and untouched from lock(n) until unlock(n)
//   returns; after that the node is free again, for any Mcs instance and any
//   thread. The lock itself owns no memory. A node may sit on the caller's
//   stack. locks/with_thread_local_node.hpp turns this into a TryLockable with
//   per-thread nodes; that adapter is what the catalogue registers as "mcs".
// Cost: every waiter spins on its own line, so a release invalidates exactly one
//   waiter's copy (compare ticket.hpp). The handoff touches three lines: the
//   successor's node (the link, written by the successor, read by the holder)
//   and its flag, plus `tail_` when the queue empties. Uncontended: one swap to
//   lock, one CAS to unlock.
// Oversubscription: FIFO spin lock, so it collapses like the ticket lock when
//   the next waiter is preempted. In addition unlock() may spin for a whole time
//   slice if the successor is preempted between its swap and its link.
// Memory ordering:
//   lock()   n.next / n.locked stores (relaxed): initialise our node; published
//            by the release half of the swap.
//            tail_.exchange(acq_rel): release publishes our initialised node to
//            whoever swaps after us (it will write into it); acquire makes the
//            predecessor's own initialisation of pred->next visible before we
//            overwrite it with our link, so its late store cannot undo it.
//            pred->next.store(release): publishes our node (locked == true) to
//            the predecessor, which reads our flag's line only through it.
//            n.locked.load(acquire): the load that sees false reads the
//            predecessor's release store in unlock(), so its critical section
//            happens-before ours.
//   unlock() n.next.load(acquire): pairs with the successor's release link, so
//            its node's initialisation (locked == true) happens-before our store
//            of false: ours is the later value in the flag's modification order.
//            tail_.compare_exchange(&n -> nullptr, release / relaxed): on
//            success the next locker's swap (acquire) reads our null and our
//            critical section happens-before its own. Failure orders nothing: we
//            then wait for the link with acquire loads as above.
//            succ->locked.store(false, release): the handoff; publishes the
//            critical section.
//   try_lock() tail_.compare_exchange(nullptr -> &n, acq_rel / relaxed): acquire
//            reads the last unlock's release CAS; release publishes our node's
//            initialisation to the next locker, as the swap in lock() does.
// Layout: the lock is one pointer (the harness pads it). A node is 128-byte
//   aligned and sized: a waiter spins on its node while its predecessor writes
//   into it, and nodes of different threads (often allocated together) must not
//   share a line or an adjacent-line prefetch pair (see anderson.hpp, Layout).
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/with_thread_local_node.hpp"

namespace synclab::locks {

struct alignas(128) McsNode {
  McsNode() = default;
  McsNode(const McsNode&) = delete;
  McsNode& operator=(const McsNode&) = delete;
  McsNode(McsNode&&) = delete;
  McsNode& operator=(McsNode&&) = delete;

  std::atomic<McsNode*> next{nullptr};  // successor, linked by the successor itself
  std::atomic<bool> locked{false};      // true while the owner must keep waiting
};

// How the lock waits, and whether unlock() waits for a successor's late
// link. McsWaiting is the algorithm; the parameter exists for the tests'
// broken twin (synclab/testing/broken_queue_locks.hpp), which skips that wait
// and can abandon its waiters. A stateless policy costs no byte (it is an
// empty base).
struct McsWaiting {
  static constexpr bool waits_for_late_link = true;
  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
  }
};

template <class Waiting = McsWaiting>
class BasicMcs : Waiting {
 public:
  // The registered lock is WithThreadLocalNode<Mcs>, which takes this name.
  static constexpr std::string_view name = "mcs";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  using node_type = McsNode;

  BasicMcs() = default;
  BasicMcs(const BasicMcs&) = delete;
  BasicMcs& operator=(const BasicMcs&) = delete;
  BasicMcs(BasicMcs&&) = delete;
  BasicMcs& operator=(BasicMcs&&) = delete;

  void lock(McsNode& n) noexcept {
    n.next.store(nullptr, std::memory_order_relaxed);
    n.locked.store(true, std::memory_order_relaxed);
    McsNode* const pred = tail_.exchange(&n, std::memory_order_acq_rel);
    if (pred == nullptr) {
      return;  // queue was empty: the lock is ours
    }
    pred->next.store(&n, std::memory_order_release);
    waiting().spin_until([&] { return !n.locked.load(std::memory_order_acquire); });
  }

  [[nodiscard]] bool try_lock(McsNode& n) noexcept {
    n.next.store(nullptr, std::memory_order_relaxed);
    n.locked.store(false, std::memory_order_relaxed);
    McsNode* expected = nullptr;
    return tail_.compare_exchange_strong(expected, &n, std::memory_order_acq_rel, std::memory_order_relaxed);
  }

  void unlock(McsNode& n) noexcept {
    McsNode* succ = n.next.load(std::memory_order_acquire);
    if (succ == nullptr) {
      McsNode* expected = &n;
      if (tail_.compare_exchange_strong(expected, nullptr, std::memory_order_release,
                                        std::memory_order_relaxed)) {
        return;  // nobody queued behind us
      }
      if (!Waiting::waits_for_late_link) return;
      // A successor swapped itself in after our load and has not linked yet.
      waiting().spin_until([&] { return (succ = n.next.load(std::memory_order_acquire)) != nullptr; });
    }
    succ->locked.store(false, std::memory_order_release);
  }

  // True if `n` is the most recently queued node (relaxed; for tests and
  // diagnostics only, e.g. to see that a thread has taken its place in line).
  [[nodiscard]] bool is_last(const McsNode& n) const noexcept {
    return tail_.load(std::memory_order_relaxed) == &n;
  }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  std::atomic<McsNode*> tail_{nullptr};  // last node in the queue; nullptr: free
};

using Mcs = BasicMcs<>;

static_assert(sizeof(McsNode) == 128 && alignof(McsNode) == 128);
static_assert(sizeof(Mcs) == sizeof(void*));
static_assert(std::atomic<McsNode*>::is_always_lock_free);
static_assert(synclab::NodeLockable<Mcs>);
static_assert(synclab::TryLockable<WithThreadLocalNode<Mcs>>);
static_assert(WithThreadLocalNode<Mcs>::name == "mcs");

}  // namespace synclab::locks
