// ttas_waiting.hpp — the test-and-test-and-set lock with its waiting policy
// as a template parameter: ttas_spin's algorithm, ttas_yield, ttas_park.
//
// Algorithm (policies that never sleep: SpinWithPause, SpinThenYield):
//   exactly ttas_spin — one exchange; while it fails, poll a relaxed load
//   until the flag reads free, then exchange again — with the pause between
//   polls delegated to the policy. TtasWaiting<SpinWithPause> is ttas_spin
//   instruction for instruction (same one-byte word, same name); the catalogue
//   registers the original TtasSpin class for that point of the axis, so the
//   name ttas_spin keeps meaning exactly what its history was measured on.
// Algorithm (SpinThenPark): the word gets a third state, 0 free, 1 held,
//   2 held and sleepers possible (futex_mutex3's states). The fast path is a
//   CAS 0 -> 1 (an exchange would erase a 2). A waiter polls like TTAS while
//   the word is 1, for the policy's spin budget; then it marks the word 2 and
//   sleeps on it with a futex while it reads 2. Whenever it finds the word 0
//   it tries a CAS, test-then-set as in TTAS; once it has slept it locks into
//   2, never 1, because it cannot know whether other sleepers remain (locking
//   into 1 would let its unlock skip the wake they need: the lost wake-up that
//   tests/primitives/wait_policy_test.cpp catches in the broken twin, this
//   lock with its RemembersSleepers parameter false). unlock()
//   swaps in 0 and wakes one sleeper only if the old value was 2.
//   Compared with futex_mutex3_spin, the difference is after a wake: mutex3
//   swaps 2 in blindly (an RMW per wake, even when the lock is held again);
//   ttas_park looks first and only RMWs when it saw the word free.
// Source: Rudolph & Segall 1984 (test-and-test-and-set); Rust Atomics and
//   Locks, ch. 7 (spin on a load) and ch. 9 (the three-state futex protocol);
//   LiTL (ATC 2016) for the waiting policy as an axis of its own.
// Guarantees: mutual exclusion; not fair, no FIFO order (barging: a running
//   thread beats a yielding or sleeping one); deadlock-free; not reentrant;
//   unlock() only by the holder.
// Oversubscription: spin — waiters burn their slices; yield — they give their
//   slice back after the spin budget, still runnable; park — they leave the run
//   queue after the spin budget and cost one wake syscall per contended unlock.
// Memory ordering:
//   lock()   exchange / compare_exchange (acquire): the RMW that takes the lock
//            reads the previous holder's release store or swap, so that
//            critical section happens-before ours; a failed RMW reads nothing
//            we rely on (relaxed failure order).
//            load(relaxed) while waiting: a hint that an attempt may succeed;
//            the acquire is the RMW's.
//            compare_exchange 1 -> 2 (relaxed): only a mark for unlock(),
//            ordered by the RMWs on the same word; it publishes no data.
//   unlock() store(false, release) for the spinning policies; exchange(0,
//            release) for park, an RMW because the old value decides the wake.
//            Futex calls order nothing (wait/futex.hpp).
//   try_lock() a relaxed pre-check, then one acquire RMW, as ttas_spin.
// Layout: one byte (spin, yield) or one 32-bit futex word (park); no padding.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "synclab/compile_time_name.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/ttas_spin.hpp"
#include "synclab/locks/wait_policy.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::locks {

// RemembersSleepers: a waiter that has slept locks into "sleepers possible".
// Only true is a correct lock; see the top comment.
template <class Wait, bool RemembersSleepers = true>
class TtasWaiting {
 public:
  static constexpr std::string_view name = static_name<compose_name("ttas_", Wait::suffix)>;
  static constexpr bool counts_futex_calls = true;  // spins, yields, or sleeps only through wait/futex.hpp
  using wait_policy = Wait;
  using word_type = std::conditional_t<Wait::sleeps, std::uint32_t, bool>;

  TtasWaiting() = default;
  TtasWaiting(const TtasWaiting&) = delete;
  TtasWaiting& operator=(const TtasWaiting&) = delete;
  TtasWaiting(TtasWaiting&&) = delete;
  TtasWaiting& operator=(TtasWaiting&&) = delete;

  void lock() noexcept {
    if constexpr (Wait::sleeps) {
      std::uint32_t expected = kFree;
      if (!word_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
        lock_or_sleep();
      }
    } else {
      if (word_.exchange(true, std::memory_order_acquire)) {
        lock_spinning();
      }
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    if constexpr (Wait::sleeps) {
      std::uint32_t expected = kFree;
      return word_.load(std::memory_order_relaxed) == kFree &&
             word_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire,
                                           std::memory_order_relaxed);
    } else {
      return !word_.load(std::memory_order_relaxed) && !word_.exchange(true, std::memory_order_acquire);
    }
  }

  void unlock() noexcept {
    if constexpr (Wait::sleeps) {
      const bool sleepers = word_.exchange(kFree, std::memory_order_release) == kSleepers;
      stall_point(StallPoint::after_release, this);
      if (sleepers) {
        wait::futex_wake_one(word_);
      }
    } else {
      word_.store(false, std::memory_order_release);
    }
  }

 protected:
  // Park protocol states (the word of the spinning policies is a plain flag).
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kHeld = 1;      // held, nobody asleep
  static constexpr std::uint32_t kSleepers = 2;  // held, sleepers possible

  [[gnu::noinline, gnu::cold]] void lock_spinning() noexcept {
    Wait wait;
    do {
      while (word_.load(std::memory_order_relaxed)) {
        wait.pause();
      }
    } while (word_.exchange(true, std::memory_order_acquire));
  }

  [[gnu::noinline, gnu::cold]] void lock_or_sleep() noexcept {
    Wait wait;
    std::uint32_t lock_into = kHeld;  // becomes kSleepers once we have slept
    for (;;) {
      std::uint32_t seen = word_.load(std::memory_order_relaxed);
      if (seen == kFree) {
        if (word_.compare_exchange_weak(seen, lock_into, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
          return;
        }
        continue;
      }
      if (lock_into == kHeld && wait.spin_once_more(seen == kHeld)) {
        continue;
      }
      if (seen == kHeld &&
          !word_.compare_exchange_weak(seen, kSleepers, std::memory_order_relaxed, std::memory_order_relaxed)) {
        continue;  // freed or marked meanwhile: look again
      }
      if constexpr (RemembersSleepers) lock_into = kSleepers;
      wait::futex_wait(word_, kSleepers);
    }
  }

  std::atomic<word_type> word_{};
};

using TtasYield = TtasWaiting<SpinThenYield<>>;
using TtasPark = TtasWaiting<SpinThenPark<>>;

static_assert(synclab::TryLockable<TtasYield>);
static_assert(synclab::TryLockable<TtasPark>);
static_assert(TtasYield::name == "ttas_yield");
static_assert(TtasPark::name == "ttas_park");
// The spin point of the axis is ttas_spin itself (see the top comment).
static_assert(TtasWaiting<SpinWithPause>::name == TtasSpin::name);
static_assert(sizeof(TtasWaiting<SpinWithPause>) == sizeof(TtasSpin));
static_assert(sizeof(TtasYield) == 1);
static_assert(sizeof(TtasPark) == 4);

}  // namespace synclab::locks
