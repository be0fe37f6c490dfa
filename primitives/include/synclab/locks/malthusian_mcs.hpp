// malthusian_mcs.hpp — Malthusian MCS (MCSCR): an MCS lock that restricts
// concurrency. At unlock the holder moves surplus waiters out of the queue
// into a passive list, where they park; only the holder and its immediate
// successor circulate. The answer to the collapse of FIFO spin locks under
// oversubscription: the threads that keep handing the lock to each other are
// the ones that are running, and the others give their CPUs away.
//
// Algorithm (MCS as in mcs.hpp, plus):
//   Waiting: a waiter spins on its node for a bounded number of polls, then
//     marks the node "parked" (CAS) and sleeps on it with a futex; the grant
//     is an exchange that tells the granter whether to wake it. Spinning
//     keeps the active successor's handoff at cache-line speed; parking takes
//     the surplus off the CPUs.
//   Culling: in unlock(), if the successor has a successor which is not the
//     last in line (its own next is linked), that node is surplus: it is
//     unlinked (the successor's next skips it) and appended to the passive
//     list. One per unlock: the queue shrinks to holder + successor (+ the
//     tail, which cannot be unlinked without a CAS race with new arrivals).
//   Readmission: an unlock that finds the main queue empty grants the oldest
//     passive node instead of freeing the lock (it becomes the new tail, or
//     takes the late arrival as its successor). For long-term fairness, every
//     PromoteEvery-th unlock also puts the oldest passive node in front of
//     the successor.
//   The passive list and the unlock counter belong to the holder: plain
//   fields, ordered by the lock itself.
// Source: Dice, "Malthusian Locks", EuroSys 2017 (doi
//   10.1145/3064176.3064203; arXiv 1511.06035): MCSCR, the
//   concurrency-restricting MCS of section "MCSCR", with the spin-then-park
//   waiting the paper evaluates (MCSCR-STP) and its periodic promotion of a
//   passive thread for long-term fairness. Two choices are the lab's: the
//   passive list is FIFO (the paper keeps it LIFO, favouring the threads
//   whose caches are warm, and promotes from the far end), and promotion is
//   every PromoteEvery unlocks (the paper: a Bernoulli trial of the same
//   mean): deterministic, and a test can check the bound.
// Guarantees: mutual exclusion; starvation-free: a passive waiter is readmitted
//   after at most PromoteEvery unlocks per passive waiter ahead of it, or as
//   soon as the queue empties. Not FIFO (culled waiters wait longer: the
//   point). Not reentrant; unlock(n) only by the holder, with the node it
//   locked with (a NodeLockable, registered through WithThreadLocalNode).
//   try_lock(n) succeeds only when the lock is free, and then nobody waits,
//   active or passive (an unlock never frees the lock with passive waiters).
// Oversubscription: the active set is two threads; the others sleep. The
//   successor may still be preempted (it spins first), and a promotion or
//   readmission wakes a sleeper: the lock then idles for one wake-up latency.
//   On a machine with as many PUs as threads it behaves as MCS plus the spin
//   budget check.
// Memory ordering:
//   lock()   as MCS: node stores relaxed, published by the acq_rel exchange;
//            pred->next.store(release).
//            state.load(acquire) / the failed park CAS (acquire) read the
//            grant (release exchange): the previous holder's critical
//            section, and its writes to the passive list, happen-before ours.
//   unlock() next.load(acquire) on our node, on the successor's (culling):
//            pair with the release links, so the nodes are initialised
//            before we write into them. Passive-list links are plain.
//            tail_ CAS (release / relaxed) to nullptr: publishes the critical
//            section to the next uncontended locker; to a passive node: the
//            grant that follows carries it.
//            state.exchange(granted, release): the handoff; it returns
//            "parked" when the waiter sleeps, and then (only then) the
//            granter issues the futex wake. Futex calls order nothing.
// Destroy after the last unlock (as std::mutex allows): the release is the
//   grant or the CAS to nullptr; afterwards unlock() at most wakes the
//   granted node's futex word, a syscall on the node's address (never the
//   lock's), which the kernel does not read.
// Layout: the tail alone on a 128-byte block; the holder's state (passive
//   list, counters) on the next one, so arrivals' swaps and the holder's
//   bookkeeping do not share a line. Nodes as MCS: 128-byte aligned.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/compile_time_name.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/with_thread_local_node.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::locks {

inline constexpr std::uint32_t kMalthusianPromoteEvery = 4096;
// Polls of its own node before a waiter parks: about the wait of an active
// successor (one critical section and a handoff) with room to spare.
inline constexpr std::uint32_t kMalthusianSpins = 1000;

struct alignas(128) MalthusianNode {
  MalthusianNode() = default;
  MalthusianNode(const MalthusianNode&) = delete;
  MalthusianNode& operator=(const MalthusianNode&) = delete;
  MalthusianNode(MalthusianNode&&) = delete;
  MalthusianNode& operator=(MalthusianNode&&) = delete;

  static constexpr std::uint32_t kWaiting = 0;
  static constexpr std::uint32_t kGranted = 1;
  static constexpr std::uint32_t kParked = 2;

  std::atomic<MalthusianNode*> next{nullptr};      // successor, linked by the successor itself
  std::atomic<std::uint32_t> state{kWaiting};      // the futex word
  MalthusianNode* passive_next = nullptr;          // passive list link; the holder's
};

// How a waiter waits for its grant, how it waits for a late link, and
// whether passive waiters are ever readmitted. MalthusianWaiting is the
// algorithm; the parameter exists for the tests' broken twin
// (synclab/testing/broken_malthusian.hpp).
struct MalthusianWaiting {
  static constexpr bool readmits_passive = true;

  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
  }

  // Spin, then park on the node's state until it is granted.
  static void await_grant(std::atomic<std::uint32_t>& state) noexcept {
    for (std::uint32_t i = 0; i < kMalthusianSpins; ++i) {
      if (state.load(std::memory_order_acquire) == MalthusianNode::kGranted) return;
      cpu_relax();
    }
    std::uint32_t expected = MalthusianNode::kWaiting;
    if (!state.compare_exchange_strong(expected, MalthusianNode::kParked, std::memory_order_acquire,
                                       std::memory_order_acquire))
      return;  // granted meanwhile
    while (state.load(std::memory_order_acquire) != MalthusianNode::kGranted) {
      wait::futex_wait(state, MalthusianNode::kParked);
    }
  }
};

template <std::uint32_t PromoteEvery = kMalthusianPromoteEvery, class Waiting = MalthusianWaiting>
class BasicMalthusianMcs : Waiting {
 public:
  // "malthusian_mcs" for the default period, "malthusian_mcs_promote<N>" otherwise.
  static constexpr std::string_view name = PromoteEvery == kMalthusianPromoteEvery
                                               ? static_name<compose_name("malthusian_mcs")>
                                               : static_name<compose_name("malthusian_mcs_promote", PromoteEvery)>;
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call
  using node_type = MalthusianNode;

  BasicMalthusianMcs() = default;
  BasicMalthusianMcs(const BasicMalthusianMcs&) = delete;
  BasicMalthusianMcs& operator=(const BasicMalthusianMcs&) = delete;
  BasicMalthusianMcs(BasicMalthusianMcs&&) = delete;
  BasicMalthusianMcs& operator=(BasicMalthusianMcs&&) = delete;

  void lock(MalthusianNode& n) noexcept {
    n.next.store(nullptr, std::memory_order_relaxed);
    n.state.store(MalthusianNode::kWaiting, std::memory_order_relaxed);
    MalthusianNode* const pred = tail_.value.exchange(&n, std::memory_order_acq_rel);
    if (pred == nullptr) return;
    pred->next.store(&n, std::memory_order_release);
    waiting().await_grant(n.state);
  }

  [[nodiscard]] bool try_lock(MalthusianNode& n) noexcept {
    n.next.store(nullptr, std::memory_order_relaxed);
    n.state.store(MalthusianNode::kWaiting, std::memory_order_relaxed);
    MalthusianNode* expected = nullptr;
    return tail_.value.compare_exchange_strong(expected, &n, std::memory_order_acq_rel, std::memory_order_relaxed);
  }

  void unlock(MalthusianNode& n) noexcept {
    MalthusianNode* succ = n.next.load(std::memory_order_acquire);
    if (succ == nullptr) {
      if (MalthusianNode* const passive = Waiting::readmits_passive ? take_passive() : nullptr) {
        readmit_at_tail(n, *passive);
        return;
      }
      MalthusianNode* expected = &n;
      if (tail_.value.compare_exchange_strong(expected, nullptr, std::memory_order_release,
                                              std::memory_order_relaxed))
        return;  // nobody queued behind us
      waiting().spin_until([&] { return (succ = n.next.load(std::memory_order_acquire)) != nullptr; });
    }
    cull_behind(*succ);
    if (Waiting::readmits_passive && ++holder_.unlocks % PromoteEvery == 0) {
      if (MalthusianNode* const passive = take_passive()) {
        passive->next.store(succ, std::memory_order_relaxed);
        succ = passive;
      }
    }
    grant(*succ);
  }

  // For tests and diagnostics (relaxed): the passive list's length, whether
  // `n` is the most recently queued node.
  [[nodiscard]] std::uint32_t passive_count() const noexcept {
    return holder_.passive_count.load(std::memory_order_relaxed);
  }
  [[nodiscard]] bool is_last(const MalthusianNode& n) const noexcept {
    return tail_.value.load(std::memory_order_relaxed) == &n;
  }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  void grant(MalthusianNode& to) noexcept {
    const bool parked = to.state.exchange(MalthusianNode::kGranted, std::memory_order_release) ==
                        MalthusianNode::kParked;
    stall_point(StallPoint::after_release, this);
    if (parked) wait::futex_wake_one(to.state);
  }

  // The successor's successor is surplus unless it is the tail.
  void cull_behind(MalthusianNode& succ) noexcept {
    MalthusianNode* const surplus = succ.next.load(std::memory_order_acquire);
    if (surplus == nullptr) return;
    MalthusianNode* const after = surplus->next.load(std::memory_order_acquire);
    if (after == nullptr) return;  // the tail: a new arrival may be linking behind it
    succ.next.store(after, std::memory_order_relaxed);
    append_passive(*surplus);
  }

  // Grants `passive` with the main queue empty behind us: it becomes the
  // tail, unless an arrival beat us to it, which then becomes its successor.
  void readmit_at_tail(MalthusianNode& n, MalthusianNode& passive) noexcept {
    passive.next.store(nullptr, std::memory_order_relaxed);
    MalthusianNode* expected = &n;
    if (!tail_.value.compare_exchange_strong(expected, &passive, std::memory_order_release,
                                             std::memory_order_relaxed)) {
      MalthusianNode* late = nullptr;
      waiting().spin_until([&] { return (late = n.next.load(std::memory_order_acquire)) != nullptr; });
      passive.next.store(late, std::memory_order_relaxed);
    }
    grant(passive);
  }

  void append_passive(MalthusianNode& node) noexcept {
    node.passive_next = nullptr;
    if (holder_.passive_tail == nullptr)
      holder_.passive_head = &node;
    else
      holder_.passive_tail->passive_next = &node;
    holder_.passive_tail = &node;
    holder_.passive_count.store(holder_.passive_count.load(std::memory_order_relaxed) + 1,
                                std::memory_order_relaxed);
  }

  MalthusianNode* take_passive() noexcept {
    MalthusianNode* const node = holder_.passive_head;
    if (node == nullptr) return nullptr;
    holder_.passive_head = node->passive_next;
    if (holder_.passive_head == nullptr) holder_.passive_tail = nullptr;
    holder_.passive_count.store(holder_.passive_count.load(std::memory_order_relaxed) - 1,
                                std::memory_order_relaxed);
    return node;
  }

  struct alignas(128) Tail {
    std::atomic<MalthusianNode*> value{nullptr};  // last node in the main queue; nullptr: free
  };
  struct alignas(128) Holder {
    MalthusianNode* passive_head = nullptr;  // oldest passive waiter
    MalthusianNode* passive_tail = nullptr;
    std::uint32_t unlocks = 0;
    std::atomic<std::uint32_t> passive_count{0};  // written by the holder only; atomic for diagnostics
  };

  Tail tail_;
  Holder holder_;
};

using MalthusianMcs = BasicMalthusianMcs<>;

static_assert(sizeof(MalthusianNode) == 128 && alignof(MalthusianNode) == 128);
static_assert(sizeof(MalthusianMcs) == 256);
static_assert(synclab::NodeLockable<MalthusianMcs>);
static_assert(synclab::TryLockable<WithThreadLocalNode<MalthusianMcs>>);
static_assert(WithThreadLocalNode<MalthusianMcs>::name == "malthusian_mcs");
static_assert(BasicMalthusianMcs<8>::name == "malthusian_mcs_promote8");

}  // namespace synclab::locks
