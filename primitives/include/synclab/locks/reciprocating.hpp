// reciprocating.hpp — Reciprocating locks: arrivals push themselves on a
// stack in constant time; the holder detaches the whole stack at once and
// serves it as the next "entry segment", while newcomers build the next
// stack. Admission alternates between the two, hence the name.
//
// Algorithm: the lock word `arrivals_` is nullptr (free), kLockedEmpty (held,
//   no arrivals since the last detach) or the wait element of the most recent
//   arrival. Every thread owns one wait element, shared by every lock it uses,
//   whose `gate` it spins on while it waits.
//   lock()   clear our gate, swap our element into `arrivals_`. nullptr came
//            back: the lock is ours, and our own element's address marks the
//            bottom of any stack that builds up while we hold it. Otherwise
//            the element we displaced is our successor-to-be (`succ`): the
//            next-older arrival, to whom we will pass the lock. Wait until our
//            gate holds a value: the end-of-segment marker `eos` of the
//            segment we are being admitted in (the value the stack had at its
//            bottom). If succ == eos we are the last of the segment: no
//            successor, and the next segment's bottom will be kLockedEmpty.
//   unlock() with a successor in the segment: write eos into its gate (O(1)).
//            Otherwise try to swing `arrivals_` from eos (nobody arrived) back
//            to nullptr; if newcomers arrived, detach them all by swapping in
//            kLockedEmpty and pass the lock to the top of their stack, with
//            eos as the marker their last member will recognise. O(1) too.
//   The holder's context (succ, eos) goes from lock() to unlock() through two
//   fields of the lock, written and read only by the holder.
//   Markers are compared as values and never dereferenced, so an element's
//   address may serve as a marker while its thread waits on another lock.
// Source: Dice & Kogan, "Reciprocating Locks", PPoPP 2025 (doi
//   10.1145/3710848.3710862; long form arXiv 2501.02380): the algorithm of
//   the paper's main listing (section "The Reciprocating Lock Algorithm"),
//   with a single wait element per thread and the context kept in the lock.
//   Checked against ARM's progress64 p64_rplock.c (BSD-3-Clause), which
//   keeps the context in the node instead and masks the kLockedEmpty tag off
//   `succ` (equivalent: a successor equal to the marker is no successor).
// Guarantees: mutual exclusion; not FIFO: within a segment admission is
//   newest-first (a stack), but a segment is detached only when the previous
//   one is exhausted, so a waiter is admitted in the first segment detached
//   after it arrived. Bounded bypass: between a thread's arrival and its
//   admission every other thread enters at most once (it can only be above
//   it in the same segment), so a waiter waits for at most N - 1 critical
//   sections with N threads (tests/primitives/reciprocating_test.cpp builds
//   that order). Starvation-free. Arrival and release are constant-time (no
//   wait for a late link, unlike MCS). Not reentrant; unlock() only by the
//   thread that locked (the context names its segment).
// Oversubscription: a spin lock with a fixed handoff order, so a preempted
//   successor stalls it as in MCS.
// Memory ordering:
//   lock()   gate.store(nullptr, relaxed): published by the release half of
//            the exchange that follows.
//            arrivals_.exchange(acq_rel): acquire pairs with the release CAS
//            of an unlock that freed the lock (uncontended handoff), and
//            reads the displaced element's own exchange (release), so that
//            element's cleared gate happens-before our later write to it;
//            release publishes our cleared gate likewise.
//            gate.load(acquire): reads the predecessor's release store: its
//            critical section, and its writes to succ_/eos_, happen-before
//            ours.
//   unlock() succ->gate.store(eos, release): the handoff.
//            arrivals_.compare_exchange(eos -> nullptr, release / relaxed):
//            publishes the critical section to the next uncontended locker.
//            arrivals_.exchange(kLockedEmpty, acquire): reads the top arrival's
//            exchange, so its cleared gate happens-before our grant; the grant
//            (release) then carries the critical section.
//   succ_, eos_ (relaxed): the holder's own context, ordered by the
//            acquisition that precedes them; atomic only so that a broken
//            twin's abandoned waiter, which enters without the lock, stays a
//            defined program (no cost: relaxed loads and stores are plain
//            moves).
//   try_lock() arrivals_.compare_exchange(nullptr -> ours, acq_rel / relaxed):
//            acquire as lock()'s exchange; release publishes nothing a
//            waiter reads (our gate is never granted as a try-locker) but
//            keeps the pairing uniform.
// Destroy after the last unlock (as std::mutex allows): every unlock path
//   ends with its release (the gate store or the CAS); nothing is touched
//   after it.
// Layout: the lock is three pointers (24 bytes: the word and the holder's
//   context; the harness pads it). The wait element is thread-local on its
//   own 128-byte block: its predecessor in line writes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"

namespace synclab::locks {

namespace reciprocating_detail {

struct alignas(128) WaitElement {
  std::atomic<WaitElement*> gate{nullptr};  // the segment's end marker once admitted; nullptr: wait
};

inline thread_local WaitElement tls_element;

// Held, with no arrivals since the last detach. Never dereferenced.
inline WaitElement* locked_empty() noexcept {
  return reinterpret_cast<WaitElement*>(std::uintptr_t{1});
}

}  // namespace reciprocating_detail

// How the lock waits, and how an unlock without a successor in its segment
// releases. ReciprocatingWaiting is the algorithm; the parameter exists for
// the tests' broken twin (synclab/testing/broken_reciprocating.hpp), which
// stores nullptr instead and strands whoever arrived meanwhile.
struct ReciprocatingWaiting {
  static constexpr bool checks_arrivals_on_release = true;
  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
  }
};

template <class Waiting = ReciprocatingWaiting>
class BasicReciprocating : Waiting {
  using Element = reciprocating_detail::WaitElement;

 public:
  static constexpr std::string_view name = "reciprocating";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call

  BasicReciprocating() = default;
  BasicReciprocating(const BasicReciprocating&) = delete;
  BasicReciprocating& operator=(const BasicReciprocating&) = delete;
  BasicReciprocating(BasicReciprocating&&) = delete;
  BasicReciprocating& operator=(BasicReciprocating&&) = delete;

  void lock() noexcept {
    Element& mine = reciprocating_detail::tls_element;
    mine.gate.store(nullptr, std::memory_order_relaxed);
    Element* const displaced = arrivals_.exchange(&mine, std::memory_order_acq_rel);
    if (displaced == nullptr) {
      set_context(nullptr, &mine);  // our element: the bottom of the stack that builds up while we hold the lock
      return;
    }
    Element* end_marker = nullptr;
    waiting().spin_until([&] { return (end_marker = mine.gate.load(std::memory_order_acquire)) != nullptr; });
    if (displaced == end_marker) {  // the last of our segment
      set_context(nullptr, reciprocating_detail::locked_empty());
    } else {
      set_context(displaced, end_marker);
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    Element& mine = reciprocating_detail::tls_element;
    Element* expected = nullptr;
    if (!arrivals_.compare_exchange_strong(expected, &mine, std::memory_order_acq_rel, std::memory_order_relaxed))
      return false;
    set_context(nullptr, &mine);
    return true;
  }

  void unlock() noexcept {
    Element* const succ = succ_.load(std::memory_order_relaxed);
    Element* const eos = eos_.load(std::memory_order_relaxed);
    if (succ != nullptr) {
      succ->gate.store(eos, std::memory_order_release);  // next of this segment
      return;
    }
    if constexpr (!Waiting::checks_arrivals_on_release) {
      arrivals_.store(nullptr, std::memory_order_release);
      return;
    }
    Element* expected = eos;
    if (arrivals_.compare_exchange_strong(expected, nullptr, std::memory_order_release, std::memory_order_relaxed))
      return;  // nobody arrived: free
    // Newcomers arrived: they become the next entry segment.
    Element* const top = arrivals_.exchange(reciprocating_detail::locked_empty(), std::memory_order_acquire);
    top->gate.store(eos, std::memory_order_release);
  }

  // The calling thread's place-in-line token, and whether `token` is the
  // most recent arrival (relaxed; for tests and diagnostics only).
  [[nodiscard]] static const void* thread_token() noexcept { return &reciprocating_detail::tls_element; }
  [[nodiscard]] bool is_last(const void* token) const noexcept {
    return arrivals_.load(std::memory_order_relaxed) == token;
  }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  void set_context(Element* succ, Element* eos) noexcept {
    succ_.store(succ, std::memory_order_relaxed);
    eos_.store(eos, std::memory_order_relaxed);
  }

  std::atomic<Element*> arrivals_{nullptr};
  // The holder's context: written after each acquisition, read by its unlock.
  std::atomic<Element*> succ_{nullptr};  // next of the entry segment; nullptr: none
  std::atomic<Element*> eos_{nullptr};   // the entry segment's end marker
};

using Reciprocating = BasicReciprocating<>;

static_assert(sizeof(Reciprocating) == 3 * sizeof(void*));
static_assert(sizeof(reciprocating_detail::WaitElement) == 128);
static_assert(synclab::TryLockable<Reciprocating>);

}  // namespace synclab::locks
