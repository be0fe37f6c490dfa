// What is particular to BRAVO (rwlocks/bravo.hpp), over rw_writer_pref and
// over std::shared_mutex: readers go through the visible readers table once
// the bias is on, a writer revokes the bias and waits for them, the bias
// comes back after the inhibit window, and each unlock_shared() finds the
// path its lock_shared() took even when one thread holds two read locks of
// one lock, or read locks of two locks that hash to one slot. The rwlock
// contract itself is checked for both in rwlock_contract_test.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <unordered_map>

#include "rwlock_testing.hpp"
#include "synclab/peers/std_shared_mutex.hpp"
#include "synclab/rwlocks/bravo.hpp"
#include "synclab/rwlocks/rw_writer_pref.hpp"
#include "synclab/testing/typed_tests.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::PrimitiveName;

template <class L>
class BravoLock : public ::testing::Test {};
using BravoLocks = ::testing::Types<synclab::rwlocks::Bravo<synclab::rwlocks::RwWriterPref>,
                                    synclab::rwlocks::Bravo<synclab::peers::StdSharedMutex>>;
TYPED_TEST_SUITE(BravoLock, BravoLocks, PrimitiveName);

using synclab::testing::writer_gets_in;

// Reads until the bias is on (the first read after construction or after the
// inhibit window turns it on), within the hang bound.
template <class L>
bool read_until_biased(L& lock) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!lock.reader_bias() && std::chrono::steady_clock::now() < deadline) {
    lock.lock_shared();
    lock.unlock_shared();
  }
  return lock.reader_bias();
}

TYPED_TEST(BravoLock, FirstReadTurnsTheBiasOnAndLaterReadsAreVisible) {
  TypeParam lock;
  EXPECT_FALSE(lock.reader_bias()) << "a new lock starts unbiased";
  lock.lock_shared();
  EXPECT_EQ(lock.visible_readers(), 0) << "the first read takes the underlying lock";
  lock.unlock_shared();
  ASSERT_TRUE(lock.reader_bias()) << "the slow-path read did not turn the bias on";
  lock.lock_shared();
  EXPECT_EQ(lock.visible_readers(), 1) << "a read with the bias on publishes itself in the table";
  lock.unlock_shared();
  EXPECT_EQ(lock.visible_readers(), 0);
}

// The reader holds the lock through the table; the writer must revoke the
// bias and wait for it (a writer that skips the wait is the broken twin of
// rwlock_broken_test).
TYPED_TEST(BravoLock, WriterRevokesTheBiasAndWaitsForAVisibleReader) {
  TypeParam lock;
  ASSERT_TRUE(read_until_biased(lock));
  const auto result = synclab::testing::writer_behind_readers(lock, 50ms, 10s, [] {});
  EXPECT_FALSE(result.entered_while_read_held) << "lock() returned while a visible reader was inside";
  EXPECT_TRUE(result.woken);
  EXPECT_FALSE(lock.reader_bias()) << "the writer left the bias on";
  EXPECT_TRUE(read_until_biased(lock)) << "the bias never came back after the inhibit window";
}

TYPED_TEST(BravoLock, TwoReadLocksOfOneLockOnOneThread) {
  TypeParam lock;
  ASSERT_TRUE(read_until_biased(lock));
  lock.lock_shared();  // through the table
  lock.lock_shared();  // the slot is taken (by this thread, for this lock): through the underlying lock
  EXPECT_EQ(lock.visible_readers(), 1);
  lock.unlock_shared();
  lock.unlock_shared();
  EXPECT_EQ(lock.visible_readers(), 0);
  EXPECT_TRUE(writer_gets_in(lock)) << "left read-held";
}

// Two locks whose slot for this thread is the same: the second read lock
// cannot use the slot, and each unlock must still find its own path, in
// either order.
TYPED_TEST(BravoLock, TwoLocksThatShareThisThreadsSlot) {
  constexpr std::size_t kLocks = synclab::rwlocks::bravo_detail::kTableSlots + 1;  // a collision is certain
  const std::unique_ptr<TypeParam[]> locks(new TypeParam[kLocks]);
  std::unordered_map<std::size_t, std::size_t> first_with_slot;
  TypeParam* a = nullptr;
  TypeParam* b = nullptr;
  for (std::size_t i = 0; i < kLocks && b == nullptr; ++i) {
    const auto [it, fresh] = first_with_slot.try_emplace(synclab::rwlocks::bravo_detail::slot_index(&locks[i]), i);
    if (!fresh) {
      a = &locks[it->second];
      b = &locks[i];
    }
  }
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(read_until_biased(*a));
  ASSERT_TRUE(read_until_biased(*b));
  for (const bool a_first : {true, false}) {
    SCOPED_TRACE(a_first ? "released in the order taken" : "released in reverse");
    a->lock_shared();
    b->lock_shared();
    EXPECT_EQ(a->visible_readers(), 1);
    EXPECT_EQ(b->visible_readers(), 0) << "two locks in one slot";
    if (a_first) {
      a->unlock_shared();
      b->unlock_shared();
    } else {
      b->unlock_shared();
      a->unlock_shared();
    }
    EXPECT_EQ(a->visible_readers(), 0);
    EXPECT_TRUE(writer_gets_in(*a)) << "a left read-held";
    EXPECT_TRUE(writer_gets_in(*b)) << "b left read-held";
    ASSERT_TRUE(read_until_biased(*a));
    ASSERT_TRUE(read_until_biased(*b));
  }
}

}  // namespace
