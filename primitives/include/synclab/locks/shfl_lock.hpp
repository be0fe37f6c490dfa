// shfl_lock.hpp — ShflLock, the shuffling lock: a test-and-set lock word
// decoupled from an MCS-style queue of waiters, whose waiters reorder the
// queue while they wait (here by the NUMA policy: waiters of the shuffler's
// domain move forward). Two variants: `shfl_lock` (waiters spin) and
// `shfl_lock_blocking` (waiters park; the shuffler wakes the ones it moves).
//
// Algorithm:
//   The lock is a 32-bit word `locked_` (0 free, 1 held) and the queue's tail
//   pointer. unlock() is one store of 0: it never looks at the queue.
//   lock()  fast path: if nobody is queued (tail_ is nullptr), try the CAS
//           0 -> 1 on the word ("lock stealing").
//           slow path: a node on lock()'s own stack, tagged with the caller's
//           domain, is swapped into tail_ and linked behind its predecessor;
//           the waiter spins on its node's status until it is the queue head.
//           The head spins on the lock word and CASes it 0 -> 1; once it holds
//           the lock it makes its successor the head (status store) or, with
//           none linked, swings tail_ back to nullptr (waiting for a late link
//           if that CAS fails), and returns: the node is not needed by
//           unlock(), so it dies with lock()'s frame.
//   Shuffling: one waiter at a time holds the shuffler role (a flag in its
//           node). A head whose node is in no batch starts a batch: batch
//           count 1, role its own. While the role holder waits (head or not)
//           it walks the queue behind itself: a waiter of its domain that
//           directly follows the batch's last node joins the batch where it
//           is; one further back is unlinked and re-linked right after the
//           batch's last node (it overtakes the waiters of other domains in
//           between); each joiner gets the next batch count. The walk stops at
//           the tail (a node whose next is still nullptr is never moved: an
//           arrival may be linking to it), when the batch count reaches
//           MaxShuffles, or, for a head, when the lock word reads free. The
//           role then passes to the batch's last node (which continues from
//           there) or, with the batch full, is dropped; the next head that is
//           in no batch starts the next one. Only the role holder rewrites
//           links, only links that are already non-null (arrivals write only
//           the tail's null link), and only behind itself (the head hands on
//           its own next, which the role holder never changes unless it is
//           the head itself).
//   Blocking variant: a non-head waiter spins on its status for kShflSpins
//           polls, then marks its node parked (CAS) and sleeps on the status
//           word (futex). The shuffler wakes the first kShflWakeAhead waiters
//           it adds to its batch in each pass if they are parked, and the head
//           hand-over (an exchange) wakes the new head if it is parked: the
//           next holders are running before the lock reaches them. The head
//           never sleeps: after kShflSpins polls of the lock word it yields
//           the CPU between polls (sched_yield), so unlock() stays a store.
// Source: Kashyap, Calciu, Cheng, Min, Kim, "Scalable and Practical Locking
//   with Shuffling", SOSP 2019 (doi 10.1145/3341301.3359629), section 4,
//   "ShflLocks": the shuffling mechanism, the non-blocking ShflLock (TAS word
//   plus MCS queue, head spinning on the word, NUMA policy with a batch
//   bound) and the blocking ShflLock (spin-then-park waiters woken by the
//   shuffler off the critical path). Written from the paper's description;
//   these choices are the lab's:
//   - stealing: a newcomer steals only when it reads an empty queue
//     (tail_ == nullptr): the lab's rule, chosen for the hard bound below;
//   - the batch bound MaxShuffles = 1024 (the paper: a tunable threshold),
//     counting the batch's starter;
//   - blocking: the head spins and then yields, never parks (so unlock() has
//     no wake to do), and the shuffler wakes at most kShflWakeAhead = 2
//     waiters per pass (the paper: the shuffler wakes the waiters it
//     shuffles), so oversubscribed runs do not wake the whole queue; the
//     hand-over wakes a new head that went back to sleep.
//   - the paper's kernel lock packs the word and tail into one 8-byte word
//     with a CPU-number tail; C++ objects need the pointer: 16 bytes.
// Domains: cohort_domains.hpp, as `cohort` and `cna`: one domain unless a map
//   is installed (the benchmark binary: hwloc; tests: a synthetic one). With
//   one domain every waiter joins the batch where it stands: shuffling moves
//   nobody and the lock is a FIFO queue lock with a TAS word (the blocking
//   variant still uses the batch walk to wake the next waiters).
// Guarantees: mutual exclusion (only the CAS 0 -> 1 on the word admits).
//   Bounded bypass: a queued waiter W is overtaken (a) by stealers: each other
//   thread at most once while W is queued, because from W's swap until W
//   leaves the queue tail_ is never nullptr and a stealer must read it
//   nullptr (at most N - 1 steals, N threads, counting from when W's swap is
//   visible to them: a relaxed load may lag it by a store buffer's drain);
//   (b) by shuffling: only waiters
//   of a batch started ahead of W by a waiter of another domain move past W,
//   at most MaxShuffles - 1 per batch, and each domain can start at most one
//   such batch while W waits (a batch leaves ahead of W only its own members
//   and waiters of other domains): at most (D - 1)(MaxShuffles - 1) with D
//   domains, MaxShuffles - 1 with two. Within a domain the queue order holds.
//   Starvation-free. Not reentrant. try_lock() is the fast path: it fails
//   whenever someone is queued, even if the word is free at that instant.
// Oversubscription: `shfl_lock` is a FIFO spin lock behind its head: a
//   preempted head or next waiter stalls the line, as MCS; stealing while the
//   queue is empty softens it little. `shfl_lock_blocking` parks the waiters
//   behind the head and yields in the head, so the threads that hold the CPUs
//   are the holder, the head and the waiters just woken.
// Memory ordering:
//   locked_ CAS 0 -> 1 (acquire; failure relaxed): reads the previous
//            holder's release store: its critical section happens-before ours.
//   unlock() locked_.store(0, release): publishes the critical section.
//   tail_ load in the fast path (relaxed): a hint; exclusion is the CAS's.
//   tail_.exchange (acq_rel): release publishes our node's initialisation
//            (domain, status) to whoever follows the pointer; acquire makes
//            the predecessor's node initialised before we link into it.
//   links: every store of a next pointer is release and every load acquire
//            (arrivals linking, the shuffler relinking): whoever reaches a
//            node through a chain of links sees its domain and batch count.
//   status: the hand-over is a release store (spinning) or release exchange
//            (blocking, which reads whether the head slept); the waiter loads
//            it with acquire, so the previous head's writes (batch, role,
//            links behind it) are visible to the new head. Park: CAS waiting
//            -> parked (acquire: a failure read the hand-over). The shuffler's
//            wake CAS parked -> waiting orders nothing (relaxed): it only
//            makes the waiter poll again. Futex calls order nothing.
//   role flag: passing it is a release store, the holder polls it with
//            acquire, so the batch count the passer wrote is seen. Batch
//            counts and domains are relaxed atomics published by those.
//   tail_ CAS (our node -> nullptr, release; failure relaxed): the queue is
//            empty again; the next arrival's exchange reads it.
// Destroy after the last unlock (as std::mutex allows): unlock() is the one
//   store. Nodes live on lock()'s stack; a node is touched by others only
//   while its owner waits in lock(), except the hand-over's futex wake of a
//   parked head, a syscall on an address (the kernel reads nothing) that may
//   by then belong to a returned frame: at worst a spurious wake-up, which
//   every futex waiter tolerates.
// Layout: the word and the tail share one 16-byte object (the fast path reads
//   both); a node is 128-byte aligned and sized, as the other queue locks'.
#pragma once

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/compile_time_name.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/cohort_domains.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::locks {

inline constexpr std::uint32_t kShflMaxShuffles = 1024;
// Blocking variant: polls before a waiter parks (or the head starts
// yielding), and how many waiters a shuffle pass wakes at most.
inline constexpr std::uint32_t kShflSpins = 1000;
inline constexpr std::uint32_t kShflWakeAhead = 2;

struct alignas(128) ShflNode {
  ShflNode() = default;
  ShflNode(const ShflNode&) = delete;
  ShflNode& operator=(const ShflNode&) = delete;
  ShflNode(ShflNode&&) = delete;
  ShflNode& operator=(ShflNode&&) = delete;

  static constexpr std::uint32_t kWaiting = 0;
  static constexpr std::uint32_t kHead = 1;    // the queue head: compete for the word
  static constexpr std::uint32_t kParked = 2;  // blocking variant: asleep on `status`

  std::atomic<ShflNode*> next{nullptr};
  std::atomic<std::uint32_t> status{kWaiting};  // the futex word
  std::atomic<std::uint32_t> domain{0};
  std::atomic<std::uint32_t> batch{0};          // 0: in no batch; else its place in the batch
  std::atomic<bool> shuffler{false};            // holds the shuffler role
};

// How ShflLock waits and wakes, and whether it bounds its batches. The
// defaults are the algorithm; the parameter exists for the tests' broken
// twins and counters (synclab/testing/broken_shfl_lock.hpp).
struct ShflWaiting {
  static constexpr bool bounds_batches = true;
  static constexpr bool wakes_new_head = true;

  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
  }
  void park(std::atomic<std::uint32_t>& status) noexcept {
    while (status.load(std::memory_order_acquire) == ShflNode::kParked) wait::futex_wait(status, ShflNode::kParked);
  }
  void wake_shuffled(std::atomic<std::uint32_t>& status) noexcept { wait::futex_wake_one(status); }
  void wake_head(std::atomic<std::uint32_t>& status) noexcept { wait::futex_wake_one(status); }
};

template <bool Blocking, std::uint32_t MaxShuffles = kShflMaxShuffles, class Waiting = ShflWaiting>
class BasicShflLock : Waiting {
  static_assert(MaxShuffles >= 1);

 public:
  // "shfl_lock" / "shfl_lock_blocking" for the default bound,
  // "shfl_lock_batch<N>" / "shfl_lock_blocking_batch<N>" otherwise.
  static constexpr std::string_view name =
      MaxShuffles == kShflMaxShuffles
          ? (Blocking ? static_name<compose_name("shfl_lock_blocking")> : static_name<compose_name("shfl_lock")>)
          : (Blocking ? static_name<compose_name("shfl_lock_blocking_batch", MaxShuffles)>
                      : static_name<compose_name("shfl_lock_batch", MaxShuffles)>);
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp (or never)

  BasicShflLock() = default;
  BasicShflLock(const BasicShflLock&) = delete;
  BasicShflLock& operator=(const BasicShflLock&) = delete;
  BasicShflLock(BasicShflLock&&) = delete;
  BasicShflLock& operator=(BasicShflLock&&) = delete;

  void lock() noexcept {
    if (try_lock()) return;
    lock_slow();
  }

  [[nodiscard]] bool try_lock() noexcept {
    if (tail_.load(std::memory_order_relaxed) != nullptr) return false;  // no stealing past waiters
    std::uint32_t expected = kFree;
    return locked_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire, std::memory_order_relaxed);
  }

  void unlock() noexcept { locked_.store(kFree, std::memory_order_release); }

  // For tests: the most recently queued node, nullptr if none (acquire: its
  // initialisation is visible to the caller, who may read its links).
  [[nodiscard]] const ShflNode* queue_tail() const noexcept { return tail_.load(std::memory_order_acquire); }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kHeld = 1;

  [[gnu::noinline]] void lock_slow() noexcept {
    ShflNode me;
    me.domain.store(cohort_domains::current_domain(), std::memory_order_relaxed);
    ShflNode* const pred = tail_.exchange(&me, std::memory_order_acq_rel);
    if (pred != nullptr) {
      pred->next.store(&me, std::memory_order_release);
      wait_until_head(me);
    }
    if (me.batch.load(std::memory_order_relaxed) == 0) {  // in no batch: start one
      me.batch.store(1, std::memory_order_relaxed);
      me.shuffler.store(true, std::memory_order_relaxed);
    }
    acquire_word(me);
    hand_on_head(me);
  }

  // A waiter behind the head: until the status says head.
  void wait_until_head(ShflNode& me) noexcept {
    std::uint32_t polls = 0;
    for (;;) {
      if (me.status.load(std::memory_order_acquire) == ShflNode::kHead) return;
      if (me.shuffler.load(std::memory_order_acquire)) shuffle(me, false);
      if constexpr (Blocking) {
        if (++polls >= kShflSpins) {
          polls = 0;
          std::uint32_t expected = ShflNode::kWaiting;
          if (!me.status.compare_exchange_strong(expected, ShflNode::kParked, std::memory_order_acquire,
                                                 std::memory_order_acquire))
            continue;  // made head meanwhile
          waiting().park(me.status);  // back as head, or woken by the shuffler to spin again
          continue;
        }
      }
      cpu_relax();
    }
  }

  // The head: take the word, shuffling while it is held.
  void acquire_word(ShflNode& me) noexcept {
    std::uint32_t polls = 0;
    for (;;) {
      std::uint32_t expected = kFree;
      if (locked_.load(std::memory_order_relaxed) == kFree &&
          locked_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire, std::memory_order_relaxed))
        return;
      if (me.shuffler.load(std::memory_order_acquire)) shuffle(me, true);
      if constexpr (Blocking) {
        if (polls >= kShflSpins) {
          sched_yield();
          continue;
        }
        ++polls;
      }
      cpu_relax();
    }
  }

  // We hold the lock: make the next waiter the head, or empty the queue.
  void hand_on_head(ShflNode& me) noexcept {
    ShflNode* next = me.next.load(std::memory_order_acquire);
    if (next == nullptr) {
      ShflNode* expected = &me;
      if (tail_.compare_exchange_strong(expected, nullptr, std::memory_order_release, std::memory_order_relaxed))
        return;
      waiting().spin_until([&] { return (next = me.next.load(std::memory_order_acquire)) != nullptr; });
    }
    if constexpr (Blocking) {
      const std::uint32_t was = next->status.exchange(ShflNode::kHead, std::memory_order_release);
      if (Waiting::wakes_new_head && was == ShflNode::kParked) waiting().wake_head(next->status);
    } else {
      next->status.store(ShflNode::kHead, std::memory_order_release);
    }
  }

  // One pass of the role holder `me` over the waiters behind it.
  void shuffle(ShflNode& me, bool is_head) noexcept {
    std::uint32_t count = me.batch.load(std::memory_order_relaxed);
    if (Waiting::bounds_batches && count >= MaxShuffles) {  // batch full: nobody shuffles until the next one
      me.shuffler.store(false, std::memory_order_relaxed);
      return;
    }
    const std::uint32_t mine = me.domain.load(std::memory_order_relaxed);
    ShflNode* last = &me;  // the batch's last node
    ShflNode* prev = &me;  // the node before `cur`
    std::uint32_t woken = 0;
    for (;;) {
      ShflNode* const cur = prev->next.load(std::memory_order_acquire);
      if (cur == nullptr) break;
      if (cur->domain.load(std::memory_order_relaxed) == mine) {
        if (prev == last) {  // next in line already: joins where it is
          last = prev = cur;
        } else {
          ShflNode* const after = cur->next.load(std::memory_order_acquire);
          if (after == nullptr) break;  // the tail: an arrival may be linking to it
          prev->next.store(after, std::memory_order_release);
          cur->next.store(last->next.load(std::memory_order_relaxed), std::memory_order_release);
          last->next.store(cur, std::memory_order_release);
          last = cur;
        }
        cur->batch.store(++count, std::memory_order_relaxed);
        if constexpr (Blocking) {
          if (woken < kShflWakeAhead) {
            ++woken;
            std::uint32_t parked = ShflNode::kParked;
            if (cur->status.compare_exchange_strong(parked, ShflNode::kWaiting, std::memory_order_relaxed,
                                                    std::memory_order_relaxed))
              waiting().wake_shuffled(cur->status);
          }
        }
        if (Waiting::bounds_batches && count >= MaxShuffles) break;
      } else {
        prev = cur;
      }
      if (is_head && locked_.load(std::memory_order_relaxed) == kFree) break;  // the lock first
    }
    if (last != &me) {
      me.shuffler.store(false, std::memory_order_relaxed);
      last->shuffler.store(true, std::memory_order_release);
    }
  }

  std::atomic<std::uint32_t> locked_{kFree};
  std::atomic<ShflNode*> tail_{nullptr};  // last queued node; nullptr: nobody queued
};

using ShflLock = BasicShflLock<false>;
using ShflLockBlocking = BasicShflLock<true>;

static_assert(sizeof(ShflNode) == 128 && alignof(ShflNode) == 128);
static_assert(sizeof(ShflLock) == 16 && sizeof(ShflLockBlocking) == 16);
static_assert(synclab::TryLockable<ShflLock>);
static_assert(synclab::TryLockable<ShflLockBlocking>);
static_assert(ShflLock::name == "shfl_lock");
static_assert(ShflLockBlocking::name == "shfl_lock_blocking");
static_assert(BasicShflLock<false, 4>::name == "shfl_lock_batch4");

}  // namespace synclab::locks
