// The lock contract, checked for every lock of ours and every peer: mutual
// exclusion under oversubscribed contention, try_lock semantics, reuse on one
// thread; and the syscall costs that define the futex mutex ladder, read from
// the wait layer's per-thread counters.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "synclab/locks/catalog.hpp"
#include "synclab/peers/lock_peers.hpp"
#include "synclab/testing/lock_stress.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::FutexMutex2;
using synclab::locks::FutexMutex3;
using synclab::locks::FutexMutex3Spin;
using synclab::testing::GTestTypes;
using synclab::testing::PrimitiveName;
using synclab::testing::stress_mutual_exclusion;
using synclab::wait::WaitCounters;
using synclab::wait::wait_counters;

using AllLocks = GTestTypes<synclab::Concat<synclab::locks::OurLocks, synclab::peers::PeerLocks>>::type;

// Counts of futex calls made by the calling thread since `before`.
WaitCounters counted_since(const WaitCounters& before) {
  const WaitCounters& now = wait_counters();
  return WaitCounters{.waits = now.waits - before.waits, .wakes = now.wakes - before.wakes};
}

template <class L>
class LockContract : public ::testing::Test {};
TYPED_TEST_SUITE(LockContract, AllLocks, PrimitiveName);

// More threads than CPUs on purpose: holders get preempted inside the critical
// section, which is where spin locks and handoff orders show their worst.
// Capped so a large machine does not turn the test into a benchmark.
TYPED_TEST(LockContract, ProvidesMutualExclusionUnderContention) {
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  const int threads = std::min(64, std::max(4, 2 * hw));
  TypeParam lock;
  const auto result = stress_mutual_exclusion(lock, threads, 300ms, 1'000'000);
  EXPECT_GT(result.ops, 0u);
  EXPECT_EQ(result.owner_violations, 0u);
  EXPECT_EQ(result.lost_updates, 0u) << "expected " << result.expected << " increments";
}

// Acquires only through try_lock(), retrying with a yield, so the try_lock
// path's own acquire ordering and exclusion are stressed (and seen by TSan).
template <class L>
class TryLockOnly {
 public:
  static constexpr std::string_view name = L::name;
  void lock() {
    while (!inner_.try_lock()) {
      std::this_thread::yield();
    }
  }
  void unlock() { inner_.unlock(); }

 private:
  L inner_;
};

TYPED_TEST(LockContract, TryLockProvidesMutualExclusionUnderContention) {
  TryLockOnly<TypeParam> lock;
  const auto result = stress_mutual_exclusion(lock, 4, 150ms, 1'000'000);
  EXPECT_GT(result.ops, 0u);
  EXPECT_EQ(result.owner_violations, 0u);
  EXPECT_EQ(result.lost_updates, 0u) << "expected " << result.expected << " increments";
}

TYPED_TEST(LockContract, TryLockFailsWhileHeldByAnotherThread) {
  TypeParam lock;
  lock.lock();
  bool acquired = true;
  std::thread([&] {
    acquired = lock.try_lock();
    if (acquired) {
      lock.unlock();
    }
  }).join();
  EXPECT_FALSE(acquired);
  lock.unlock();

  // Released by its holder, it can be tried from another thread again.
  std::thread([&] {
    acquired = lock.try_lock();
    if (acquired) {
      lock.unlock();
    }
  }).join();
  EXPECT_TRUE(acquired);
}

TYPED_TEST(LockContract, TryLockSucceedsWhenFree) {
  TypeParam lock;
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
  // A try_lock acquisition is a full acquisition: lock() works after it.
  lock.lock();
  lock.unlock();
}

TYPED_TEST(LockContract, UnlockThenRelockOnOneThread) {
  TypeParam lock;
  for (int i = 0; i < 10'000; ++i) {
    lock.lock();
    lock.unlock();
  }
  for (int i = 0; i < 1'000; ++i) {
    ASSERT_TRUE(lock.try_lock()) << "iteration " << i;
    lock.unlock();
  }
  // Left free: another thread can take it.
  bool acquired = false;
  std::thread([&] {
    lock.lock();
    acquired = true;
    lock.unlock();
  }).join();
  EXPECT_TRUE(acquired);
}

// --- The futex ladder's syscall costs (Rust Atomics and Locks, ch. 9). ---

TEST(FutexMutex2, EveryUnlockWakesEvenWhenUncontended) {
  FutexMutex2 lock;
  const WaitCounters before = wait_counters();
  for (int i = 0; i < 1'000; ++i) {
    lock.lock();
    lock.unlock();
  }
  const WaitCounters made = counted_since(before);
  EXPECT_EQ(made.waits, 0u);
  EXPECT_EQ(made.wakes, 1'000u) << "the two-state mutex cannot tell whether anyone sleeps";
}

TEST(FutexMutex3, UncontendedLockUnlockMakesNoSyscalls) {
  FutexMutex3 lock;
  const WaitCounters before = wait_counters();
  for (int i = 0; i < 1'000; ++i) {
    lock.lock();
    lock.unlock();
    ASSERT_TRUE(lock.try_lock());
    lock.unlock();
  }
  const WaitCounters made = counted_since(before);
  EXPECT_EQ(made.waits, 0u);
  EXPECT_EQ(made.wakes, 0u);
}

TEST(FutexMutex3Spin, UncontendedLockUnlockMakesNoSyscalls) {
  FutexMutex3Spin<> lock;
  const WaitCounters before = wait_counters();
  for (int i = 0; i < 1'000; ++i) {
    lock.lock();
    lock.unlock();
  }
  const WaitCounters made = counted_since(before);
  EXPECT_EQ(made.waits, 0u);
  EXPECT_EQ(made.wakes, 0u);
}

TEST(FutexMutex3Spin, NameEncodesANonDefaultSpinCount) {
  EXPECT_EQ(FutexMutex3Spin<>::name, "futex_mutex3_spin");
  EXPECT_EQ(FutexMutex3Spin<0>::name, "futex_mutex3_spin0");
  EXPECT_EQ(FutexMutex3Spin<10>::name, "futex_mutex3_spin10");
  EXPECT_EQ(FutexMutex3Spin<4096>::name, "futex_mutex3_spin4096");
}

template <class L>
class FutexLockWaiting : public ::testing::Test {};
using FutexLocks = ::testing::Types<FutexMutex2, FutexMutex3, FutexMutex3Spin<>>;
TYPED_TEST_SUITE(FutexLockWaiting, FutexLocks, PrimitiveName);

// A thread that finds the lock held for a long time goes to sleep in the
// kernel, stays blocked while the lock is held, and is woken by unlock().
// Whether the waiter got as far as futex_wait while the lock was held is up to
// the scheduler, so the hold time doubles until it did (about 3 s at most).
TYPED_TEST(FutexLockWaiting, BlockedLockerSleepsAndIsWokenByUnlock) {
  bool slept = false;
  for (auto hold = 50ms; hold <= 1600ms && !slept; hold *= 2) {
    TypeParam lock;
    lock.lock();
    std::atomic<bool> acquired{false};
    WaitCounters waiter_made{};
    std::thread waiter([&] {
      const WaitCounters before = wait_counters();
      lock.lock();
      acquired.store(true, std::memory_order_relaxed);
      waiter_made = counted_since(before);
      lock.unlock();
    });
    std::this_thread::sleep_for(hold);
    EXPECT_FALSE(acquired.load(std::memory_order_relaxed)) << "lock() returned while another thread held the lock";
    const WaitCounters before_unlock = wait_counters();
    lock.unlock();
    const WaitCounters unlock_made = counted_since(before_unlock);
    waiter.join();
    EXPECT_TRUE(acquired.load(std::memory_order_relaxed));
    if (waiter_made.waits > 0) {
      slept = true;
      EXPECT_EQ(unlock_made.wakes, 1u) << "unlock() must wake the sleeping waiter";
    }
  }
  EXPECT_TRUE(slept) << "the waiter never reached futex_wait while the lock was held";
}

}  // namespace
