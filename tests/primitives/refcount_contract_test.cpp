// The reference-count contract, checked for every count of ours and every
// peer: the object lives exactly as long as its last handle, across threads,
// whichever thread drops last; no early free (the payload aborts when used
// after destruction, ASan reports it first) and no leak (live instances are
// counted, and LeakSanitizer checks the asan build at exit).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "refcount_testing.hpp"
#include "synclab/arch/cpu_relax.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::PrimitiveName;
using synclab::testing::Tracked;

int stress_threads() {
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  return std::min(8, std::max(4, hw));
}

// ---- every count, the single-thread one included --------------------------------

template <class H>
class RefCountBasics : public ::testing::Test {};
TYPED_TEST_SUITE(RefCountBasics, synclab::testing::AllRefCounts, PrimitiveName);

TYPED_TEST(RefCountBasics, MakeGivesTheOnlyReference) {
  const long before = Tracked::live.load();
  {
    TypeParam h = TypeParam::make(7u);
    ASSERT_TRUE(h);
    EXPECT_EQ(h.get()->value, 7u);
    EXPECT_EQ(Tracked::live.load(), before + 1);
    h.reset();
    EXPECT_FALSE(h);
    EXPECT_EQ(h.get(), nullptr);
    EXPECT_EQ(Tracked::live.load(), before);
  }
  TypeParam empty;
  EXPECT_FALSE(empty);
  EXPECT_EQ(empty.get(), nullptr);
  empty.reset();  // no-op
}

TYPED_TEST(RefCountBasics, TheObjectLivesUntilItsLastHandle) {
  const long before = Tracked::live.load();
  TypeParam a = TypeParam::make(1u);
  TypeParam b = a.clone();
  TypeParam c = b;             // a copy is a clone
  TypeParam d = std::move(c);  // a move transfers the reference
  EXPECT_FALSE(c);
  EXPECT_EQ(a.get(), d.get());
  a.reset();
  b.reset();
  EXPECT_EQ(Tracked::live.load(), before + 1);
  d.get()->check();
  d.reset();
  EXPECT_EQ(Tracked::live.load(), before);
}

TYPED_TEST(RefCountBasics, AssignmentDropsTheOldReference) {
  const long before = Tracked::live.load();
  TypeParam a = TypeParam::make(1u);
  TypeParam b = TypeParam::make(2u);
  a = b.clone();
  EXPECT_EQ(Tracked::live.load(), before + 1);
  EXPECT_EQ(a.get()->value, 2u);
  a = TypeParam{};
  b = TypeParam{};
  EXPECT_EQ(Tracked::live.load(), before);
}

// ---- thread-safe counts ------------------------------------------------------------

template <class H>
class RefCountContract : public ::testing::Test {};
TYPED_TEST_SUITE(RefCountContract, synclab::testing::SharedRefCounts, PrimitiveName);

// Every thread clones and drops handles to one object, holding some for a
// while, so that clones and drops of different threads interleave.
TYPED_TEST(RefCountContract, NoEarlyFreeNoLeakWhenThreadsShareOneObject) {
  const long before = Tracked::live.load();
  TypeParam shared = TypeParam::make(42u);
  const int n = stress_threads();
  std::latch start(n);
  std::atomic<std::uint64_t> ops{0};
  const auto until = std::chrono::steady_clock::now() + 150ms;
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      std::vector<TypeParam> held;
      std::uint64_t mine = 0;
      do {  // at least one round, however late this thread starts
        for (int i = 0; i < 64; ++i, ++mine) {
          TypeParam c = shared.clone();
          c.get()->check();
          if (i % 8 == 0) held.push_back(std::move(c));
        }
        held.clear();
      } while (std::chrono::steady_clock::now() < until);
      ops.fetch_add(mine);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(ops.load(), 0u);
  EXPECT_EQ(Tracked::live.load(), before + 1);
  shared.get()->check();
  shared.reset();
  EXPECT_EQ(Tracked::live.load(), before);
}

// Each thread makes objects and swaps them through a ring of slots shared by
// all threads, dropping what it takes out: most objects are destroyed by a
// thread other than the one that made them (the cross_drop benchmark).
TYPED_TEST(RefCountContract, ObjectsDroppedByOtherThreadsAreDestroyedExactlyOnce) {
  const long before = Tracked::live.load();
  struct alignas(64) Slot {
    std::atomic<bool> busy{false};
    TypeParam handle;
  };
  const int n = stress_threads();
  std::vector<Slot> ring(static_cast<std::size_t>(4 * n));
  std::latch start(n);
  const auto until = std::chrono::steady_clock::now() + 150ms;
  std::atomic<std::uint64_t> made{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      std::size_t pos = static_cast<std::size_t>(4 * t);
      std::uint64_t mine = 0;
      do {
        for (int i = 0; i < 32; ++i, ++mine) {
          TypeParam fresh = TypeParam::make(static_cast<std::uint64_t>(t));
          TypeParam keep = fresh.clone();  // a second reference, dropped below on this thread
          Slot& s = ring[pos];
          pos = (pos + 1) % ring.size();
          while (s.busy.exchange(true, std::memory_order_acquire)) synclab::cpu_relax();
          std::swap(fresh, s.handle);
          s.busy.store(false, std::memory_order_release);
          if (fresh) fresh.get()->check();
        }
      } while (std::chrono::steady_clock::now() < until);
      made.fetch_add(mine);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(made.load(), 0u);
  for (Slot& s : ring) s.handle.reset();  // the main thread drops the last ones
  EXPECT_EQ(Tracked::live.load(), before);
}

// The thread that made the object exits while another thread still holds a
// reference; that reference's drop must destroy it.
TYPED_TEST(RefCountContract, LastDropAfterTheCreatingThreadExited) {
  const long before = Tracked::live.load();
  TypeParam survivor;
  std::thread([&] {
    TypeParam mine = TypeParam::make(3u);
    survivor = mine.clone();
    TypeParam another = mine.clone();
  }).join();
  EXPECT_EQ(Tracked::live.load(), before + 1);
  survivor.get()->check();
  TypeParam second = survivor.clone();
  survivor.reset();
  EXPECT_EQ(Tracked::live.load(), before + 1);
  second.reset();
  EXPECT_EQ(Tracked::live.load(), before);
}

// Handles cloned on one thread and dropped on many, while the maker keeps
// cloning: the owner and non-owner paths of biased_rc, the shards of
// sharded_rc after a kill.
TYPED_TEST(RefCountContract, ClonesHandedToOtherThreadsAreAllAccountedFor) {
  const long before = Tracked::live.load();
  const int consumers = stress_threads() - 1;
  std::vector<std::vector<TypeParam>> batches(static_cast<std::size_t>(consumers));
  {
    TypeParam origin = TypeParam::make(9u);
    for (int c = 0; c < consumers; ++c)
      for (int i = 0; i < 2000; ++i) batches[static_cast<std::size_t>(c)].push_back(origin.clone());
    std::latch start(consumers + 1);
    std::vector<std::thread> threads;
    for (int c = 0; c < consumers; ++c)
      threads.emplace_back([&, c] {
        start.arrive_and_wait();
        for (TypeParam& h : batches[static_cast<std::size_t>(c)]) {
          h.get()->check();
          h.reset();
        }
      });
    start.arrive_and_wait();
    for (int i = 0; i < 2000; ++i) {
      TypeParam local = origin.clone();
      local.get()->check();
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(Tracked::live.load(), before + 1);
    origin.get()->check();
  }
  // biased_rc: the consumers' drops were queued for this (the owner) thread;
  // they are merged, and the object destroyed, at its next safe point.
  synclab::testing::reach_safe_point<TypeParam>();
  EXPECT_EQ(Tracked::live.load(), before);
}

}  // namespace
