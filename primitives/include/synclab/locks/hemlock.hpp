// hemlock.hpp — Hemlock: a FIFO queue lock with one word per lock and one
// word per thread, and no node passed from lock() to unlock().
//
// Algorithm: the lock is a pointer to the grant word of the last thread in
//   line (nullptr: free). Every thread owns one grant word, shared by every
//   Hemlock it uses; it is empty (nullptr) except while its thread is handing
//   a lock over.
//   lock()   swap our grant word's address into `tail_`. If there was a
//            predecessor, wait until its grant word holds this lock's address
//            (the predecessor is passing *this* lock to us), then empty it:
//            the acknowledgement the predecessor waits for.
//   unlock() if `tail_` still points at our grant word, nobody waits: swing it
//            back to nullptr. Otherwise write this lock's address into our
//            grant word and wait for the successor to empty it. The wait is
//            what lets one word serve every lock a thread holds: the word is
//            empty again before unlock() returns, so the next unlock (of this
//            or another lock) cannot overwrite a grant nobody has taken yet
//            (the broken twin in tests/support/include/synclab/testing/
//            broken_hemlock.hpp skips it and strands successors).
//   A thread that holds several Hemlocks can have several successors polling
//   its one grant word, each for a different lock address; each acts only on
//   its own.
// Source: Dice & Kogan, "Hemlock: Compact and Scalable Mutual Exclusion",
//   SPAA 2021 (arXiv 2102.03863): the algorithm of section 3 (Listing 1) with
//   the Coherence Traffic Reduction (CTR) refinement the paper evaluates as
//   its default: a waiter polls the predecessor's grant word with a
//   compare-and-swap (grant == L ? nullptr) rather than a load, so the line
//   is requested in exclusive state once instead of shared then upgraded,
//   and the poll that sees the grant is also the acknowledgement. Checked
//   against ARM's progress64 p64_hemlock.c (BSD-3-Clause), which polls with
//   loads (the paper's Listing 1).
// Guarantees: mutual exclusion; FIFO in swap order (starvation-free); not
//   reentrant; unlock() only by the thread that locked (the grant word is the
//   calling thread's). try_lock() succeeds only on an empty queue. A thread
//   may hold any number of Hemlocks at once and release them in any order.
// Context-free: nothing travels from lock() to unlock() (MCS needs the node);
//   the lock() / unlock() interface costs one thread-local address lookup.
// Oversubscription: a FIFO spin lock: a preempted next-in-line stalls the
//   lock as for mcs and ticket. Worse than MCS in one respect: unlock() waits
//   for the successor's acknowledgement, so a successor preempted right after
//   it was granted also holds its predecessor in unlock() (the price of one
//   word per thread instead of a node per acquisition).
// Memory ordering:
//   lock()   tail_.exchange(acq_rel): acquire pairs with the release of the
//            last unlock's CAS (uncontended handoff); release publishes that
//            our grant word is empty (our previous unlock read the
//            acknowledgement before this exchange) to the next arrival, which
//            polls it: read-read coherence then keeps it from seeing a stale
//            grant of an earlier round.
//            pred grant CAS (L -> nullptr, acq_rel / relaxed): acquire reads
//            the predecessor's release store of L, so its critical section
//            happens-before ours; release orders this, our last access to the
//            predecessor's word, before the predecessor's return from unlock()
//            (which may then reuse the word or end its thread and free it).
//            A failed poll orders nothing.
//   unlock() tail_.compare_exchange(ours -> nullptr, release / relaxed): on
//            success the next locker's exchange reads it (acquire).
//            grant.store(L, release): the handoff; publishes the critical
//            section to the successor's acquire CAS.
//            grant.load(acquire) until empty: pairs with the acknowledgement.
//   try_lock() tail_.compare_exchange(nullptr -> ours, acq_rel / relaxed):
//            acquire as lock()'s exchange, release for the same reason.
// Destroy after the last unlock (as std::mutex allows): after the grant
//   store, unlock() only waits on the caller's own grant word; it never
//   touches the lock again. The lock's address is compared as a value, never
//   dereferenced by a waiter.
// Layout: the lock is one pointer (the harness pads it). The grant word is
//   thread-local on its own 128-byte block: successors write it (the CTR
//   poll), so it must not share a line, or an adjacent-line prefetch pair,
//   with the thread's other data.
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::locks {

namespace hemlock_detail {

struct alignas(128) GrantWord {
  std::atomic<const void*> grant{nullptr};  // the lock being handed over; nullptr: none
};

inline thread_local GrantWord tls_grant;

}  // namespace hemlock_detail

// How Hemlock waits, and whether unlock() waits for the acknowledgement.
// HemlockWaiting is the algorithm; the parameter exists for the tests' broken
// twin (synclab/testing/broken_hemlock.hpp), which skips that wait. A
// stateless policy costs no byte (an empty base).
struct HemlockWaiting {
  static constexpr bool waits_for_ack = true;
  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
  }
};

template <class Waiting = HemlockWaiting>
class BasicHemlock : Waiting {
 public:
  static constexpr std::string_view name = "hemlock";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call

  BasicHemlock() = default;
  BasicHemlock(const BasicHemlock&) = delete;
  BasicHemlock& operator=(const BasicHemlock&) = delete;
  BasicHemlock(BasicHemlock&&) = delete;
  BasicHemlock& operator=(BasicHemlock&&) = delete;

  void lock() noexcept {
    hemlock_detail::GrantWord* const pred = tail_.exchange(&mine(), std::memory_order_acq_rel);
    if (pred == nullptr) return;  // queue was empty: the lock is ours
    waiting().spin_until([&] {
      const void* expected = this;
      return pred->grant.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel,
                                                 std::memory_order_relaxed);
    });
  }

  [[nodiscard]] bool try_lock() noexcept {
    hemlock_detail::GrantWord* expected = nullptr;
    return tail_.compare_exchange_strong(expected, &mine(), std::memory_order_acq_rel, std::memory_order_relaxed);
  }

  void unlock() noexcept {
    hemlock_detail::GrantWord& own = mine();
    hemlock_detail::GrantWord* expected = &own;
    if (tail_.compare_exchange_strong(expected, nullptr, std::memory_order_release, std::memory_order_relaxed))
      return;  // nobody queued behind us
    own.grant.store(this, std::memory_order_release);  // hands the lock to the successor
    stall_point(StallPoint::after_release, this);
    if constexpr (Waiting::waits_for_ack) {
      waiting().spin_until([&] { return own.grant.load(std::memory_order_acquire) == nullptr; });
    }
  }

  // The calling thread's place-in-line token, and whether `token` is the last
  // in line (relaxed; for tests and diagnostics only).
  [[nodiscard]] static const void* thread_token() noexcept { return &mine(); }
  [[nodiscard]] bool is_last(const void* token) const noexcept { return tail_.load(std::memory_order_relaxed) == token; }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  static hemlock_detail::GrantWord& mine() noexcept { return hemlock_detail::tls_grant; }

  std::atomic<hemlock_detail::GrantWord*> tail_{nullptr};  // grant word of the last in line; nullptr: free
};

using Hemlock = BasicHemlock<>;

static_assert(sizeof(Hemlock) == sizeof(void*));
static_assert(sizeof(hemlock_detail::GrantWord) == 128);
static_assert(std::atomic<const void*>::is_always_lock_free);
static_assert(synclab::TryLockable<Hemlock>);

}  // namespace synclab::locks
