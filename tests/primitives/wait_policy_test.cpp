// The waiting-policy axis of the TTAS lock (ttas_waiting.hpp) beyond the
// common contract of lock_stress_test.cpp: the pure-spin instance is ttas_spin;
// a yielding waiter yields and never sleeps; a parking waiter sleeps in the
// futex and is woken, with no syscall when uncontended and no lost wake-up
// (scripted and under stress, timeouts as hang detectors); non-default spin
// counts keep exclusion. The twin whose woken sleeper forgets the others
// (broken_parking.hpp) must lose a wake-up (TtasParkBroken.*, run as the
// negative test wait_policy_negative_test).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "synclab/locks/ttas_spin.hpp"
#include "synclab/locks/ttas_waiting.hpp"
#include "synclab/locks/wait_policy.hpp"
#include "synclab/testing/broken_parking.hpp"
#include "synclab/testing/lock_stress.hpp"
#include "synclab/testing/progress_check.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::SpinThenPark;
using synclab::locks::SpinThenYield;
using synclab::locks::SpinWithPause;
using synclab::locks::TtasPark;
using synclab::locks::TtasWaiting;
using synclab::locks::TtasYield;
using synclab::testing::stress_mutual_exclusion;
using synclab::testing::two_sleepers_then_release;
using synclab::wait::wait_counters;

constexpr auto kHangLimit = 5s;

template <class L>
void expect_mutual_exclusion(int threads, std::chrono::milliseconds budget) {
  L lock;
  const auto result = stress_mutual_exclusion(lock, threads, budget, 500'000);
  EXPECT_GT(result.ops, 0u);
  EXPECT_EQ(result.owner_violations, 0u);
  EXPECT_EQ(result.lost_updates, 0u) << "expected " << result.expected << " increments";
}

// --- The axis -----------------------------------------------------------------

TEST(WaitPolicy, ThePureSpinPointIsTtasSpin) {
  static_assert(TtasWaiting<SpinWithPause>::name == synclab::locks::TtasSpin::name);
  static_assert(sizeof(TtasWaiting<SpinWithPause>) == sizeof(synclab::locks::TtasSpin));
  expect_mutual_exclusion<TtasWaiting<SpinWithPause>>(4, 200ms);
}

TEST(WaitPolicy, OtherSpinCountsKeepMutualExclusion) {
  expect_mutual_exclusion<TtasWaiting<SpinThenYield<0>>>(4, 200ms);
  expect_mutual_exclusion<TtasWaiting<SpinThenPark<0>>>(4, 200ms);
  expect_mutual_exclusion<TtasWaiting<SpinThenPark<1000>>>(4, 200ms);
}

// --- ttas_yield ------------------------------------------------------------------

TEST(TtasYield, AWaiterUnderALongHoldYieldsAndNeverSleeps) {
  TtasYield lock;
  std::atomic<bool> waiting{false};
  std::uint64_t yields = 0;  // written by the waiter, read after join
  std::uint64_t sleeps = 0;
  lock.lock();
  std::thread waiter([&] {
    const std::uint64_t yields_before = synclab::locks::yield_count();
    const std::uint64_t sleeps_before = wait_counters().waits;
    waiting.store(true, std::memory_order_release);
    lock.lock();
    yields = synclab::locks::yield_count() - yields_before;
    sleeps = wait_counters().waits - sleeps_before;
    lock.unlock();
  });
  while (!waiting.load(std::memory_order_acquire)) {
    std::this_thread::yield();
  }
  std::this_thread::sleep_for(20ms);
  lock.unlock();
  waiter.join();
  EXPECT_GT(yields, 0u) << "past its spin budget a waiter must yield";
  EXPECT_EQ(sleeps, 0u) << "a yielding waiter never sleeps in the kernel";
}

TEST(TtasYield, UnlockNeverWakes) {
  TtasYield lock;
  const auto before = wait_counters();
  for (int i = 0; i < 1'000; ++i) {
    lock.lock();
    lock.unlock();
  }
  EXPECT_EQ(wait_counters().wakes - before.wakes, 0u);
}

// --- ttas_park -------------------------------------------------------------------

TEST(TtasPark, UncontendedLockUnlockMakesNoSyscalls) {
  TtasPark lock;
  const auto before = wait_counters();
  for (int i = 0; i < 1'000; ++i) {
    lock.lock();
    lock.unlock();
    ASSERT_TRUE(lock.try_lock());
    lock.unlock();
  }
  EXPECT_EQ(wait_counters().waits - before.waits, 0u);
  EXPECT_EQ(wait_counters().wakes - before.wakes, 0u);
}

TEST(TtasPark, SleepersAreWokenInTurn) {
  TtasPark lock;
  const auto wakes_before = wait_counters().wakes;
  // A correct lock never needs freeing; a hang here aborts after the limit.
  const auto r = two_sleepers_then_release(lock, kHangLimit, [] {});
  EXPECT_TRUE(r.both_seen_asleep) << "the waiters never blocked in a futex";
  EXPECT_FALSE(r.stalled) << "a sleeper was never woken: lost wake-up";
  EXPECT_GE(r.futex_waits[0], 1u);
  EXPECT_GE(r.futex_waits[1], 1u);
  EXPECT_GE(wait_counters().wakes - wakes_before, 1u) << "the releasing thread must have woken a sleeper";
}

TEST(TtasPark, NoLostWakeUpUnderStress) {
  TtasPark lock;
  const auto r = synclab::testing::check_progress(
      4, 1s, kHangLimit, [&](int) { lock.lock(); },
      [&](int i) {
        thread_local std::uint32_t n = 0;
        if (++n % 16 == static_cast<std::uint32_t>(i)) {
          std::this_thread::sleep_for(100us);  // held long enough for the others to sleep
        }
        lock.unlock();
      },
      [] {});
  EXPECT_FALSE(r.stalled) << "no critical section completed for " << kHangLimit.count() << " s";
  EXPECT_EQ(r.violations, 0u);
  EXPECT_GT(r.ops, 0u);
}

// --- The broken twin: must be caught ------------------------------------------------

TEST(TtasParkBroken, AWokenSleeperThatForgetsTheOthersLosesAWakeUp) {
  synclab::testing::TtasParkForgetful lock;
  const auto r = two_sleepers_then_release(lock, 1s, [&] { lock.wake_all_sleepers(); });
  ASSERT_TRUE(r.both_seen_asleep);
  EXPECT_TRUE(r.stalled) << "the hang detector did not see the second sleeper stranded";
}

}  // namespace
