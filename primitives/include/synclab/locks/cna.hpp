// cna.hpp — CNA, the compact NUMA-aware lock: an MCS lock whose holder, at
// unlock, skips waiters of other domains (moving them to a secondary queue)
// to hand the lock to the next waiter of its own domain.
//
// Algorithm: the lock is one word, the MCS tail. A node's `spin` word says
//   0: wait; 1: the lock is yours and the secondary queue is empty; any other
//   value: the lock is yours and this is the head of the secondary queue. So
//   the secondary queue travels with the lock from holder to holder at no
//   extra space in the lock; its head node remembers its tail.
//   lock()   as MCS (mcs.hpp), but a waiter records its domain in its node
//            before linking itself (an uncontended acquirer skips the lookup).
//   unlock() with no linked successor: if the secondary queue is empty, try
//            to swing the tail to nullptr as MCS; otherwise try to swing it to
//            the secondary queue's tail and grant its head: the secondary
//            queue becomes the main queue. If either CAS fails a successor is
//            linking: wait for it. With a successor: unless the domain has had
//            MaxLocalHandoffs in-domain handoffs in a row, look for the first
//            waiter of the holder's domain in the main queue; the waiters
//            before it move to the end of the secondary queue, and it gets the
//            lock with the secondary queue. If there is none (or the bound is
//            reached), the secondary queue, if any, is spliced in front of the
//            main queue and its head gets the lock; otherwise the next waiter.
// Source: Dice & Kogan, "Compact NUMA-aware Locks", EuroSys 2019 (doi
//   10.1145/3302424.3303984; arXiv 1810.05600): the lock and unlock of the
//   paper's main listing (section "The CNA algorithm") and its
//   find_successor. One change: the paper decides to keep the lock local with
//   a pseudo-random draw, flushing the secondary queue with probability
//   1/2^16 per handoff; here a count of consecutive in-domain handoffs,
//   carried from node to node with the grant, flushes it after exactly
//   MaxLocalHandoffs (default 2^16): the same long-run rate, a hard bound
//   instead of an expected one, and a test can check it (with a small bound).
//   Checked against libvsync's cnalock.h (MIT), which keeps the secondary
//   queue as a ring.
// Domains: from synclab/locks/cohort_domains.hpp, as `cohort` uses them: one
//   domain unless a map is installed (the benchmark binary installs one from
//   hwloc, tests a synthetic one). With one domain CNA is MCS plus a domain
//   lookup per contended acquisition; it cannot show its benefit there, and
//   the results context's `cohort_domains` says how many domains the run had.
// Guarantees: mutual exclusion; starvation-free: a waiter of another domain
//   waits in the secondary queue for at most MaxLocalHandoffs in-domain
//   handoffs (plus those already queued ahead of it); FIFO within a domain,
//   not between domains. Not reentrant; unlock(n) only by the holder, with
//   the node it locked with (a NodeLockable, like mcs; the catalogue
//   registers it through WithThreadLocalNode). try_lock(n) succeeds only on
//   an empty queue.
// Oversubscription: as MCS: a FIFO spin lock (within a domain) collapses when
//   the next waiter is preempted.
// Memory ordering:
//   lock()   node stores (relaxed): published by the release half of the
//            exchange, as in MCS; tail_.exchange(acq_rel) as in MCS.
//            pred->next.store(release): publishes our node, domain included,
//            to the holder that walks the queue.
//            spin.load(acquire): reads the granting store (release): the
//            previous holder's critical section, and its writes to the
//            secondary queue's links and to our handoff count, happen-before
//            ours.
//   unlock() next.load(acquire) on our node and on every node walked: pairs
//            with each successor's release link, so the node's domain is
//            visible. The secondary queue's links (next, sec_tail) and our own
//            spin word are only touched by lock holders: relaxed, ordered by
//            the grants.
//            tail_ CAS (release / relaxed): publishes the critical section to
//            the next uncontended locker (to nullptr), or, to the secondary
//            tail, orders nothing a waiter reads (the grant that follows
//            does).
//            spin.store(release) into the successor: the handoff.
//   try_lock(n) tail_ CAS (nullptr -> n, acq_rel / relaxed), as MCS.
// Destroy after the last unlock (as std::mutex allows): every path ends with
//   the CAS that frees the lock or a grant to another node; after a CAS that
//   installs the secondary tail the lock is still held (by the node about to
//   be granted), so nobody can have destroyed it.
// Layout: the lock is one pointer. A node is 128-byte aligned and sized, as
//   an MCS node (anderson.hpp, Layout).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/compile_time_name.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/cohort_domains.hpp"
#include "synclab/locks/with_thread_local_node.hpp"

namespace synclab::locks {

inline constexpr std::uint32_t kCnaMaxLocalHandoffs = 1u << 16;

struct alignas(128) CnaNode {
  CnaNode() = default;
  CnaNode(const CnaNode&) = delete;
  CnaNode& operator=(const CnaNode&) = delete;
  CnaNode(CnaNode&&) = delete;
  CnaNode& operator=(CnaNode&&) = delete;

  static constexpr std::uint32_t kUnknownDomain = ~std::uint32_t{0};

  std::atomic<std::uintptr_t> spin{0};        // 0 wait; 1 yours, no secondary queue; else yours + its head
  std::atomic<CnaNode*> next{nullptr};        // successor (main or secondary queue)
  std::atomic<CnaNode*> sec_tail{nullptr};    // in the secondary queue's head: its last node
  std::atomic<std::uint32_t> domain{kUnknownDomain};
  std::uint32_t local_handoffs = 0;           // in-domain handoffs in a row; written by the granter
};

// How CNA waits, and whether an unlock that finds the main queue empty
// restores the secondary queue. CnaWaiting is the algorithm; the parameter
// exists for the tests' broken twin (synclab/testing/broken_cna.hpp).
struct CnaWaiting {
  static constexpr bool restores_secondary_queue = true;
  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
  }
};

template <std::uint32_t MaxLocalHandoffs = kCnaMaxLocalHandoffs, class Waiting = CnaWaiting>
class BasicCna : Waiting {
 public:
  // "cna" for the default bound, "cna_local<N>" otherwise.
  static constexpr std::string_view name = MaxLocalHandoffs == kCnaMaxLocalHandoffs
                                               ? static_name<compose_name("cna")>
                                               : static_name<compose_name("cna_local", MaxLocalHandoffs)>;
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  using node_type = CnaNode;

  BasicCna() = default;
  BasicCna(const BasicCna&) = delete;
  BasicCna& operator=(const BasicCna&) = delete;
  BasicCna(BasicCna&&) = delete;
  BasicCna& operator=(BasicCna&&) = delete;

  void lock(CnaNode& me) noexcept {
    prepare(me);
    CnaNode* const pred = tail_.exchange(&me, std::memory_order_acq_rel);
    if (pred == nullptr) {
      grant_to_self(me);
      return;
    }
    me.domain.store(cohort_domains::current_domain(), std::memory_order_relaxed);
    pred->next.store(&me, std::memory_order_release);
    waiting().spin_until([&] { return me.spin.load(std::memory_order_acquire) != kWaiting; });
  }

  [[nodiscard]] bool try_lock(CnaNode& me) noexcept {
    prepare(me);
    CnaNode* expected = nullptr;
    if (!tail_.compare_exchange_strong(expected, &me, std::memory_order_acq_rel, std::memory_order_relaxed))
      return false;
    grant_to_self(me);
    return true;
  }

  void unlock(CnaNode& me) noexcept {
    CnaNode* next = me.next.load(std::memory_order_acquire);
    if (next == nullptr) {
      if (release_if_alone(me)) return;
      waiting().spin_until([&] { return (next = me.next.load(std::memory_order_acquire)) != nullptr; });
      if (next == nullptr) return;  // only a broken twin's abandoned wait ends unlinked
    }
    if (me.local_handoffs < MaxLocalHandoffs) {
      if (CnaNode* local = find_successor(me, next)) {
        grant(*local, me.spin.load(std::memory_order_relaxed), me.local_handoffs + 1);
        return;
      }
    }
    if (CnaNode* const sec_head = secondary_head(me)) {  // splice the secondary queue in front
      sec_head->sec_tail.load(std::memory_order_relaxed)->next.store(next, std::memory_order_relaxed);
      grant(*sec_head, kGrantedAlone, 0);
      return;
    }
    grant(*next, kGrantedAlone, 0);
  }

  // True if `n` is the most recently queued node (relaxed; tests only).
  [[nodiscard]] bool is_last(const CnaNode& n) const noexcept { return tail_.load(std::memory_order_relaxed) == &n; }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  static constexpr std::uintptr_t kWaiting = 0;
  static constexpr std::uintptr_t kGrantedAlone = 1;

  static void prepare(CnaNode& me) noexcept {
    me.next.store(nullptr, std::memory_order_relaxed);
    me.spin.store(kWaiting, std::memory_order_relaxed);
    me.domain.store(CnaNode::kUnknownDomain, std::memory_order_relaxed);
  }

  static void grant_to_self(CnaNode& me) noexcept {
    me.spin.store(kGrantedAlone, std::memory_order_relaxed);
    me.local_handoffs = 0;
  }

  static void grant(CnaNode& to, std::uintptr_t secondary, std::uint32_t local_handoffs) noexcept {
    to.local_handoffs = local_handoffs;
    to.spin.store(secondary, std::memory_order_release);
  }

  static CnaNode* secondary_head(const CnaNode& me) noexcept {
    const std::uintptr_t s = me.spin.load(std::memory_order_relaxed);
    return s == kGrantedAlone ? nullptr : reinterpret_cast<CnaNode*>(s);
  }

  // No linked successor: free the lock, or hand it to the secondary queue,
  // if the tail is still ours. False if a successor is on its way.
  bool release_if_alone(CnaNode& me) noexcept {
    CnaNode* const sec_head = Waiting::restores_secondary_queue ? secondary_head(me) : nullptr;
    CnaNode* expected = &me;
    if (sec_head == nullptr)
      return tail_.compare_exchange_strong(expected, nullptr, std::memory_order_release, std::memory_order_relaxed);
    CnaNode* const sec_tail = sec_head->sec_tail.load(std::memory_order_relaxed);
    if (!tail_.compare_exchange_strong(expected, sec_tail, std::memory_order_release, std::memory_order_relaxed))
      return false;
    grant(*sec_head, kGrantedAlone, 0);  // the secondary queue is the main queue now
    return true;
  }

  // The first waiter of our domain after `next`, moving the waiters before it
  // to the end of the secondary queue (our spin word); nullptr if none.
  static CnaNode* find_successor(CnaNode& me, CnaNode* next) noexcept {
    std::uint32_t mine = me.domain.load(std::memory_order_relaxed);
    if (mine == CnaNode::kUnknownDomain) mine = cohort_domains::current_domain();
    if (next->domain.load(std::memory_order_relaxed) == mine) return next;
    CnaNode* skipped_tail = next;
    for (CnaNode* cur = next->next.load(std::memory_order_acquire); cur != nullptr;
         cur = cur->next.load(std::memory_order_acquire)) {
      if (cur->domain.load(std::memory_order_relaxed) == mine) {
        move_to_secondary(me, next, skipped_tail);
        return cur;
      }
      skipped_tail = cur;
    }
    return nullptr;
  }

  static void move_to_secondary(CnaNode& me, CnaNode* first, CnaNode* last) noexcept {
    last->next.store(nullptr, std::memory_order_relaxed);
    CnaNode* sec_head = secondary_head(me);
    if (sec_head == nullptr) {
      sec_head = first;
      me.spin.store(reinterpret_cast<std::uintptr_t>(first), std::memory_order_relaxed);
    } else {
      sec_head->sec_tail.load(std::memory_order_relaxed)->next.store(first, std::memory_order_relaxed);
    }
    sec_head->sec_tail.store(last, std::memory_order_relaxed);
  }

  std::atomic<CnaNode*> tail_{nullptr};  // last node in the main queue; nullptr: free
};

using Cna = BasicCna<>;

static_assert(sizeof(CnaNode) == 128 && alignof(CnaNode) == 128);
static_assert(sizeof(Cna) == sizeof(void*));
static_assert(synclab::NodeLockable<Cna>);
static_assert(synclab::TryLockable<WithThreadLocalNode<Cna>>);
static_assert(WithThreadLocalNode<Cna>::name == "cna");
static_assert(BasicCna<4>::name == "cna_local4");

}  // namespace synclab::locks
