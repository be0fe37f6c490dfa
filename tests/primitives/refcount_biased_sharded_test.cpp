// The parts of biased_rc and sharded_rc that the common contract does not
// reach: who takes the non-atomic path, when a cross-thread drop is merged,
// the dead-owner path, and the kill that collapses the shards.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <vector>

#include "refcount_testing.hpp"
#include "synclab/refcount/biased_rc.hpp"
#include "synclab/refcount/sharded_rc.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::refcount::BiasedRc;
using synclab::refcount::ShardedRc;
using synclab::testing::Tracked;
using Biased = BiasedRc<Tracked>;
using Sharded = ShardedRc<Tracked>;

TEST(BiasedRc, OnlyTheCreatingThreadTakesTheNonAtomicPath) {
  Biased h = Biased::make(1u);
  EXPECT_TRUE(h.owned_by_this_thread());
  bool elsewhere = true;
  std::thread([&] { elsewhere = h.owned_by_this_thread(); }).join();
  EXPECT_FALSE(elsewhere);
}

// A reference counted by the owner but dropped on another thread drives the
// shared count below zero: the object is queued for its owner, which merges
// it at its next safe point; until then it stays alive (never freed early).
TEST(BiasedRc, ADropOnAnotherThreadIsMergedAtTheOwnersNextSafePoint) {
  const long before = Tracked::live.load();
  Biased h = Biased::make(1u);
  Biased moved = h.clone();  // counted in the owner's biased count
  std::thread([m = std::move(moved)]() mutable { m.reset(); }).join();
  h.reset();  // biased 2 -> 1: the reference dropped elsewhere is still counted here
  EXPECT_EQ(Tracked::live.load(), before + 1);
  Biased::merge_pending();  // the safe point: biased 1 + shared -1 = 0
  EXPECT_EQ(Tracked::live.load(), before);
}

TEST(BiasedRc, MakeIsASafePoint) {
  const long before = Tracked::live.load();
  Biased h = Biased::make(1u);
  Biased moved = h.clone();
  std::thread([m = std::move(moved)]() mutable { m.reset(); }).join();
  h.reset();
  Biased other = Biased::make(2u);  // merges the queued object first
  EXPECT_EQ(Tracked::live.load(), before + 1);
  other.reset();
  EXPECT_EQ(Tracked::live.load(), before);
}

// The owner exits with its objects still referenced elsewhere: the thread that
// would queue an object for it merges it on the spot.
TEST(BiasedRc, AnObjectOfAnExitedOwnerIsMergedByTheDroppingThread) {
  const long before = Tracked::live.load();
  Biased kept;
  std::thread([&] {
    Biased mine = Biased::make(7u);
    kept = mine.clone();
  }).join();
  EXPECT_EQ(Tracked::live.load(), before + 1);
  EXPECT_FALSE(kept.owned_by_this_thread());
  kept.get()->check();
  kept.reset();
  EXPECT_EQ(Tracked::live.load(), before);
}

// A thread-local object of the owner thread, constructed before the thread's
// first make(), is destroyed after the owner's exit handling has retired
// its record (thread-locals die in reverse order of construction). An object
// made in that destructor and handed to another thread must still be
// destroyed when the other thread drops it: there is no safe point of its
// owner left to merge it at.
Biased handed_out;  // written by the exiting thread's destructor, read after join

struct MakesInItsDestructor {
  ~MakesInItsDestructor() {
    Biased made = Biased::make(9u);
    handed_out = made.clone();
  }
};

TEST(BiasedRc, AnObjectMadeAfterTheOwnerRetiredIsDestroyedByItsLastDrop) {
  const long before = Tracked::live.load();
  std::thread([] {
    static thread_local MakesInItsDestructor maker;  // before the first make(): destroyed after the exit handling
    static_cast<void>(&maker);
    Biased first = Biased::make(1u);
  }).join();
  ASSERT_TRUE(handed_out);
  EXPECT_EQ(Tracked::live.load(), before + 1);
  handed_out.get()->check();
  handed_out.reset();
  Biased::merge_pending();
  EXPECT_EQ(Tracked::live.load(), before) << "the object made after retirement was never destroyed";
}

TEST(BiasedRc, OwnerCloneAndDropNeverTouchTheSharedCount) {
  const long before = Tracked::live.load();
  Biased h = Biased::make(1u);
  for (int i = 0; i < 1000; ++i) {
    Biased c = h.clone();
    EXPECT_TRUE(c.owned_by_this_thread());
  }
  h.reset();  // biased 1 -> 0: implicit merge, shared 0: destroyed here
  EXPECT_EQ(Tracked::live.load(), before);
}

TEST(ShardedRc, TheObjectOutlivesTheKillWhileClonesRemain) {
  const long before = Tracked::live.load();
  Sharded base = Sharded::make(1u);
  EXPECT_TRUE(base.is_base());
  std::vector<Sharded> clones;
  for (int i = 0; i < 10; ++i) clones.push_back(base.clone());
  EXPECT_FALSE(clones.front().is_base());
  EXPECT_FALSE(base.killed());
  Sharded watcher = base.clone();
  base.reset();  // kill: the shards collapse into one count
  EXPECT_TRUE(watcher.killed());
  EXPECT_EQ(Tracked::live.load(), before + 1);
  clones.clear();
  EXPECT_EQ(Tracked::live.load(), before + 1);
  watcher.reset();
  EXPECT_EQ(Tracked::live.load(), before);
}

// Clones taken on one thread's shard and dropped on another's, while the base
// is killed in the middle of it all: nothing is lost, nothing freed early.
TEST(ShardedRc, KillRacingCloneAndDropOnEveryShard) {
  const long before = Tracked::live.load();
  for (int round = 0; round < 50; ++round) {
    Sharded base = Sharded::make(static_cast<std::uint64_t>(round));
    const int n = 4;
    std::vector<std::vector<Sharded>> handed(n);
    for (auto& v : handed)
      for (int i = 0; i < 200; ++i) v.push_back(base.clone());
    std::latch start(n + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < n; ++t)
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (Sharded& h : handed[static_cast<std::size_t>(t)]) {
          Sharded c = h.clone();
          c.get()->check();
          h.reset();
        }
      });
    start.arrive_and_wait();
    base.reset();
    for (auto& th : threads) th.join();
    EXPECT_EQ(Tracked::live.load(), before) << "round " << round;
  }
}

}  // namespace
