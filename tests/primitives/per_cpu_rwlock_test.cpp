// What is particular to the per-CPU reader-writer lock
// (rwlocks/per_cpu_rwlock.hpp): a reader that moves to another CPU inside its
// section still releases the slot it took, on every pair of CPUs; a thread
// holding more read locks than its record has room for falls back to its
// fixed slot and leaves every lock free; one slot per configured CPU. The
// rwlock contract itself is checked in rwlock_contract_test, writer
// preference in rwlock_starvation_test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "rwlock_testing.hpp"
#include "synclab/rwlocks/per_cpu_rwlock.hpp"
#include "synclab/testing/cpu_affinity.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::rwlocks::PerCpuRwLock;

using synclab::testing::writer_gets_in;

TEST(PerCpuRwLock, OneSlotPerConfiguredCpu) {
  const PerCpuRwLock lock;
  const long configured = sysconf(_SC_NPROCESSORS_CONF);
  EXPECT_EQ(lock.slot_count(), static_cast<std::uint32_t>(std::clamp<long>(configured, 1, 256)));
}

// Every ordered pair of allowed CPUs (at most four CPUs, so twelve moves).
TEST(PerCpuRwLock, ReaderMovedToAnotherCpuReleasesTheSlotItTook) {
  std::vector<int> cpus = synclab::testing::allowed_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs to move a reader between";
  cpus.resize(std::min<std::size_t>(cpus.size(), 4));
  int moves = 0;
  for (const int from : cpus) {
    for (const int to : cpus) {
      if (from == to) continue;
      PerCpuRwLock lock;
      const auto result = synclab::testing::writer_after_a_migrated_read(lock, from, to, 10s, [] {});
      if (!result.migrated) continue;
      ++moves;
      EXPECT_TRUE(result.writer_got_in) << "CPU " << from << " -> " << to << ": the lock was left read-held";
    }
  }
  if (moves == 0) GTEST_SKIP() << "the reader could not be moved between CPUs";
}

// More read locks than the thread's record holds: the overflow uses the
// thread's fixed slot, and unlocking in any order leaves each lock free.
TEST(PerCpuRwLock, MoreHeldReadLocksThanTheRecordHolds) {
  constexpr std::size_t kLocks = synclab::rwlocks::per_cpu_detail::kRecordCapacity + 8;
  std::vector<std::unique_ptr<PerCpuRwLock>> locks;
  for (std::size_t i = 0; i < kLocks; ++i) locks.push_back(std::make_unique<PerCpuRwLock>());
  for (auto& l : locks) l->lock_shared();
  locks[kLocks - 1]->lock_shared();  // the last one twice: one recorded slot or none, one fixed slot
  // Release from the middle outwards, so recorded and unrecorded ones interleave.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < kLocks; ++i) order.push_back((i * 7) % kLocks);  // 7 is prime to kLocks = 24
  std::sort(order.begin(), order.end());
  ASSERT_EQ(std::unique(order.begin(), order.end()), order.end()) << "the release order misses a lock";
  for (std::size_t i = 0; i < kLocks; ++i) locks[(i * 7) % kLocks]->unlock_shared();
  locks[kLocks - 1]->unlock_shared();
  EXPECT_EQ(synclab::rwlocks::per_cpu_detail::held_slots.count, 0u) << "entries left in the record";
  for (auto& l : locks) EXPECT_TRUE(writer_gets_in(*l));
}

}  // namespace
