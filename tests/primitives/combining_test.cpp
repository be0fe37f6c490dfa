// The combining locks (flat_combining, mcs_combiner) and the adapter that
// makes every lock Combinable: each call's section runs exactly once, under
// mutual exclusion, and its result reaches its own caller (combine_check.hpp),
// with 2, 3 and 6 threads; callers that come and go while a combiner works
// (flat combining's records age out and come back); the plain lock()/unlock()
// mixed with lock_combine on the same data; results of every kind; the lock
// destroyed right after the last call returns; and the broken twin that
// leaves at its bound without handing over (broken_combiners.hpp), which the
// progress check must catch (McsCombinerBroken.*, run as
// combining_negative_test).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "synclab/concepts.hpp"
#include "synclab/locks/combining.hpp"
#include "synclab/locks/flat_combining.hpp"
#include "synclab/locks/mcs_combiner.hpp"
#include "synclab/locks/ticket.hpp"
#include "synclab/locks/with_thread_local_node.hpp"
#include "synclab/testing/broken_combiners.hpp"
#include "synclab/testing/combine_check.hpp"
#include "synclab/testing/progress_check.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::BasicFlatCombining;
using synclab::locks::BasicMcsCombiner;
using synclab::locks::FlatCombining;
using synclab::locks::LockThenRun;
using synclab::locks::McsCombiner;
using synclab::testing::check_combine;
using synclab::testing::CombineResult;

// Flat combining with aging on every pass: records leave the list as soon as
// their owner pauses, so re-insertion races with the scans all the time.
using FlatCombiningEager = BasicFlatCombining<1, 1>;
// The MCS combiner handing over after one served call: the role moves often.
using McsCombinerShort = BasicMcsCombiner<1>;

static_assert(synclab::Combinable<LockThenRun<synclab::locks::Ticket>>);

template <class C>
class Combining : public ::testing::Test {};

using CombiningLocks = ::testing::Types<FlatCombining, FlatCombiningEager, McsCombiner, McsCombinerShort,
                                        LockThenRun<synclab::locks::Ticket>>;
TYPED_TEST_SUITE(Combining, CombiningLocks);

void expect_clean(const CombineResult& r, int threads) {
  EXPECT_FALSE(r.stalled) << threads << " threads: no call completed for the stall limit";
  EXPECT_EQ(r.overlaps, 0U) << threads << " threads: two sections ran at once";
  EXPECT_EQ(r.misdelivered, 0U) << threads << " threads: a result reached another caller";
  EXPECT_EQ(r.out_of_order, 0U) << threads << " threads: a call returned before its section ran";
  EXPECT_EQ(r.applied, r.calls) << threads << " threads: sections applied vs calls returned";
  EXPECT_GT(r.calls, 0U);
}

TYPED_TEST(Combining, EachSectionOnceExclusiveAndDeliveredWithTwoThreeSixThreads) {
  for (const int threads : {2, 3, 6}) {
    TypeParam lock;
    const CombineResult r = check_combine(lock, threads, 300ms, 2s, 0, [] {});
    expect_clean(r, threads);
  }
}

// Waves of short-lived threads, a few calls each: a combiner regularly leaves
// (its call done) while others have just published, and records of exited
// threads stay behind. Nothing may be lost: every wave must finish.
TYPED_TEST(Combining, NoRequestLostWhenCallersAndCombinersLeave) {
  TypeParam lock;
  for (int wave = 0; wave < 40; ++wave) {
    const CombineResult r = check_combine(lock, 2 + wave % 5, 5s, 2s, 1 + static_cast<std::uint64_t>(wave % 7), [] {});
    expect_clean(r, 2 + wave % 5);
    if (::testing::Test::HasFailure()) return;
  }
}

// A section of every result kind: void, a value, a move-only value.
TYPED_TEST(Combining, ReturnsWhatTheSectionReturns) {
  TypeParam lock;
  int touched = 0;
  lock.lock_combine([&]() noexcept { ++touched; });
  EXPECT_EQ(touched, 1);
  EXPECT_EQ(lock.lock_combine([&]() noexcept { return touched * 21; }), 21);
  const std::unique_ptr<int> p = lock.lock_combine([&]() noexcept { return std::make_unique<int>(touched + 1); });
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 2);
}

// Destroy-after-last-call: the thread whose call returns last deletes the
// lock at once; a lock that touches itself after releasing its last caller
// is caught by AddressSanitizer (heap-use-after-free).
TYPED_TEST(Combining, MayBeDestroyedRightAfterTheLastCallReturns) {
  for (int round = 0; round < 50; ++round) {
    auto* lock = new TypeParam;
    constexpr int kThreads = 3;
    std::atomic<int> left{kThreads};
    std::uint64_t counter = 0;
    std::vector<std::thread> pool;
    for (int i = 0; i < kThreads; ++i) {
      pool.emplace_back([&] {
        for (int n = 0; n < 200; ++n) lock->lock_combine([&]() noexcept { ++counter; });
        if (left.fetch_sub(1, std::memory_order_acq_rel) == 1) delete lock;
      });
    }
    for (auto& t : pool) t.join();
    EXPECT_EQ(counter, 200U * kThreads);
  }
}

// Records of threads that are gone age out of the publication list: after
// the churn, one thread's passes leave at most its own record and the head.
TEST(FlatCombining, InactiveRecordsAgeOutOfThePublicationList) {
  FlatCombiningEager lock;
  const CombineResult r = check_combine(lock, 6, 200ms, 2s, 0, [] {});
  expect_clean(r, 6);
  EXPECT_GE(lock.active_records(), 1U);
  for (int n = 0; n < 10; ++n) lock.lock_combine([]() noexcept {});
  EXPECT_LE(lock.active_records(), 2U) << "records of exited threads still on the list";
}

// The plain lock and lock_combine exclude each other on the same data.
template <class Lock, class Combine>
void mix_plain_and_combined(Lock lock_fn, Combine combine_fn) {
  constexpr int kThreads = 4;
  constexpr int kCalls = 5000;
  std::uint64_t counter = 0;
  std::vector<std::thread> pool;
  for (int i = 0; i < kThreads; ++i) {
    pool.emplace_back([&, i] {
      for (int n = 0; n < kCalls; ++n) {
        if ((n + i) % 2 == 0) {
          lock_fn([&] { ++counter; });
        } else {
          combine_fn([&]() noexcept { ++counter; });
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(counter, static_cast<std::uint64_t>(kThreads) * kCalls);
}

TEST(FlatCombining, PlainLockExcludesCombinedSections) {
  FlatCombining lock;
  mix_plain_and_combined(
      [&](auto&& cs) {
        lock.lock();
        cs();
        lock.unlock();
      },
      [&](auto&& cs) { lock.lock_combine(cs); });
}

TEST(McsCombiner, PlainLockExcludesCombinedSectionsAndUnlockServesTheQueue) {
  synclab::locks::WithThreadLocalNode<McsCombiner> lock;
  mix_plain_and_combined(
      [&](auto&& cs) {
        lock.lock();
        cs();
        lock.unlock();
      },
      [&](auto&& cs) { lock.inner().lock_combine(cs); });
}

TEST(McsCombinerBroken, LeavingAtTheBoundWithoutHandingOverIsCaughtAsAStall) {
  const auto caught = synclab::testing::repeat_until_caught(
      [](int) {
        synclab::testing::McsCombinerStopsAtBound lock;
        return check_combine<false>(lock, 6, 500ms, 1s, 0, [&] { lock.abandon_waiters(); });
      },
      [](const CombineResult& r) { return r.stalled; }, 60s);
  EXPECT_TRUE(caught.last.stalled) << "the lost hand-over went unnoticed in " << caught.rounds << " rounds";
}

}  // namespace
