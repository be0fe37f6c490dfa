// The reader-writer lock contract, checked for every lock of ours and every
// peer: writers exclude each other, readers never overlap a writer, readers
// really share, a writer excludes readers and is excluded by them, a writer
// asleep behind readers is woken when they leave, and the lock is reusable
// on one thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "rwlock_testing.hpp"
#include "synclab/peers/rwlock_peers.hpp"
#include "synclab/rwlocks/catalog.hpp"
#include "synclab/testing/lock_stress.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::ExclusiveOnly;
using synclab::testing::PrimitiveName;

using AllRwLocks =
    synclab::testing::GTestTypes<synclab::Concat<synclab::rwlocks::OurRwLocks, synclab::peers::PeerRwLocks>>::type;

template <class L>
class RwLockContract : public ::testing::Test {};
TYPED_TEST_SUITE(RwLockContract, AllRwLocks, PrimitiveName);

int oversubscribed_threads() {
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  return std::min(16, std::max(4, 2 * hw));
}

TYPED_TEST(RwLockContract, WritersExcludeEachOther) {
  ExclusiveOnly<TypeParam> lock;
  const auto result = synclab::testing::stress_mutual_exclusion(lock, oversubscribed_threads(), 200ms, 200'000);
  EXPECT_GT(result.ops, 0u);
  EXPECT_EQ(result.owner_violations, 0u);
  EXPECT_EQ(result.lost_updates, 0u) << "expected " << result.expected << " increments";
}

// Mostly readers with some writers, and half and half: readers must never see
// a writer's half-written pattern, and no write may be lost.
TYPED_TEST(RwLockContract, ReadersNeverOverlapAWriter) {
  for (const int read_percent : {90, 50}) {
    TypeParam lock;
    const auto result =
        synclab::testing::stress_readers_and_writers(lock, oversubscribed_threads(), read_percent, 200ms, 100'000);
    EXPECT_GT(result.reads, 0u) << read_percent << "% reads";
    EXPECT_GT(result.writes, 0u) << read_percent << "% reads";
    EXPECT_EQ(result.overlaps, 0u) << read_percent << "% reads: reads that saw a writer";
    EXPECT_EQ(result.lost_writes, 0u) << read_percent << "% reads: writes lost to overlapping writers";
  }
}

// Three readers inside at once: each waits inside for the others, so a lock
// that serialises readers fails (after the bounded wait) instead of passing.
TYPED_TEST(RwLockContract, ReadersShareTheLock) {
  TypeParam lock;
  EXPECT_TRUE(synclab::testing::readers_share(lock, 3, 10s)) << "three readers were never inside together";
  // Still usable exclusively afterwards.
  lock.lock();
  lock.unlock();
}

TYPED_TEST(RwLockContract, ReaderWaitsWhileAWriterHoldsTheLock) {
  TypeParam lock;
  lock.lock();
  std::atomic<bool> reader_in{false};
  std::thread reader([&] {
    lock.lock_shared();
    reader_in.store(true, std::memory_order_release);
    lock.unlock_shared();
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(reader_in.load(std::memory_order_acquire)) << "lock_shared() returned while a writer held the lock";
  lock.unlock();
  reader.join();
  EXPECT_TRUE(reader_in.load(std::memory_order_acquire));
}

// The writer is given time to go to sleep behind the reader; when the reader
// leaves it must be woken (a lost wake-up would leave it asleep: a hang,
// reported after 10 s instead of hanging the test).
TYPED_TEST(RwLockContract, WriterAsleepBehindAReaderIsWokenWhenItLeaves) {
  TypeParam lock;
  const auto result = synclab::testing::writer_behind_readers(lock, 50ms, 10s, [] {});
  EXPECT_FALSE(result.entered_while_read_held) << "lock() returned while a reader held the lock";
  EXPECT_TRUE(result.woken) << "the writer was not woken when the last reader left";
}

TYPED_TEST(RwLockContract, ReusableOnOneThread) {
  TypeParam lock;
  for (int i = 0; i < 10'000; ++i) {
    lock.lock_shared();
    lock.lock_shared();  // two read locks held by one thread, no writer around: allowed by every kind here
    lock.unlock_shared();
    lock.unlock_shared();
    lock.lock();
    lock.unlock();
  }
  bool acquired = false;
  std::thread([&] {
    lock.lock();
    acquired = true;
    lock.unlock();
  }).join();
  EXPECT_TRUE(acquired) << "left locked after balanced use";
}

// --- Syscall costs of the three steps' read paths (the wait layer's counters). ---

synclab::wait::WaitCounters wakes_and_waits_of_reads(auto& lock, int reads) {
  const synclab::wait::WaitCounters before = synclab::wait::wait_counters();
  for (int i = 0; i < reads; ++i) {
    lock.lock_shared();
    lock.unlock_shared();
  }
  const synclab::wait::WaitCounters& now = synclab::wait::wait_counters();
  return {.waits = now.waits - before.waits, .wakes = now.wakes - before.wakes};
}

TEST(RwMinimal, EveryLastReaderWakesEvenWithNoWriter) {
  synclab::rwlocks::RwMinimal lock;
  const auto made = wakes_and_waits_of_reads(lock, 1'000);
  EXPECT_EQ(made.waits, 0u);
  EXPECT_EQ(made.wakes, 1'000u) << "the last reader cannot tell whether a writer sleeps";
}

TEST(RwWriterPref, ReadsMakeNoSyscallsWithoutAWaitingWriter) {
  synclab::rwlocks::RwWriterPref lock;
  const auto made = wakes_and_waits_of_reads(lock, 1'000);
  EXPECT_EQ(made.waits, 0u);
  EXPECT_EQ(made.wakes, 0u) << "only a reader leaving a waiting writer behind may wake";
}

}  // namespace
