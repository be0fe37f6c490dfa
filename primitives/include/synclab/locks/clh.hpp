// clh.hpp — the CLH queue lock: every waiter spins on its predecessor's
// element, and takes that element over when it releases the lock.
//
// Algorithm: the lock is a pointer to the last queue element (`tail_`); an
//   element is one flag word. lock(n): mark our element locked and swap it into
//   `tail_`; the old tail is our predecessor, and we spin until its flag says
//   released. unlock(n): mark our element released (the successor, spinning on
//   it, proceeds) and adopt the predecessor's element as our element for the
//   next acquisition (node recycling): nobody refers to it any more, while our
//   old element is still being read by the successor. The queue is implicit:
//   no element points to the next one, unlike MCS.
//   try_lock(n) enqueues like lock(n) and checks its predecessor once. If the
//   predecessor has released, the lock is ours. If not, it abandons its element
//   instead of waiting: the element's flag word is set to the predecessor's
//   address, and whoever finds an abandoned element ahead of it (its successor,
//   in lock() or try_lock()) takes it over, frees it and waits on the
//   predecessor it points to instead. The thread that abandoned never touches
//   it again and gets a new element on its next use.
// Source: T. S. Craig, "Building FIFO and priority-queuing spin locks from
//   atomic swap", TR 93-02-02, University of Washington, 1993; Magnusson, Landin
//   & Hagersten, "Queue locks on cache coherent multiprocessors", IPPS 1994.
//   Abandoning an element instead of waiting follows Scott & Scherer,
//   "Scalable queue-based spin locks with timeout", PPoPP 2001 (a try_lock is
//   their timeout with a zero patience). Concurrency Kit's ck_spinlock_clh has
//   no try_lock.
// Why try_lock cannot simply check the tail and compare_exchange it: the tail
//   element may be freed the moment after it is read (its next owner can
//   release it and exit), and it can be recycled and queued again (ABA), so a
//   CAS that finds "the same" tail could enqueue us behind a holder. The swap
//   makes the predecessor ours to look at; abandoning makes it safe not to wait.
// Guarantees: mutual exclusion; FIFO in swap order, hence starvation-free;
//   not reentrant; unlock(n) only by the holder, with the node it locked with.
//   try_lock(n) never waits and never jumps the queue; it fails whenever anyone
//   holds or waits. A failed try_lock leaves an abandoned element in the queue
//   and costs its caller an allocation on the next use of the node.
//
// Ownership of elements (no leaks, no use after free):
//   - A ClhNode owns one element while it is idle (none after a failed
//     try_lock, until its next use allocates one) and frees it in its
//     destructor. Between lock(n) and unlock(n) its element is in the queue and
//     it also holds its predecessor's element, which it adopts in unlock(n).
//   - The lock owns the element at the tail of an idle queue (initially one it
//     allocates), plus any abandoned elements in front of it, and frees them in
//     its destructor.
//   - An abandoned element belongs to the thread that finds it ahead of itself,
//     which frees it (or keeps it as its replacement element in try_lock).
//   So with k nodes in existence there are k + 1 live elements, plus abandoned
//   ones; each has exactly one owner. Elements are not tied to a lock instance:
//   a node used on two locks carries elements from one queue to the other.
//   Destroying a lock, or a node, while it is in use is undefined.
//   With locks/with_thread_local_node.hpp (the registered "clh") the nodes
//   belong to each thread's cache and are freed at thread exit.
//
// Cost: each waiter spins on one element (its predecessor's), so a release
//   invalidates one waiter's copy. The element a thread spins on was written by
//   another thread (unlike MCS, where a waiter spins on its own node): on a NUMA
//   machine the spin may be remote. Uncontended: one swap to lock, one store to
//   unlock, no CAS at all.
// Oversubscription: FIFO spin lock, so it collapses like the ticket lock when
//   the next waiter is preempted.
// Memory ordering:
//   lock()   element state.store(locked, relaxed): published by the swap below.
//            tail_.exchange(acq_rel): release publishes `locked` to our
//            successor, so it cannot read the `released` left in the element
//            by its previous use; acquire does the same for us: the
//            predecessor's `locked` is visible, not its element's stale state.
//            pred state.load(acquire): the load that sees `released` reads the
//            holder's release store in unlock(), so its critical section
//            happens-before ours; one that sees an abandoned element's
//            predecessor pointer reads the abandoning release store, so that
//            element may be freed and its predecessor read.
//   unlock() state.store(released, release): the handoff; publishes the critical
//            section. The adoption of the predecessor's element is a plain
//            local pointer move: that element was released to us by the
//            acquire load that ended our wait.
//   try_lock() the swap and loads as in lock(); abandoning is a release store
//            of the predecessor's address into our element.
// Layout: the lock is one pointer (the harness pads it). An element is
//   128-byte aligned and sized, so two threads' elements never share a line or
//   an adjacent-line prefetch pair (see anderson.hpp, Layout). A ClhNode is two
//   pointers, private to its thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/with_thread_local_node.hpp"

namespace synclab::locks {

// One queue element: a single state word.
struct alignas(128) ClhElement {
  // kReleased, kLocked, or the address of the predecessor element when the
  // element was abandoned by a try_lock (element addresses are 128-aligned, so
  // they never equal the two small constants).
  static constexpr std::uintptr_t kReleased = 0;
  static constexpr std::uintptr_t kLocked = 1;

  std::atomic<std::uintptr_t> state{kReleased};
};

class Clh;

// The caller's handle: owns one element while idle (see Ownership above).
class ClhNode {
 public:
  ClhNode() : mine_(new ClhElement) {}
  ~ClhNode() { delete mine_; }
  ClhNode(const ClhNode&) = delete;
  ClhNode& operator=(const ClhNode&) = delete;
  ClhNode(ClhNode&&) = delete;
  ClhNode& operator=(ClhNode&&) = delete;

 private:
  friend class Clh;

  // Our element, allocated now if a failed try_lock gave the last one away.
  // Called before the element is queued, so an allocation failure leaves the
  // lock untouched.
  ClhElement* element() {
    if (mine_ == nullptr) {
      mine_ = new ClhElement;
    }
    return mine_;
  }

  ClhElement* mine_;            // owned while idle; in the queue while locked
  ClhElement* pred_ = nullptr;  // while locked: the predecessor's element, adopted by unlock
};

class Clh {
 public:
  // The registered lock is WithThreadLocalNode<Clh>, which takes this name.
  static constexpr std::string_view name = "clh";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  using node_type = ClhNode;

  Clh() : tail_(new ClhElement) {}  // one released element: the lock is free
  ~Clh() {
    // Requires an idle lock, and the caller synchronised with every user (e.g.
    // joined them). Frees the tail element and any abandoned ones before it.
    ClhElement* e = tail_.load(std::memory_order_acquire);
    for (;;) {
      const std::uintptr_t s = e->state.load(std::memory_order_acquire);
      delete e;
      if (s == ClhElement::kReleased || s == ClhElement::kLocked) {
        break;
      }
      e = reinterpret_cast<ClhElement*>(s);
    }
  }
  Clh(const Clh&) = delete;
  Clh& operator=(const Clh&) = delete;
  Clh(Clh&&) = delete;
  Clh& operator=(Clh&&) = delete;

  void lock(ClhNode& n) {
    ClhElement* const e = n.element();
    e->state.store(ClhElement::kLocked, std::memory_order_relaxed);
    ClhElement* pred = tail_.exchange(e, std::memory_order_acq_rel);
    for (;;) {
      const std::uintptr_t s = pred->state.load(std::memory_order_acquire);
      if (s == ClhElement::kReleased) {
        break;
      }
      if (s == ClhElement::kLocked) {
        cpu_relax();
        continue;
      }
      // Abandoned by a try_lock: it is ours now; wait on its predecessor.
      ClhElement* const next = reinterpret_cast<ClhElement*>(s);
      delete pred;
      pred = next;
    }
    n.pred_ = pred;
  }

  [[nodiscard]] bool try_lock(ClhNode& n) {
    ClhElement* const e = n.element();
    e->state.store(ClhElement::kLocked, std::memory_order_relaxed);
    ClhElement* pred = tail_.exchange(e, std::memory_order_acq_rel);
    ClhElement* spare = nullptr;  // an abandoned element we took over, kept for reuse
    for (;;) {
      const std::uintptr_t s = pred->state.load(std::memory_order_acquire);
      if (s == ClhElement::kReleased) {
        delete spare;
        n.pred_ = pred;
        return true;
      }
      if (s == ClhElement::kLocked) {
        break;  // held, or someone waits ahead of us
      }
      ClhElement* const next = reinterpret_cast<ClhElement*>(s);
      if (spare == nullptr) {
        spare = pred;
      } else {
        delete pred;
      }
      pred = next;
    }
    // Abandon our element: our successor will skip it and wait on `pred`.
    e->state.store(reinterpret_cast<std::uintptr_t>(pred), std::memory_order_release);
    n.mine_ = spare;  // nullptr: element() allocates on the next use
    return false;
  }

  void unlock(ClhNode& n) noexcept {
    ClhElement* const e = n.mine_;
    n.mine_ = n.pred_;  // adopt the predecessor's element (node recycling)
    n.pred_ = nullptr;
    e->state.store(ClhElement::kReleased, std::memory_order_release);
  }

  // True if `n`'s element is the most recently queued one (relaxed; for tests
  // and diagnostics only, e.g. to see that a thread has taken its place in line).
  [[nodiscard]] bool is_last(const ClhNode& n) const noexcept {
    return tail_.load(std::memory_order_relaxed) == n.mine_;
  }

 private:
  std::atomic<ClhElement*> tail_;  // last queued element; released: the lock is free
};

static_assert(sizeof(ClhElement) == 128 && alignof(ClhElement) == 128);
static_assert(sizeof(Clh) == sizeof(void*));
static_assert(std::atomic<ClhElement*>::is_always_lock_free && std::atomic<std::uintptr_t>::is_always_lock_free);
static_assert(synclab::NodeLockable<Clh>);
static_assert(synclab::TryLockable<WithThreadLocalNode<Clh>>);
static_assert(WithThreadLocalNode<Clh>::name == "clh");

}  // namespace synclab::locks
