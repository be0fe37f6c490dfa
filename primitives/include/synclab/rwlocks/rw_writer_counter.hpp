// rw_writer_counter.hpp — the futex reader-writer lock whose writers sleep on
// a word of their own, so that readers coming and going do not wake them.
//
// Algorithm (Rust Atomics and Locks, ch. 9 "Avoiding Busy-Looping Writers"):
//   state as in rw_minimal: number of readers, u32::MAX when write-locked.
//   writer_wake_counter: a second futex word, bumped whenever a writer may
//   have become able to proceed; writers sleep on it, readers never do.
//   lock()          CAS 0 -> u32::MAX; on failure read the wake counter, then
//                   re-read the state, and sleep on the counter only if the
//                   state is still not 0.
//   unlock_shared() fetch_sub(1); the reader that takes the count to 0 bumps
//                   the wake counter and wakes one writer.
//   unlock()        store 0, bump the wake counter and wake one writer, then
//                   wake every reader sleeping on the state.
//   lock_shared()   as rw_minimal.
// Guarantees: as rw_minimal (reader-preferring: writers can still starve
//   while readers overlap), minus the busy loop: a waiting writer sleeps
//   until the last reader or the writer leaves, whatever the readers do in
//   between. Not fair, not reentrant.
// Cost: like rw_minimal, the last reader out always bumps the counter and
//   issues a futex wake, whether or not a writer sleeps. rw_writer_pref
//   wakes only when the waiting bit says a writer is there.
// Memory ordering:
//   Acquisitions and releases of the state word are those of rw_minimal
//   (acquire CAS on success, release fetch_sub / store).
//   The wake counter carries no data, only the lost-wake-up argument: the
//   writer loads the counter with acquire BEFORE re-reading the state, and
//   the releasing thread bumps it with release AFTER changing the state. If
//   the writer's load sees the bump, it synchronises with it and so its
//   state reload sees the new state (0) and it does not sleep. If it does
//   not see the bump, the bump comes later in the counter's modification
//   order, so the futex call, which sleeps only while the counter still
//   holds the loaded value, either returns at once or is woken by the
//   wake_one that follows the bump. Relaxed would not do: the writer could
//   see the new counter with the old state and sleep on a counter that will
//   not move again.
// Layout: two 32-bit futex words, adjacent (one cache line).
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

  RwWriterCounter() = default;
  RwWriterCounter(const RwWriterCounter&) = delete;
  RwWriterCounter& operator=(const RwWriterCounter&) = delete;
  RwWriterCounter(RwWriterCounter&&) = delete;
  RwWriterCounter& operator=(RwWriterCounter&&) = delete;

  void lock_shared() noexcept {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    for (;;) {
      if (s < kWriteLocked) {
        if (s == kWriteLocked - 1) detail::abort_on_reader_overflow(name.data());
        if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
      } else {
        wait::futex_wait(state_, kWriteLocked);
        s = state_.load(std::memory_order_relaxed);
      }
    }
  }

  void unlock_shared() noexcept {
    const bool last = state_.fetch_sub(1, std::memory_order_release) == 1;
    stall_point(StallPoint::after_release, this);
    if (last) wake_one_writer();
  }

  void lock() noexcept {
    std::uint32_t s = kUnlocked;
    while (!state_.compare_exchange_strong(s, kWriteLocked, std::memory_order_acquire, std::memory_order_relaxed)) {
      const std::uint32_t w = writer_wake_counter_.load(std::memory_order_acquire);
      if (state_.load(std::memory_order_relaxed) != kUnlocked) wait::futex_wait(writer_wake_counter_, w);
      s = kUnlocked;
    }
  }

  void unlock() noexcept {
    state_.store(kUnlocked, std::memory_order_release);
    stall_point(StallPoint::after_release, this);
    wake_one_writer();
    wait::futex_wake_all(state_);
  }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kWriteLocked = std::numeric_limits<std::uint32_t>::max();

  void wake_one_writer() noexcept {
    writer_wake_counter_.fetch_add(1, std::memory_order_release);
    wait::futex_wake_one(writer_wake_counter_);
  }

  std::atomic<std::uint32_t> state_{kUnlocked};
  std::atomic<std::uint32_t> writer_wake_counter_{0};
};

static_assert(RwLockable<RwWriterCounter>);

}  // namespace synclab::rwlocks
