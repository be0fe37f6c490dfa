// rw_writer_pref.hpp — the writer-preferring futex reader-writer lock: a
// waiting writer stops new readers, so a stream of readers cannot starve it.
//
// Algorithm (Rust Atomics and Locks, ch. 9 "Avoiding Writer Starvation"):
//   state = 2 × readers, + 1 while a writer waits; u32::MAX (odd) while a
//   writer holds the lock. The writer wake counter as in rw_writer_counter:
//   state and counter are the two halves of one 64-bit atomic, and every
//   release changes both in one RMW.
//   lock_shared()   while the state is even (no writer holding or waiting),
//                   CAS it two up; while it is odd, sleep on the state.
//   lock()          state 0 or 1 (nobody inside): CAS it to u32::MAX. Even
//                   (readers inside, nobody waiting): CAS it one up, raising
//                   the "writer waiting" bit that keeps new readers out.
//                   Then, as rw_writer_counter: sleep on the counter half
//                   with the counter read together with that state, while
//                   readers remain or another writer holds the lock.
//   unlock_shared() one fetch_add of 2^32 - 2: the state two down, the
//                   counter one up. The reader whose add returned 3 (one
//                   reader, a writer waiting) wakes one writer. The add
//                   returns the OLD value, so the test is `== 3`; the seed's
//                   listing tests `== 1` (a typo, seeds-digest §6.1): that
//                   value is never returned by a reader's unlock, the writer
//                   is never woken, and since the state stays odd every later
//                   reader sleeps too — a deadlock. The template parameter
//                   WakingReaderState is that value, so the broken twin
//                   (tests/support/include/synclab/testing/broken_rwlocks.hpp)
//                   is this lock with 1, and rwlock_broken_test shows the
//                   hang detector catching it.
//   unlock()        one fetch_add of 1: u32::MAX + 1 carries into the counter
//                   and leaves the state 0 (the waiting bit goes too: the
//                   woken writer sets it again if it still has to wait). Then
//                   wake one writer and every reader.
// Guarantees: exclusion between a writer and anyone else; readers share the
//   lock while no writer waits. A waiting writer gets in as soon as the
//   readers already inside have left: writers are not starved. Readers can
//   be starved by a continuous stream of writers instead. Not fair among
//   writers (whichever writer runs first wins). Not reentrant: a thread
//   holding a read lock that asks for another one behind a waiting writer
//   deadlocks. Sleepers cost no CPU under oversubscription.
// Reader overflow: the largest reader state must still leave room for the
//   waiting bit below u32::MAX, so a reader aborts when the state would pass
//   u32::MAX - 3. (The seed's check, `s != u32::MAX - 2`, compares an even
//   state with an odd value and can never fire.)
// Memory ordering:
//   lock_shared() / lock(): the CAS that acquires (s -> s+2, s -> u32::MAX)
//       is acquire, pairing with the release of the last writer's store or
//       of the readers' fetch_subs (release sequences as in rw_minimal).
//   The CAS that raises the waiting bit is relaxed: it acquires nothing and
//       publishes nothing, it only changes what later readers decide.
//   unlock_shared() / unlock(): the fetch_add is release.
//   The wake counter needs no ordering of its own: it changes in the same
//       RMW as the state, the argument of rw_writer_counter.
// Destroy after the last unlock (as std::shared_mutex allows): the releasing
//   RMW is the last access; the wakes after it are syscalls on the address
//   only (rw_writer_counter.hpp says why that is harmless). The book's
//   version bumps the counter after its release store, a write a thread that
//   took the lock in between and destroyed it would see land in freed memory
//   (tests/primitives/lifetime_test.cpp).
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

// WakingReaderState: the old state a reader's unlock must see to wake the
// waiting writer (3: it was the last reader and a writer waits). Only the
// default is a correct lock; see the top comment.
template <std::uint32_t WakingReaderState = 3>
class BasicRwWriterPref {
 public:
  static constexpr std::string_view name = "rw_writer_pref";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call

  BasicRwWriterPref() = default;
  BasicRwWriterPref(const BasicRwWriterPref&) = delete;
  BasicRwWriterPref& operator=(const BasicRwWriterPref&) = delete;
  BasicRwWriterPref(BasicRwWriterPref&&) = delete;
  BasicRwWriterPref& operator=(BasicRwWriterPref&&) = delete;

  void lock_shared() noexcept {
    std::uint64_t w = word_.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint32_t s = detail::state_of(w);
      if (s % 2 == 0) {
        if (s > kLastReaderState - kOneReader) detail::abort_on_reader_overflow(name.data());
        if (word_.compare_exchange_weak(w, w + kOneReader, std::memory_order_acquire, std::memory_order_relaxed))
          return;
      } else {  // a writer holds the lock or waits for it
        wait::futex_wait(word_, wait::Half::low, s);
        w = word_.load(std::memory_order_relaxed);
      }
    }
  }

  void unlock_shared() noexcept {
    const std::uint64_t before = word_.fetch_add(detail::kCounterOne - kOneReader, std::memory_order_release);
    stall_point(StallPoint::after_release, this);
    if (detail::state_of(before) == WakingReaderState) wait::futex_wake_one(word_, wait::Half::high);
  }

  void lock() noexcept {
    std::uint64_t w = word_.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint32_t s = detail::state_of(w);
      if (s <= kWriterWaiting) {  // no reader inside, no writer holding
        if (word_.compare_exchange_weak(w, (w & kCounterBits) | kWriteLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed))
          return;
        continue;
      }
      if (s % 2 == 0) {  // readers inside, nobody waiting yet: keep new readers out
        if (!word_.compare_exchange_weak(w, w + kWriterWaiting, std::memory_order_relaxed,
                                         std::memory_order_relaxed))
          continue;
      }
      // Readers still inside, or another writer holds the lock.
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

 protected:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kWriterWaiting = 1;
  static constexpr std::uint32_t kOneReader = 2;
  static constexpr std::uint32_t kWriteLocked = std::numeric_limits<std::uint32_t>::max();
  // The largest even state that still leaves room for the waiting bit below kWriteLocked.
  static constexpr std::uint32_t kLastReaderState = kWriteLocked - 3;
  static constexpr std::uint64_t kCounterBits = ~std::uint64_t{kWriteLocked};

  std::atomic<std::uint64_t> word_{0};  // counter << 32 | state
};

using RwWriterPref = BasicRwWriterPref<>;

static_assert(RwLockable<RwWriterPref>);
static_assert(sizeof(RwWriterPref) == 8);

}  // namespace synclab::rwlocks
