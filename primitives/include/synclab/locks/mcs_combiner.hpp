// mcs_combiner.hpp — an MCS queue whose holder runs the critical sections of
// the waiters queued behind it before it hands the lock over.
//
// Algorithm: the lock is the tail of an MCS queue of nodes that live on the
//   callers' stacks. lock_combine(f) builds the call and a node pointing at it,
//   swaps the node into the tail and, if there was a predecessor, links itself
//   behind it and spins on its own node's state. The holder, after its own
//   critical section, walks the queue: for the successor of the node it
//   stands on (waiting for a late link, as MCS's unlock does) it runs the
//   successor's call, then marks the node it stood on done and steps onto the
//   successor. Marking a node done is always the last touch of that node, after
//   its successor is known, because its owner returns (and its stack frame
//   goes) as soon as it sees done. The walk stops at the end of the queue (the
//   tail swung back to null: the lock is free), after `MaxCombined` calls, or
//   at a waiter without a call (a plain lock(n)); that waiter is then granted
//   the lock and becomes the next holder and combiner, as in MCS.
// Source: the queue and its handoff are the MCS list-based queue lock
//   (Mellor-Crummey & Scott, ACM TOCS 9(1), 1991; locks/mcs.hpp); running the
//   queued requests in queue order, with a bound on how many one combiner
//   serves before handing the role to the next waiter, is the combining rule
//   of CC-Synch (Fatourou & Kallimanis, "Revisiting the Combining
//   Synchronization Technique", PPoPP 2012: the CC-Synch algorithm, whose
//   combiner serves the queued requests in order and at most h of them). CC-Synch
//   recycles nodes between threads so that a node outlives its call; here, as
//   in folly's DistributedMutex (whose lock_combine API this follows), the
//   nodes live on the callers' stacks and the combiner finishes with a node
//   before releasing its owner, so the lock owns no memory.
// Guarantees: mutual exclusion (only the holder runs critical sections, and
//   the holder's role passes along the queue as in MCS). Each call runs exactly
//   once, by the holder that reaches its node or by its own thread once
//   granted. FIFO in swap order: calls run in the order their nodes were
//   queued, hence starvation-free. Blocking: a preempted holder or a waiter
//   preempted between its swap and its link stalls the queue (the MCS
//   behaviour under oversubscription); waiters spin, never sleep.
// Also a plain lock (a synclab::NodeLockable, like Mcs): lock(n) queues a node
//   without a call and waits to be granted; unlock(n) hands over as MCS does,
//   after serving the calls queued behind n first (the combining happens in
//   whatever unlock() finds queued). WithThreadLocalNode<McsCombiner> gives
//   lock()/unlock().
// The critical section: see synclab::Combinable (it may run on the combiner's
//   thread; it must not throw, a throw there terminates).
// Memory ordering:
//   node initialisation (relaxed) and the call pointer (plain): published by
//     the release half of the tail swap and by the release store of the link.
//   tail_.exchange(acq_rel): as in Mcs: release publishes our node to the next
//     arriver, acquire orders our link store after the predecessor's
//     initialisation of its own link.
//   pred->next.store(release) / next.load(acquire) by the holder: the holder
//     that finds our node sees our call (function reference, empty result).
//   state.store(kDone, release) by the combiner after running the call; the
//     owner's acquire load of kDone sees the result and the section's effects.
//   state.store(kGranted, release): the MCS handoff; the new holder's acquire
//     load sees every critical section run before it (all ran on holders,
//     each handoff a release/acquire pair).
//   tail_.compare_exchange(node -> nullptr, release / relaxed): as in Mcs; on
//     failure we wait for the late link with acquire loads.
// Layout: the lock is one pointer (the harness pads it). A lock(n) node is
//   128-byte aligned and sized, as McsNode: its owner spins on it while the
//   holder writes into it. A lock_combine call puts its queue element and the
//   call (with a small function object copied in, locks/combining.hpp) in one
//   128-byte aligned slot on the caller's stack, so the combiner reads a
//   request from one line (two with a large result) rather than from three
//   places of the caller's frame.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/combining.hpp"
#include "synclab/locks/with_thread_local_node.hpp"

namespace synclab::locks {

// The queue's element: a plain lock(n) waiter's node, or the head of a
// lock_combine call's slot (the element and the call in one 128-byte block).
struct McsCombinerWaiter {
  static constexpr std::uint32_t kWaiting = 0;  // queued
  static constexpr std::uint32_t kGranted = 1;  // the lock is ours: run our own call, then combine
  static constexpr std::uint32_t kDone = 2;     // a combiner ran our call: return its result

  std::atomic<McsCombinerWaiter*> next{nullptr};
  std::atomic<std::uint32_t> state{kWaiting};
  CombineRequest* call = nullptr;  // nullptr: a plain lock(n) waiter
};

// The node of lock(n) / unlock(n).
struct alignas(128) McsCombinerNode : McsCombinerWaiter {
  McsCombinerNode() = default;
  McsCombinerNode(const McsCombinerNode&) = delete;
  McsCombinerNode& operator=(const McsCombinerNode&) = delete;
};

// Waiting policy. McsCombinerWaiting is the algorithm; the parameter exists
// for the tests' broken twin (synclab/testing/broken_combiners.hpp), which
// leaves at its bound without handing over and can abandon its waiters.
struct McsCombinerWaiting {
  static constexpr bool hands_over_at_bound = true;
  template <class Done>
  bool spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
    return true;
  }
  static constexpr bool abandoned() noexcept { return false; }
};

template <std::uint32_t MaxCombined = 64, class Waiting = McsCombinerWaiting>
class BasicMcsCombiner : Waiting {
  static_assert(MaxCombined > 0);

 public:
  static constexpr std::string_view name = "mcs_combiner";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  using node_type = McsCombinerNode;

  BasicMcsCombiner() = default;
  BasicMcsCombiner(const BasicMcsCombiner&) = delete;
  BasicMcsCombiner& operator=(const BasicMcsCombiner&) = delete;
  BasicMcsCombiner(BasicMcsCombiner&&) = delete;
  BasicMcsCombiner& operator=(BasicMcsCombiner&&) = delete;

  template <class F>
  std::invoke_result_t<F&> lock_combine(F&& f) {
    struct alignas(128) Slot {
      explicit Slot(std::remove_reference_t<F>& fn) noexcept : call(fn) {}
      McsCombinerWaiter waiter;
      CombineCall<std::remove_reference_t<F>> call;
    } slot(f);
    slot.waiter.call = &slot.call;
    if (enqueue(slot.waiter) == McsCombinerWaiter::kDone) return slot.call.take();
    slot.call.run_here();
    release(slot.waiter);
    return slot.call.take();
  }

  void lock(McsCombinerNode& n) noexcept {
    n.call = nullptr;
    (void)enqueue(n);
  }

  [[nodiscard]] bool try_lock(McsCombinerNode& n) noexcept {
    n.call = nullptr;
    n.next.store(nullptr, std::memory_order_relaxed);
    n.state.store(McsCombinerWaiter::kGranted, std::memory_order_relaxed);
    McsCombinerWaiter* expected = nullptr;
    return tail_.compare_exchange_strong(expected, &n, std::memory_order_acq_rel, std::memory_order_relaxed);
  }

  void unlock(McsCombinerNode& n) noexcept { release(n); }

  [[nodiscard]] bool is_last(const McsCombinerNode& n) const noexcept {
    return tail_.load(std::memory_order_relaxed) == &n;
  }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  // Queues n; returns kGranted when the caller holds the lock, kDone when a
  // combiner ran n's call.
  std::uint32_t enqueue(McsCombinerWaiter& n) noexcept {
    if (waiting().abandoned()) return McsCombinerWaiter::kGranted;  // broken twin's teardown only
    n.next.store(nullptr, std::memory_order_relaxed);
    n.state.store(McsCombinerWaiter::kWaiting, std::memory_order_relaxed);
    McsCombinerWaiter* const pred = tail_.exchange(&n, std::memory_order_acq_rel);
    if (pred == nullptr) return McsCombinerWaiter::kGranted;
    pred->next.store(&n, std::memory_order_release);
    std::uint32_t s = McsCombinerWaiter::kWaiting;
    waiting().spin_until([&] { return (s = n.state.load(std::memory_order_acquire)) != McsCombinerWaiter::kWaiting; });
    // An abandoned waiter of the broken twin proceeds as if granted.
    return s == McsCombinerWaiter::kDone ? s : McsCombinerWaiter::kGranted;
  }

  // The holder, standing on `own` (its own node, its call already run or
  // none), serves the queue behind it and hands over.
  void release(McsCombinerWaiter& own) noexcept {
    if (waiting().abandoned()) return;  // broken twin's teardown only: touch no node
    McsCombinerWaiter* cur = &own;
    std::uint32_t served = 0;
    for (;;) {
      McsCombinerWaiter* succ = cur->next.load(std::memory_order_acquire);
      if (succ == nullptr) {
        McsCombinerWaiter* expected = cur;
        if (tail_.compare_exchange_strong(expected, nullptr, std::memory_order_release, std::memory_order_relaxed)) {
          finish(cur, &own);  // the queue is empty: the lock is free
          return;
        }
        if (!waiting().spin_until([&] { return (succ = cur->next.load(std::memory_order_acquire)) != nullptr; })) {
          finish(cur, &own);  // abandoned (broken twin's test teardown)
          return;
        }
      }
      // succ is known: cur can be let go.
      finish(cur, &own);
      if (succ->call == nullptr || served == MaxCombined) {
        if constexpr (!Waiting::hands_over_at_bound) {
          if (succ->call != nullptr) return;  // BROKEN twin only: succ and its followers are lost
        }
        succ->state.store(McsCombinerWaiter::kGranted, std::memory_order_release);
        return;
      }
      succ->call->run(*succ->call);
      ++served;
      cur = succ;
    }
  }

  // Lets the owner of a node the holder has finished with go: a served node
  // is done; the holder's own node needs nothing.
  static void finish(McsCombinerWaiter* node, const McsCombinerWaiter* own) noexcept {
    if (node != own) node->state.store(McsCombinerWaiter::kDone, std::memory_order_release);
  }

  std::atomic<McsCombinerWaiter*> tail_{nullptr};
};

using McsCombiner = BasicMcsCombiner<>;

static_assert(sizeof(McsCombinerNode) == 128 && alignof(McsCombinerNode) == 128);
static_assert(sizeof(McsCombinerWaiter) <= 24);
static_assert(sizeof(McsCombiner) == sizeof(void*));
static_assert(synclab::Combinable<McsCombiner>);
static_assert(synclab::NodeLockable<McsCombiner>);
static_assert(synclab::TryLockable<WithThreadLocalNode<McsCombiner>>);

}  // namespace synclab::locks
