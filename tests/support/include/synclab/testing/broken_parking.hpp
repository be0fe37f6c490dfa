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

#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/wait/futex.hpp"
#include "synclab/wait/parking_table.hpp"

namespace synclab::testing {

// BROKEN: parking_lot whose unlock() clears the parked bit before it knows
// whether anyone stays queued.
//
// lock() is parking_lot's (parking_lot.hpp). unlock() swaps the byte to 0
// (dropping kLocked and kParked at once) and, if kParked was set, wakes the
// oldest waiter. With two waiters parked, the first is woken and the second
// stays queued under a byte that no longer says so: the next unlock() takes
// the fast path and wakes nobody. The correct unlock clears kParked under the
// bucket lock, and only when the queue has just become empty.
//
// Must be caught by: two_sleepers_then_release (parking_lot_test.cpp,
// ParkingLotBroken.*): the second waiter never gets the lock.
// free_stranded: parking_table.unpark_all(&lock, 0).
class ParkingLotEarlyClear {
 public:
  static constexpr std::string_view name = "broken_parking_lot_early_clear";

  ParkingLotEarlyClear() = default;
  ParkingLotEarlyClear(const ParkingLotEarlyClear&) = delete;
  ParkingLotEarlyClear& operator=(const ParkingLotEarlyClear&) = delete;
  ParkingLotEarlyClear(ParkingLotEarlyClear&&) = delete;
  ParkingLotEarlyClear& operator=(ParkingLotEarlyClear&&) = delete;

  void lock() noexcept {
    std::uint32_t spins = 0;
    const auto since = wait::ParkingTable::clock::now();
    for (;;) {
      std::uint8_t s = state_.load(std::memory_order_relaxed);
      if ((s & kLocked) == 0) {
        if (state_.compare_exchange_weak(s, static_cast<std::uint8_t>(s | kLocked), std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          return;
        }
        continue;
      }
      if ((s & kParked) == 0) {
        if (spins < kSpinLimit) {
          ++spins;
          cpu_relax();
          continue;
        }
        if (!state_.compare_exchange_weak(s, static_cast<std::uint8_t>(s | kParked), std::memory_order_relaxed,
                                          std::memory_order_relaxed)) {
          continue;
        }
      }
      static_cast<void>(wait::parking_table.park(
          this, [&] { return state_.load(std::memory_order_relaxed) == (kLocked | kParked); }, since));
      spins = 0;
    }
  }

  void unlock() noexcept {
    if ((state_.exchange(0, std::memory_order_release) & kParked) != 0) {  // BROKEN: others may stay queued
      wait::parking_table.unpark_one(this, [](const wait::UnparkResult&) { return wait::ParkingTable::Token{0}; });
    }
  }

 private:
  static constexpr std::uint8_t kLocked = 1;
  static constexpr std::uint8_t kParked = 2;
  static constexpr std::uint32_t kSpinLimit = 100;

  std::atomic<std::uint8_t> state_{0};
};

// BROKEN: ttas_park whose waiter, once it has slept, takes the lock into the
// "held, nobody asleep" state.
//
// The word is ttas_park's: 0 free, 1 held, 2 held with sleepers possible.
// A waiter that was woken cannot know whether others still sleep, so it must
// lock into 2 (ttas_waiting.hpp). This one locks into 1: its unlock() then
// sees 1 and skips the wake the other sleepers needed.
//
// Must be caught by: two_sleepers_then_release (wait_policy_test.cpp,
// TtasParkBroken.*). free_stranded: wake_all_sleepers().
class TtasParkForgetful {
 public:
  static constexpr std::string_view name = "broken_ttas_park_forgetful";

  TtasParkForgetful() = default;
  TtasParkForgetful(const TtasParkForgetful&) = delete;
  TtasParkForgetful& operator=(const TtasParkForgetful&) = delete;
  TtasParkForgetful(TtasParkForgetful&&) = delete;
  TtasParkForgetful& operator=(TtasParkForgetful&&) = delete;

  void lock() noexcept {
    std::uint32_t spins = 0;
    for (;;) {
      std::uint32_t seen = word_.load(std::memory_order_relaxed);
      if (seen == 0) {
        if (word_.compare_exchange_weak(seen, 1, std::memory_order_acquire,  // BROKEN: 1 even after sleeping
                                        std::memory_order_relaxed)) {
          return;
        }
        continue;
      }
      if (seen == 1 && spins < kSpinLimit) {
        ++spins;
        cpu_relax();
        continue;
      }
      if (seen == 1 &&
          !word_.compare_exchange_weak(seen, 2, std::memory_order_relaxed, std::memory_order_relaxed)) {
        continue;
      }
      wait::futex_wait(word_, 2);
    }
  }

  void unlock() noexcept {
    if (word_.exchange(0, std::memory_order_release) == 2) {
      wait::futex_wake_one(word_);
    }
  }

  void wake_all_sleepers() noexcept { wait::futex_wake_all(word_); }

 private:
  static constexpr std::uint32_t kSpinLimit = 100;
  std::atomic<std::uint32_t> word_{0};
};

// --- The scripted check ------------------------------------------------------

[[nodiscard]] inline long this_thread_tid() noexcept { return ::syscall(SYS_gettid); }

// Whether thread `tid` of this process is blocked in the futex syscall right
// now: the first field of /proc/self/task/<tid>/syscall is the number of the
// syscall a blocked thread is in ("running" otherwise). Where that file cannot
// be read, falls back to the scheduler state in .../stat being 'S' (sleeping).
[[nodiscard]] inline bool blocked_in_futex(long tid) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  std::ifstream syscall_file(task + "/syscall");
  std::string first;
  if (syscall_file >> first) {
    return first == std::to_string(SYS_futex);
  }
  std::ifstream stat_file(task + "/stat");
  std::string line;
  std::getline(stat_file, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'S';
}

struct TwoSleepersResult {
  bool both_seen_asleep = false;          // each waiter was seen blocked in a futex before the release
  bool stalled = false;                   // a waiter still had not got the lock hang_limit after the release
  std::array<std::uint64_t, 2> futex_waits{};  // futex waits each waiter made inside lock()
};

namespace detail {

// Waits until `tid` has been seen blocked in a futex on three polls in a row,
// 1 ms apart (a single sighting could be a passing internal lock).
inline bool wait_until_asleep(const std::atomic<long>& tid, std::chrono::seconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  int in_a_row = 0;
  while (std::chrono::steady_clock::now() < give_up) {
    const long t = tid.load(std::memory_order_acquire);
    in_a_row = (t != 0 && blocked_in_futex(t)) ? in_a_row + 1 : 0;
    if (in_a_row == 3) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

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
    if (!detail::wait_until_asleep(tids[static_cast<std::size_t>(i)], std::chrono::seconds(10))) {
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
