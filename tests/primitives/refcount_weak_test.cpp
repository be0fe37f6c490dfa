// Weak references, for arc_weak and std::weak_ptr: upgrade works while a
// strong handle lives and never after the last one is gone, also when the
// upgrade races the last drop; and arc_weak's get_mut, which must take weak
// references into account.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "refcount_testing.hpp"
#include "synclab/arch/cpu_relax.hpp"
#include "synclab/refcount/arc_weak.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::refcount::ArcWeak;
using synclab::testing::PrimitiveName;
using synclab::testing::Tracked;

template <class H>
class WeakContract : public ::testing::Test {};
TYPED_TEST_SUITE(WeakContract, synclab::testing::WeakRefCounts, PrimitiveName);

// The book's DetectDrop test: upgrade before and after the last strong drop.
TYPED_TEST(WeakContract, UpgradeWorksOnlyWhileAStrongHandleLives) {
  const long before = Tracked::live.load();
  TypeParam strong = TypeParam::make(5u);
  auto weak1 = strong.downgrade();
  auto weak2 = weak1.clone();
  {
    TypeParam up = weak1.upgrade();
    ASSERT_TRUE(up);
    EXPECT_EQ(up.get(), strong.get());
  }
  EXPECT_EQ(Tracked::live.load(), before + 1);
  strong.reset();
  EXPECT_EQ(Tracked::live.load(), before) << "weak references must not keep the object alive";
  EXPECT_FALSE(weak1.upgrade());
  EXPECT_FALSE(weak2.upgrade());
}

TYPED_TEST(WeakContract, AnEmptyWeakUpgradesToAnEmptyHandle) {
  typename TypeParam::weak_type w;
  EXPECT_FALSE(w.upgrade());
  auto c = w.clone();
  EXPECT_FALSE(c.upgrade());
}

// One thread drops the last strong handle while another keeps upgrading a
// weak one: an upgrade either returns a handle to the live object or an empty
// one, never a handle to a destroyed object.
TYPED_TEST(WeakContract, UpgradeRacingTheLastDropNeverReturnsADeadObject) {
  const long before = Tracked::live.load();
  TypeParam strong;
  typename TypeParam::weak_type weak;
  std::atomic<bool> done{false};
  std::barrier round(2);
  std::uint64_t upgraded = 0, refused = 0, rounds = 0;
  std::thread upgrader([&] {
    for (;;) {
      round.arrive_and_wait();  // the round's objects are set up
      if (done.load(std::memory_order_relaxed)) return;
      for (;;) {  // ends: the main thread drops the last strong handle this round
        TypeParam up = weak.upgrade();
        if (!up) {
          ++refused;
          break;
        }
        up.get()->check();
        ++upgraded;
      }
      round.arrive_and_wait();  // finished with this round's weak handle
    }
  });
  std::mt19937 rng(7);
  const auto until = std::chrono::steady_clock::now() + 250ms;
  do {
    strong = TypeParam::make(static_cast<std::uint64_t>(rounds));
    weak = strong.downgrade();
    round.arrive_and_wait();
    for (unsigned spin = rng() % 2000; spin > 0; --spin) synclab::cpu_relax();
    strong.reset();  // the last strong handle, dropped while the other thread upgrades
    round.arrive_and_wait();
    weak.reset();
    ++rounds;
  } while (std::chrono::steady_clock::now() < until);
  done.store(true, std::memory_order_relaxed);
  round.arrive_and_wait();
  upgrader.join();
  EXPECT_GT(rounds, 0u);
  EXPECT_EQ(refused, rounds) << "every round ends with a refused upgrade";
  EXPECT_EQ(Tracked::live.load(), before);
  this->RecordProperty("upgraded", static_cast<int>(upgraded));
}

// Weak handles cloned and dropped on many threads while strong handles come
// and go: the block is freed once, after the last of either kind.
TYPED_TEST(WeakContract, WeakAndStrongHandlesAcrossThreadsAreAllReleased) {
  const long before = Tracked::live.load();
  {
    TypeParam strong = TypeParam::make(1u);
    auto weak = strong.downgrade();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20'000; ++i) {
          if ((i + t) % 2 == 0) {
            auto w = weak.clone();
            if (TypeParam s = w.upgrade()) s.get()->check();
          } else {
            TypeParam s = strong.clone();
            auto w = s.downgrade();
            s.reset();
            if (TypeParam again = w.upgrade()) again.get()->check();
          }
        }
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(Tracked::live.load(), before + 1);
  }
  EXPECT_EQ(Tracked::live.load(), before);
}

// ---- arc_weak's get_mut ---------------------------------------------------------------

TEST(ArcWeakGetMut, NeedsTheOnlyStrongHandleAndNoWeak) {
  ArcWeak<Tracked> a = ArcWeak<Tracked>::make(1u);
  ASSERT_NE(ArcWeak<Tracked>::get_mut(a), nullptr);
  ArcWeak<Tracked>::get_mut(a)->value = 2;
  {
    ArcWeak<Tracked> b = a.clone();
    EXPECT_EQ(ArcWeak<Tracked>::get_mut(a), nullptr);
  }
  {
    auto w = a.downgrade();
    EXPECT_EQ(a.weak_count(), 1u);
    EXPECT_EQ(ArcWeak<Tracked>::get_mut(a), nullptr) << "a weak handle may upgrade at any time";
  }
  EXPECT_EQ(a.weak_count(), 0u);
  ASSERT_NE(ArcWeak<Tracked>::get_mut(a), nullptr);
  EXPECT_EQ(a.get()->value, 2u);
}

// The book's "annoying" thread: it holds exactly one reference at every
// moment but keeps turning it from weak to strong and back, so two counters
// read one after the other can each look unique. get_mut must never succeed.
// If it did, its caller's plain write and the annoying thread's plain read
// would also race (ThreadSanitizer).
TEST(ArcWeakGetMut, IsNeverFooledByAThreadSwitchingBetweenStrongAndWeak) {
  ArcWeak<Tracked> a = ArcWeak<Tracked>::make(0u);
  std::atomic<bool> stop{false};
  std::thread annoying([w = a.downgrade(), &stop]() mutable {
    std::uint64_t seen = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      ArcWeak<Tracked> s = w.upgrade();  // strong + weak
      w.reset();                         // strong only
      seen += s.get()->value;            // plain read while holding a strong handle
      w = s.downgrade();                 // strong + weak
      s.reset();                         // weak only
    }
    (void)seen;
  });
  std::uint64_t granted = 0;
  const auto until = std::chrono::steady_clock::now() + 150ms;
  std::uint64_t tries = 0;
  while (std::chrono::steady_clock::now() < until) {
    for (int i = 0; i < 256; ++i, ++tries) {
      if (Tracked* p = ArcWeak<Tracked>::get_mut(a)) {
        ++granted;
        p->value = tries;  // plain write: would race with the read above
      }
    }
  }
  stop.store(true, std::memory_order_relaxed);
  annoying.join();
  EXPECT_EQ(granted, 0u) << "get_mut succeeded while another thread held a reference";
  EXPECT_NE(ArcWeak<Tracked>::get_mut(a), nullptr) << "once the other thread is gone, a is unique";
}

}  // namespace
