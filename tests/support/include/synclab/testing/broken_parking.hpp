// broken_parking.hpp — sleeping locks that lose a wake-up on purpose, and the
// scripted check that catches them.
//
// The twins are in no catalogue and never benchmarked. Both lose the same
// wake-up: two threads asleep, the holder wakes one, that one releases without
// waking the other, and the other sleeps forever. A random stress run hits that
// only by luck, so the check scripts it (two_sleepers_then_release below):
// the calling thread holds the lock, two waiters start one after the other and
// are seen blocked in the futex syscall (from /proc), the lock is released, and
// both must get it within a hang limit. A stranded waiter is then freed by the
// caller's free_stranded() so the test ends instead of hanging.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "synclab/locks/parking_lot.hpp"
#include "synclab/locks/ttas_waiting.hpp"
#include "synclab/locks/wait_policy.hpp"
#include "synclab/testing/thread_state.hpp"
#include "synclab/wait/futex.hpp"
#include "synclab/wait/parking_table.hpp"

namespace synclab::testing {

// BROKEN: parking_lot whose unlock() clears the parked bit before it knows
// whether anyone stays queued.
//
// lock() is parking_lot's own (parking_lot.hpp: this class derives from it).
// unlock() swaps the byte to 0 (dropping kLocked and kParked at once) and,
// if kParked was set, wakes the oldest waiter. With two waiters parked, the
// first is woken and the second stays queued under a byte that no longer says
// so: the next unlock() takes the fast path and wakes nobody. The correct
// unlock clears kParked under the bucket lock, and only when the queue has
// just become empty.
//
// Must be caught by: two_sleepers_then_release (parking_lot_test.cpp,
// ParkingLotBroken.*): the second waiter never gets the lock.
// free_stranded: parking_table.unpark_all(&lock, 0).
class ParkingLotEarlyClear : public locks::ParkingLot {
 public:
  static constexpr std::string_view name = "broken_parking_lot_early_clear";

  void unlock() noexcept {
    if ((state_.exchange(0, std::memory_order_release) & kParked) != 0) {  // BROKEN: others may stay queued
      wait::parking_table.unpark_one(this, [](const wait::UnparkResult&) { return kTokenRetry; });
    }
  }
};

// BROKEN: ttas_park whose waiter, once it has slept, takes the lock into the
// "held, nobody asleep" state: ttas_waiting.hpp with its RemembersSleepers
// parameter false.
//
// The word is ttas_park's: 0 free, 1 held, 2 held with sleepers possible.
// A waiter that was woken cannot know whether others still sleep, so it must
// lock into 2. This one locks into 1: its unlock() then sees 1 and skips the
// wake the other sleepers needed.
//
// Must be caught by: two_sleepers_then_release (wait_policy_test.cpp,
// TtasParkBroken.*). free_stranded: wake_all_sleepers().
class TtasParkForgetful : public locks::TtasWaiting<locks::SpinThenPark<>, /*RemembersSleepers=*/false> {
 public:
  static constexpr std::string_view name = "broken_ttas_park_forgetful";

  void wake_all_sleepers() noexcept { wait::futex_wake_all(word_); }
};

// --- The scripted check ------------------------------------------------------

struct TwoSleepersResult {
  bool both_seen_asleep = false;          // each waiter was seen blocked in a futex before the release
  bool stalled = false;                   // a waiter still had not got the lock hang_limit after the release
  std::array<std::uint64_t, 2> futex_waits{};  // futex waits each waiter made inside lock()
};

namespace detail {

inline bool wait_until_done(const std::array<std::atomic<bool>, 2>& done, std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!(done[0].load(std::memory_order_acquire) && done[1].load(std::memory_order_acquire))) {
    if (std::chrono::steady_clock::now() >= give_up) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace detail

// The calling thread takes `lock`; waiter 0 starts and is seen asleep, then
// waiter 1; the caller releases. Each waiter takes and releases the lock once.
// If they have not both done so within hang_limit, the run stalled (a lost
// wake-up): free_stranded() must make the stuck waiter's lock() return; if it
// does not within 10 s, the check aborts (a hang is never silently passed).
template <class L, class FreeStranded>
TwoSleepersResult two_sleepers_then_release(L& lock, std::chrono::milliseconds hang_limit,
                                            FreeStranded free_stranded) {
  TwoSleepersResult result;
  std::array<std::atomic<long>, 2> tids{};
  std::array<std::atomic<bool>, 2> done{};
  std::array<std::uint64_t, 2> waits{};  // each written by its waiter, read after join

  lock.lock();
  std::array<std::thread, 2> waiters;
  result.both_seen_asleep = true;
  for (int i = 0; i < 2; ++i) {
    waiters[static_cast<std::size_t>(i)] = std::thread([&, i] {
      const auto idx = static_cast<std::size_t>(i);
      tids[idx].store(this_thread_tid(), std::memory_order_release);
      const std::uint64_t before = wait::wait_counters().waits;
      lock.lock();
      waits[idx] = wait::wait_counters().waits - before;
      lock.unlock();
      done[idx].store(true, std::memory_order_release);
    });
    if (!wait_until_asleep(tids[static_cast<std::size_t>(i)], std::chrono::seconds(10))) {
      result.both_seen_asleep = false;
    }
  }
  lock.unlock();

  if (!detail::wait_until_done(done, hang_limit)) {
    result.stalled = true;
    free_stranded();
    if (!detail::wait_until_done(done, std::chrono::seconds(10))) {
      std::fputs("two_sleepers_then_release: a waiter is still stuck 10 s after free_stranded(); treating it as a "
                 "hang.\n",
                 stderr);
      std::fflush(stderr);
      std::abort();
    }
  }
  for (auto& t : waiters) {
    t.join();
  }
  result.futex_waits = waits;
  return result;
}

}  // namespace synclab::testing
