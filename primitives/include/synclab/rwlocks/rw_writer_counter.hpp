// rw_writer_counter.hpp — the futex reader-writer lock whose writers sleep on
// a word of their own, so that readers coming and going do not wake them.
//
// Algorithm (Rust Atomics and Locks, ch. 9 "Avoiding Busy-Looping Writers"):
//   state as in rw_minimal: number of readers, u32::MAX when write-locked.
//   writer wake counter: a second futex word, changed whenever a writer may
//   have become able to proceed; writers sleep on it, readers never do.
//   Both words are the two halves of one 64-bit atomic (state low, counter
//   high), so a release and the counter change it announces are one
//   read-modify-write.
//   lock()          CAS the state 0 -> u32::MAX, counter unchanged; while the
//                   state is not 0, sleep on the counter half with the
//                   counter value read together with that state.
//   unlock_shared() one fetch_add of 2^32 - 1: the state one down, the
//                   counter one up (the borrow out of the low half is the
//                   carry into the high half). The reader whose add took the
//                   state from 1 to 0 wakes one writer.
//   unlock()        one fetch_add of 1: u32::MAX + 1 carries into the
//                   counter and leaves the state 0. Then wake one writer and
//                   every reader sleeping on the state.
//   lock_shared()   as rw_minimal, on the low half.
// Destroy after the last unlock (as std::shared_mutex allows): the RMW that
//   releases the lock is the last access to it; the wakes that follow are
//   syscalls on its address, which the kernel only uses as a key (a wake on
//   a freed or reused word wakes nobody, or wakes a futex waiter there
//   spuriously, which every futex waiter tolerates). The book's version
//   stores the state and then bumps the counter: a thread that takes the
//   lock in between and destroys it makes that bump write freed memory
//   (tests/primitives/lifetime_test.cpp holds the unlocking thread there).
// Guarantees: as rw_minimal (reader-preferring: writers can still starve
//   while readers overlap), minus the busy loop: a waiting writer sleeps
//   until the last reader or the writer leaves, whatever the readers do in
//   between. (A reader leaving changes the counter too; a writer that read
//   the counter just before that finds its futex call returning at once and
//   goes back to sleep; only the last reader's wake wakes a sleeping
//   writer.) Not fair, not reentrant.
// Cost: like rw_minimal, the last reader out always issues a futex wake,
//   whether or not a writer sleeps. rw_writer_pref wakes only when the
//   waiting bit says a writer is there. An unlock is one RMW (the book's is
//   a store and an RMW).
// Memory ordering:
//   lock_shared() / lock(): the successful CAS is acquire, reading the value
//     written by the last writer's release add (or a chain of reader RMWs
//     continuing its release sequence). Failed CASes and reloads are
//     relaxed: they only decide whether to retry or sleep.
//   unlock_shared() / unlock(): the fetch_add is release, publishing the
//     critical section to the next acquire CAS (every change of the word is
//     an RMW, so every reader's add is in the release sequence the next
//     writer reads from).
//   The lost-wake-up argument needs no ordering: a writer sleeps only while
//   the counter half still holds the value it read together with a non-zero
//   state, and every change of the state to 0 changes the counter in the
//   same RMW. So a release after the writer's read makes its futex call
//   return at once, or finds it asleep and wakes it.
// Layout: one 64-bit word (8 bytes, as the book's two 32-bit words).
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <string_view>

#include "synclab/rwlocks/concepts.hpp"
#include "synclab/rwlocks/detail.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::rwlocks {

class RwWriterCounter {
 public:
  static constexpr std::string_view name = "rw_writer_counter";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call

  RwWriterCounter() = default;
  RwWriterCounter(const RwWriterCounter&) = delete;
  RwWriterCounter& operator=(const RwWriterCounter&) = delete;
  RwWriterCounter(RwWriterCounter&&) = delete;
  RwWriterCounter& operator=(RwWriterCounter&&) = delete;

  void lock_shared() noexcept {
    std::uint64_t w = word_.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint32_t s = detail::state_of(w);
      if (s < kWriteLocked) {
        if (s == kWriteLocked - 1) detail::abort_on_reader_overflow(name.data());
        if (word_.compare_exchange_weak(w, w + 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
      } else {
        wait::futex_wait(word_, wait::Half::low, kWriteLocked);
        w = word_.load(std::memory_order_relaxed);
      }
    }
  }

  void unlock_shared() noexcept {
    const std::uint64_t before = word_.fetch_add(detail::kCounterOne - 1, std::memory_order_release);
    stall_point(StallPoint::after_release, this);
    if (detail::state_of(before) == 1) wait::futex_wake_one(word_, wait::Half::high);
  }

  void lock() noexcept {
    std::uint64_t w = word_.load(std::memory_order_relaxed);
    for (;;) {
      if (detail::state_of(w) == kUnlocked) {
        if (word_.compare_exchange_weak(w, w | kWriteLocked, std::memory_order_acquire, std::memory_order_relaxed))
          return;
        continue;
      }
      wait::futex_wait(word_, wait::Half::high, detail::counter_of(w));
      w = word_.load(std::memory_order_relaxed);
    }
  }

  void unlock() noexcept {
    word_.fetch_add(1, std::memory_order_release);  // u32::MAX + 1: state 0, counter + 1
    stall_point(StallPoint::after_release, this);
    wait::futex_wake_one(word_, wait::Half::high);
    wait::futex_wake_all(word_, wait::Half::low);
  }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kWriteLocked = std::numeric_limits<std::uint32_t>::max();

  std::atomic<std::uint64_t> word_{0};  // counter << 32 | state
};

static_assert(RwLockable<RwWriterCounter>);
static_assert(sizeof(RwWriterCounter) == 8);

}  // namespace synclab::rwlocks
