// The sleeping locks: futex_mutex3_atomic_wait (C++20 atomic wait/notify) and
// the futex_mutex3_spin sweep, next to the futex ladder they belong to. The
// common lock contract runs in lock_stress_test.cpp; the futex ladder's
// syscall counts are checked there too (through the counted wait layer, which
// futex_mutex3_atomic_wait does not use). Here: a blocked locker sleeps rather
// than spins, whatever the backend, and the atomic-wait variant's syscalls are
// invisible to the wait layer's counters.
#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "synclab/locks/futex_mutex2.hpp"
#include "synclab/locks/futex_mutex3.hpp"
#include "synclab/locks/futex_mutex3_atomic_wait.hpp"
#include "synclab/locks/futex_mutex3_spin.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::FutexMutex2;
using synclab::locks::FutexMutex3;
using synclab::locks::FutexMutex3AtomicWait;
using synclab::locks::FutexMutex3Spin;
using synclab::testing::PrimitiveName;

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

template <class L>
class SleepingLock : public ::testing::Test {};
using SleepingLocks = ::testing::Types<FutexMutex2, FutexMutex3, FutexMutex3Spin<0>, FutexMutex3Spin<10>,
                                       FutexMutex3Spin<>, FutexMutex3Spin<1000>, FutexMutex3AtomicWait>;
TYPED_TEST_SUITE(SleepingLock, SleepingLocks, PrimitiveName);

// While the lock is held for kHold, the blocked thread uses a small fraction
// of that in CPU time (it sleeps in the kernel; a spinning one would use all
// of it), stays blocked, and gets the lock once it is released.
TYPED_TEST(SleepingLock, BlockedLockerSleepsInsteadOfSpinning) {
  constexpr auto kHold = 400ms;
  TypeParam lock;
  lock.lock();
  std::atomic<bool> acquired{false};
  std::chrono::nanoseconds cpu_in_lock{};
  std::thread waiter([&] {
    const auto before = thread_cpu_time();
    lock.lock();
    cpu_in_lock = thread_cpu_time() - before;
    acquired.store(true, std::memory_order_relaxed);
    lock.unlock();
  });
  std::this_thread::sleep_for(kHold);
  EXPECT_FALSE(acquired.load(std::memory_order_relaxed)) << "lock() returned while another thread held the lock";
  lock.unlock();
  waiter.join();
  EXPECT_TRUE(acquired.load(std::memory_order_relaxed));
  EXPECT_LT(cpu_in_lock, kHold / 4) << "the blocked thread burned "
                                    << std::chrono::duration_cast<std::chrono::milliseconds>(cpu_in_lock).count()
                                    << " ms of CPU in a " << kHold.count() << " ms wait";
}

// Its sleeps and wakes happen inside the standard library, so the counted wait
// layer sees none: futex_waits_per_op / futex_wakes_per_op read 0 for it.
TEST(FutexMutex3AtomicWait, ContendedUseMakesNoCountedWaitLayerCalls) {
  FutexMutex3AtomicWait lock;
  std::uint64_t waits = 0;
  std::uint64_t wakes = 0;
  auto worker = [&] {
    const synclab::wait::WaitCounters before = synclab::wait::wait_counters();
    for (int i = 0; i < 20'000; ++i) {
      lock.lock();
      lock.unlock();
    }
    const synclab::wait::WaitCounters& after = synclab::wait::wait_counters();
    lock.lock();
    waits += after.waits - before.waits;
    wakes += after.wakes - before.wakes;
    lock.unlock();
  };
  std::thread a(worker);
  std::thread b(worker);
  a.join();
  b.join();
  EXPECT_EQ(waits, 0u);
  EXPECT_EQ(wakes, 0u);
}

}  // namespace
