// The condition-variable contract, checked for every condvar of ours and every
// peer: the seed's wake-up count check (a condvar that secretly spins fails
// it), waits never lost under ping-pong and producer/consumer stress with
// notify_one only, notify_all waking every waiter; and the syscall costs that
// tell cv_counter and cv_counter_waiters apart, read from the wait layer's
// per-thread counters. A lost wake-up shows as a hang, which the watchdog
// turns into an abort naming the condvar.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "condvar_testing.hpp"
#include "synclab/condvars/catalog.hpp"
#include "synclab/condvars/futex_wait_for.hpp"
#include "synclab/peers/condvar_peers.hpp"
#include "synclab/testing/thread_state.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::HangWatchdog;
using synclab::testing::kHangLimit;
using synclab::testing::kWakeupBound;
using synclab::testing::PrimitiveName;
using synclab::testing::wakeups_for_one_notification;

using AllCondVars =
    synclab::testing::GTestTypes<synclab::Concat<synclab::condvars::OurCondVars, synclab::peers::PeerCondVars>>::type;

template <class CV>
class CondVarContract : public synclab::testing::NoTimedOutWaits {};
TYPED_TEST_SUITE(CondVarContract, AllCondVars, PrimitiveName);

TYPED_TEST(CondVarContract, OneNotificationWakesTheWaiterAFewTimesAtMost) {
  const auto result = wakeups_for_one_notification<TypeParam>(250ms);
  EXPECT_GE(result.wakeups, 1);
  EXPECT_LT(result.wakeups, kWakeupBound) << "wait() returned too often for one notification: it does not sleep";
  EXPECT_TRUE(result.relocked) << "wait() returned without the mutex held";
}

// Two threads take turns, each waiting for its turn and passing it with
// notify_one: every round needs one wake-up delivered, so a lost one hangs.
TYPED_TEST(CondVarContract, PingPongLosesNoWakeup) {
  constexpr int kRounds = 20000;
  TypeParam cv;
  typename TypeParam::mutex_type mutex;
  int turn = 0;     // under mutex: whose turn it is
  int passes = 0;   // under mutex
  HangWatchdog dog(kHangLimit, TypeParam::name, "ping-pong");
  auto player = [&](int me) {
    for (int i = 0; i < kRounds; ++i) {
      std::unique_lock held(mutex);
      while (turn != me) cv.wait(held);
      turn = 1 - me;
      ++passes;
      held.unlock();
      cv.notify_one();
    }
  };
  std::thread other(player, 1);
  player(0);
  other.join();
  EXPECT_EQ(passes, 2 * kRounds);
}

// Producers and consumers over a one-slot buffer, with more threads than
// CPUs and notify_one only: a notification must never be lost even when
// waiters of both kinds share a condvar's queue with others.
TYPED_TEST(CondVarContract, ProducersAndConsumersLoseNoWakeup) {
  constexpr int kProducers = 3;
  constexpr int kConsumers = 3;
  constexpr std::uint64_t kItemsEach = 1500;
  constexpr std::uint64_t kTotal = kProducers * kItemsEach;
  TypeParam not_empty;
  TypeParam not_full;
  typename TypeParam::mutex_type mutex;
  // Under mutex:
  bool full = false;
  std::uint64_t slot = 0;
  std::uint64_t taken = 0;
  std::uint64_t sum = 0;
  HangWatchdog dog(kHangLimit, TypeParam::name, "producers and consumers");
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (std::uint64_t i = 0; i < kItemsEach; ++i) {
        std::unique_lock held(mutex);
        while (full) not_full.wait(held);
        slot = static_cast<std::uint64_t>(p) * kItemsEach + i + 1;
        full = true;
        held.unlock();
        not_empty.notify_one();
      }
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      for (;;) {
        std::unique_lock held(mutex);
        while (!full && taken < kTotal) not_empty.wait(held);
        if (!full) return;  // everything was taken
        sum += slot;
        full = false;
        const bool last = ++taken == kTotal;
        held.unlock();
        not_full.notify_one();
        if (last) not_empty.notify_all();  // release the consumers still waiting
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken, kTotal);
  EXPECT_EQ(sum, kTotal * (kTotal + 1) / 2) << "an item was lost or taken twice";
}

// Every waiter is inside wait() (it released the mutex there) before the
// notify_all, so each of them must be woken by it, round after round.
TYPED_TEST(CondVarContract, NotifyAllWakesEveryWaiter) {
  constexpr int kWaiters = 4;
  constexpr int kRounds = 300;
  TypeParam cv;
  typename TypeParam::mutex_type mutex;
  // Under mutex:
  int generation = 0;
  int waiting = 0;
  int woken = 0;
  HangWatchdog dog(kHangLimit, TypeParam::name, "notify_all wakes every waiter");
  std::vector<std::thread> waiters;
  for (int w = 0; w < kWaiters; ++w) {
    waiters.emplace_back([&] {
      for (int round = 1; round <= kRounds; ++round) {
        std::unique_lock held(mutex);
        ++waiting;
        while (generation < round) cv.wait(held);
        ++woken;
      }
    });
  }
  for (int round = 1; round <= kRounds; ++round) {
    for (;;) {  // until every waiter of this round sleeps in wait()
      std::unique_lock held(mutex);
      if (waiting == kWaiters * round) break;
      held.unlock();
      std::this_thread::yield();
    }
    {
      std::unique_lock held(mutex);
      ++generation;
    }
    cv.notify_all();
  }
  for (auto& t : waiters) t.join();
  EXPECT_EQ(woken, kWaiters * kRounds);
}

// Counts of futex calls made by the calling thread since `before`.
synclab::wait::WaitCounters counted_since(const synclab::wait::WaitCounters& before) {
  const synclab::wait::WaitCounters& now = synclab::wait::wait_counters();
  return {.waits = now.waits - before.waits, .wakes = now.wakes - before.wakes};
}

TEST(CvCounterWaiters, NotifyWithNobodyWaitingMakesNoSyscall) {
  synclab::condvars::CvCounterWaiters cv;
  const auto before = synclab::wait::wait_counters();
  cv.notify_one();
  cv.notify_all();
  const auto calls = counted_since(before);
  EXPECT_EQ(calls.wakes, 0u);
  EXPECT_EQ(calls.waits, 0u);
}

TEST(CvCounter, NotifyWithNobodyWaitingStillWakes) {
  // The cost cv_counter_waiters removes: one wake syscall per notify.
  synclab::condvars::CvCounter cv;
  const auto before = synclab::wait::wait_counters();
  cv.notify_one();
  cv.notify_all();
  EXPECT_EQ(counted_since(before).wakes, 2u);
}

// A waiter inside wait() makes notify_one issue exactly one wake; once it has
// left, notifying is free again.
TEST(CvCounterWaiters, WakesOnlyWhileSomebodyWaits) {
  synclab::condvars::CvCounterWaiters cv;
  synclab::condvars::CvCounterWaiters::mutex_type mutex;
  bool inside = false;  // under mutex: the waiter reached wait()
  bool go = false;      // under mutex
  HangWatchdog dog(kHangLimit, "cv_counter_waiters", "one waiter, one notify");
  std::thread waiter([&] {
    std::unique_lock held(mutex);
    inside = true;
    while (!go) cv.wait(held);
  });
  for (;;) {  // the waiter has released the mutex only inside wait()
    std::unique_lock held(mutex);
    if (inside) break;
    held.unlock();
    std::this_thread::yield();
  }
  {
    std::unique_lock held(mutex);
    go = true;
  }
  const auto before = synclab::wait::wait_counters();
  cv.notify_one();
  EXPECT_EQ(counted_since(before).wakes, 1u);
  waiter.join();
  const auto after_leaving = synclab::wait::wait_counters();
  cv.notify_one();
  cv.notify_all();
  EXPECT_EQ(counted_since(after_leaving).wakes, 0u);
}

class CvRequeue : public synclab::testing::NoTimedOutWaits {};

// With every waiter asleep, one notify_all is one syscall (the requeue), and
// every waiter still gets through, one per unlock of the mutex.
TEST_F(CvRequeue, NotifyAllIsOneSyscallAndReleasesEveryWaiter) {
  constexpr int kWaiters = 4;
  synclab::condvars::CvRequeue cv;
  synclab::condvars::CvRequeue::mutex_type mutex;
  int inside = 0;    // under mutex: waiters that reached wait()
  bool go = false;   // under mutex
  int through = 0;   // under mutex
  HangWatchdog dog(kHangLimit, "cv_requeue", "requeued waiters released by unlocks");
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      std::unique_lock held(mutex);
      ++inside;
      while (!go) cv.wait(held);
      ++through;
    });
  }
  for (;;) {
    std::unique_lock held(mutex);
    if (inside == kWaiters) break;
    held.unlock();
    std::this_thread::yield();
  }
  {
    std::unique_lock held(mutex);
    go = true;
  }
  const auto before = synclab::wait::wait_counters();
  cv.notify_all();
  EXPECT_EQ(counted_since(before).wakes, 1u);
  for (auto& t : waiters) t.join();
  EXPECT_EQ(through, kWaiters);
}

// The requeue itself, counted: with the mutex held across notify_all, one
// waiter comes back from its condvar wait (to sleep on the mutex) and the
// others stay in their condvar wait, moved to the mutex's queue. A condvar
// that wakes everyone instead (one syscall too) brings all of them back:
// condvar_broken_test checks that this count sees it.
TEST_F(CvRequeue, NotifyAllWakesOneWaiterAndRequeuesTheOthers) {
  constexpr int kWaiters = 4;
  const auto census = synclab::testing::notify_all_census<synclab::condvars::CvRequeue>(kWaiters);
  EXPECT_EQ(census.returned, 1);
  EXPECT_EQ(census.requeued, kWaiters - 1);
  EXPECT_EQ(census.through, kWaiters);
}

// One mutex per cv_requeue: its notify_all requeues onto the recorded one,
// so a wait with another mutex aborts. (Without the check the second wait
// would sleep; the child then ends itself with status 0 after 10 s, which
// fails the death test instead of hanging it.)
TEST(CvRequeueDeathTest, AWaitWithASecondMutexAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        std::thread([] {
          std::this_thread::sleep_for(10s);
          std::_Exit(0);
        }).detach();
        synclab::condvars::CvRequeue cv;
        synclab::condvars::CvRequeue::mutex_type first;
        synclab::condvars::CvRequeue::mutex_type second;
        std::atomic<long> tid{0};
        std::thread([&] {
          tid.store(synclab::testing::this_thread_tid());
          std::unique_lock held(first);
          cv.wait(held);
        }).detach();
        synclab::testing::wait_until_asleep(tid, 5s);
        std::unique_lock held(second);
        cv.wait(held);
      },
      "cv_requeue: wait\\(\\) with a second mutex");
}

}  // namespace
