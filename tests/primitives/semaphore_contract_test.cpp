// The counting-semaphore contract, checked for every semaphore of ours and
// every peer: never more holders than permits and no permit lost under
// oversubscribed contention, a binary semaphore ordering its holders' data like
// a mutex (ThreadSanitizer sees a missing release/acquire), try_acquire
// semantics, blocked acquirers woken by releases (a lost wake-up trips the
// watchdog); a release of several permits at once letting exactly that many
// sleepers through; and futex_semaphore's own costs and limits (the count and
// the waiter count both abort rather than wrap).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

#include "condvar_testing.hpp"
#include "semaphore_testing.hpp"
#include "synclab/peers/semaphore_peers.hpp"
#include "synclab/semaphores/catalog.hpp"
#include "synclab/testing/lock_stress.hpp"
#include "synclab/testing/thread_state.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::semaphores::FutexSemaphore;
using synclab::testing::check_holders;
using synclab::testing::HangWatchdog;
using synclab::testing::kHangLimit;
using synclab::testing::PrimitiveName;

using AllSemaphores = synclab::testing::GTestTypes<
    synclab::Concat<synclab::semaphores::OurSemaphores, synclab::peers::PeerSemaphores>>::type;

template <class S>
class SemaphoreContract : public ::testing::Test {};
TYPED_TEST_SUITE(SemaphoreContract, AllSemaphores, PrimitiveName);

int oversubscribed_threads() {
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  return std::min(16, std::max(4, 2 * hw));
}

TYPED_TEST(SemaphoreContract, NeverAdmitsMoreHoldersThanPermits) {
  for (int permits : {1, 2, 3}) {
    TypeParam semaphore(permits);
    const auto result = check_holders(semaphore, permits, oversubscribed_threads(), 200ms);
    EXPECT_GT(result.acquisitions, 0u) << permits << " permits";
    EXPECT_GE(result.most_holders, 1u) << permits << " permits";
    EXPECT_LE(result.most_holders, static_cast<std::uint32_t>(permits)) << permits << " permits";
    EXPECT_EQ(result.available_after, permits) << "a permit was lost or made up, " << permits << " permits";
  }
}

// A semaphore started at 1, used as a lock: its release must happen-before the
// next acquire, or the plain data of stress_mutual_exclusion races (TSan).
template <class S>
class AsLock {
 public:
  static constexpr std::string_view name = S::name;
  void lock() { semaphore_.acquire(); }
  void unlock() { semaphore_.release(); }

 private:
  S semaphore_{1};
};

TYPED_TEST(SemaphoreContract, BinarySemaphoreExcludesLikeAMutex) {
  AsLock<TypeParam> lock;
  const auto result = synclab::testing::stress_mutual_exclusion(lock, oversubscribed_threads(), 200ms, 1'000'000);
  EXPECT_GT(result.ops, 0u);
  EXPECT_EQ(result.owner_violations, 0u);
  EXPECT_EQ(result.lost_updates, 0u);
}

TYPED_TEST(SemaphoreContract, TryAcquireTakesOnlyWhatIsAvailable) {
  TypeParam empty(0);
  EXPECT_FALSE(empty.try_acquire());
  TypeParam two(2);
  EXPECT_TRUE(two.try_acquire());
  EXPECT_TRUE(two.try_acquire());
  EXPECT_FALSE(two.try_acquire());
  two.release();
  EXPECT_TRUE(two.try_acquire());
  EXPECT_FALSE(two.try_acquire());
  two.release();
  two.release();
}

TYPED_TEST(SemaphoreContract, MaxCoversTheCasesPermits) { EXPECT_GE(TypeParam::max(), 2); }

// Blocked acquirers, released one permit at a time: every release must reach
// a sleeper, round after round (with a sleeper possibly just going to sleep).
TYPED_TEST(SemaphoreContract, ReleasesWakeBlockedAcquirers) {
  constexpr int kAcquirers = 3;
  constexpr int kRounds = 200;
  TypeParam semaphore(0);
  HangWatchdog dog(kHangLimit, TypeParam::name, "blocked acquirers woken by releases");
  std::vector<std::thread> acquirers;
  for (int i = 0; i < kAcquirers; ++i) {
    acquirers.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) semaphore.acquire();
    });
  }
  for (int r = 0; r < kRounds * kAcquirers; ++r) {
    if (r % 64 == 0) std::this_thread::sleep_for(1ms);  // let them fall asleep now and then
    semaphore.release();
  }
  for (auto& t : acquirers) t.join();
  EXPECT_FALSE(semaphore.try_acquire()) << "more permits left than were released";
}

template <class S>
class OurSemaphore : public ::testing::Test {};
TYPED_TEST_SUITE(OurSemaphore, synclab::testing::GTestTypes<synclab::semaphores::OurSemaphores>::type,
                 PrimitiveName);

int count_done(const std::vector<std::atomic<bool>>& done) {
  return static_cast<int>(std::count_if(done.begin(), done.end(), [](const auto& d) { return d.load(); }));
}

// Three acquirers asleep on an empty semaphore; release(2) must let exactly
// two through (the path that wakes every sleeper, who then compete for the
// two permits) and leave the third asleep; release(1) the third. Sleepers are
// seen asleep in /proc, not guessed with a sleep.
TYPED_TEST(OurSemaphore, ReleaseOfSeveralPermitsLetsExactlyThatManySleepersThrough) {
  constexpr int kAcquirers = 3;
  TypeParam semaphore(0);
  HangWatchdog dog(kHangLimit, TypeParam::name, "release of several permits");
  std::vector<std::atomic<long>> tids(kAcquirers);
  std::vector<std::atomic<bool>> done(kAcquirers);
  std::vector<std::thread> acquirers;
  for (int i = 0; i < kAcquirers; ++i) {
    acquirers.emplace_back([&, i] {
      const auto idx = static_cast<std::size_t>(i);
      tids[idx].store(synclab::testing::this_thread_tid(), std::memory_order_release);
      semaphore.acquire();
      done[idx].store(true, std::memory_order_release);
    });
  }
  for (auto& tid : tids) ASSERT_TRUE(synclab::testing::wait_until_asleep(tid, 10s));
  semaphore.release(2);
  while (count_done(done) < 2) std::this_thread::sleep_for(1ms);
  for (int i = 0; i < kAcquirers; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    if (!done[idx].load()) {
      EXPECT_TRUE(synclab::testing::wait_until_asleep(tids[idx], 10s)) << "back to sleep";
    }
  }
  EXPECT_EQ(count_done(done), 2);
  EXPECT_EQ(semaphore.available(), 0);
  semaphore.release(1);
  for (auto& t : acquirers) t.join();
  EXPECT_EQ(count_done(done), kAcquirers);
  EXPECT_EQ(semaphore.available(), 0);
}

// Counts of futex calls made by the calling thread since `before`.
synclab::wait::WaitCounters counted_since(const synclab::wait::WaitCounters& before) {
  const synclab::wait::WaitCounters& now = synclab::wait::wait_counters();
  return {.waits = now.waits - before.waits, .wakes = now.wakes - before.wakes};
}

TEST(FutexSemaphore, UncontendedAcquireAndReleaseMakeNoSyscall) {
  FutexSemaphore semaphore(1);
  const auto before = synclab::wait::wait_counters();
  for (int i = 0; i < 1000; ++i) {
    semaphore.acquire();
    semaphore.release();
  }
  EXPECT_TRUE(semaphore.try_acquire());
  semaphore.release();
  const auto calls = counted_since(before);
  EXPECT_EQ(calls.waits, 0u);
  EXPECT_EQ(calls.wakes, 0u);
  EXPECT_EQ(semaphore.available(), 1);
}

TEST(FutexSemaphore, HoldsUpToItsMaximum) {
  EXPECT_EQ(FutexSemaphore::max(), 65535);
  FutexSemaphore semaphore(FutexSemaphore::max() - 1);
  semaphore.release();
  EXPECT_EQ(semaphore.available(), FutexSemaphore::max());
}

TEST(FutexSemaphoreDeathTest, ReleaseAboveTheMaximumAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        FutexSemaphore semaphore(FutexSemaphore::max());
        semaphore.release();
      },
      "above its maximum");
}

// The waiter count wraps to 0 one waiter past its maximum, and the next
// release would skip the wake the sleepers need: futex_semaphore aborts
// instead. With a 2-bit waiter half the limit is 3 waiters: three asleep, the
// fourth aborts. (If it did not, it would sleep; the child then ends itself
// after 10 s with status 0, which fails the death test instead of hanging it.)
TEST(FutexSemaphoreDeathTest, OneWaiterPastTheMaximumAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  using Small = synclab::semaphores::BasicFutexSemaphore<2>;
  static_assert(Small::max_waiters() == 3);
  EXPECT_DEATH(
      {
        std::thread([] {
          std::this_thread::sleep_for(10s);
          std::_Exit(0);
        }).detach();
        Small semaphore(0);
        std::vector<std::atomic<long>> tids(Small::max_waiters());
        for (auto& tid : tids) {
          std::thread([&semaphore, &tid] {
            tid.store(synclab::testing::this_thread_tid(), std::memory_order_release);
            semaphore.acquire();
          }).detach();
        }
        for (auto& tid : tids) synclab::testing::wait_until_asleep(tid, 5s);
        semaphore.acquire();
      },
      "more than its maximum of 3 waiters");
}

}  // namespace
