// rw_minimal.hpp — the minimal futex reader-writer lock: one 32-bit word.
//
// Algorithm (Rust Atomics and Locks, ch. 9 "Reader-Writer Lock"):
//   state = number of readers, or u32::MAX when a writer holds the lock.
//   lock_shared()   while the state is below u32::MAX, CAS it one up; while
//                   it is u32::MAX, sleep on the word until a writer leaves.
//   lock()          CAS 0 -> u32::MAX; on failure sleep on the word with the
//                   value the failed CAS returned, so a change in between
//                   (a reader leaving) makes the sleep return at once.
//   unlock_shared() fetch_sub(1); the reader that takes the count from 1 to
//                   0 wakes one thread. Only a writer can be asleep then:
//                   readers sleep only on u32::MAX, and every writer's unlock
//                   wakes them all.
//   unlock()        store 0, wake every sleeper (readers and writers).
// Guarantees: exclusion between a writer and anyone else; any number of
//   readers at once. Reader-preferring, and worse: a writer can be starved
//   for as long as readers overlap, since a new reader is let in whenever the
//   count is not u32::MAX. Writers also busy-loop while readers come and go,
//   because every change of the count ends their sleep (rw_writer_counter
//   fixes that, rw_writer_pref fixes the starvation). Not fair, not
//   reentrant. Sleepers cost no CPU under oversubscription.
// Cost: the reader that takes the count to 0 cannot tell whether a writer
//   sleeps, so it always issues a futex wake: with readers that keep
//   arriving one at a time, nearly every read pays a syscall
//   (futex_wakes_per_op ≈ 1 at reads:100 in the rwlocks family).
// Memory ordering:
//   lock_shared() / lock()  the successful CAS is acquire: it reads the value
//       written by the last writer's release store (or by a chain of reader
//       RMWs continuing its release sequence), so that writer's critical
//       section happens-before ours. Failed CASes and the reloads are
//       relaxed: they only decide whether to retry or sleep.
//   unlock_shared()  fetch_sub is release: the next writer's acquire CAS
//       reads 0, the end of the release sequence made of every reader's
//       fetch_sub, so every reader's section happens-before the writer's.
//   unlock()  store(0, release) publishes the writer's section.
//   Futex calls order nothing (wait/futex.hpp).
// Layout: one 32-bit word (the futex word).
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

class RwMinimal {
 public:
  static constexpr std::string_view name = "rw_minimal";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call

  RwMinimal() = default;
  RwMinimal(const RwMinimal&) = delete;
  RwMinimal& operator=(const RwMinimal&) = delete;
  RwMinimal(RwMinimal&&) = delete;
  RwMinimal& operator=(RwMinimal&&) = delete;

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
    if (last) wait::futex_wake_one(state_);
  }

  void lock() noexcept {
    std::uint32_t s = kUnlocked;
    while (!state_.compare_exchange_strong(s, kWriteLocked, std::memory_order_acquire, std::memory_order_relaxed)) {
      wait::futex_wait(state_, s);  // the value that made the CAS fail: no wake can be lost
      s = kUnlocked;
    }
  }

  void unlock() noexcept {
    state_.store(kUnlocked, std::memory_order_release);
    stall_point(StallPoint::after_release, this);
    wait::futex_wake_all(state_);
  }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kWriteLocked = std::numeric_limits<std::uint32_t>::max();

  std::atomic<std::uint32_t> state_{kUnlocked};
};

static_assert(RwLockable<RwMinimal>);
static_assert(sizeof(RwMinimal) == 4);

}  // namespace synclab::rwlocks
