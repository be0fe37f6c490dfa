// Reciprocating locks beyond the common contract of lock_stress_test.cpp:
// the admission order that defines them (newest first within a segment, no
// newcomer ahead of a waiting segment: bounded bypass), progress with more
// threads than CPUs, and the broken twin that forgets its arrivals
// (broken_reciprocating.hpp), which the progress check must catch
// (ReciprocatingBroken.*, run as reciprocating_negative_test).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "synclab/locks/reciprocating.hpp"
#include "synclab/testing/broken_reciprocating.hpp"
#include "synclab/testing/progress_check.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::Reciprocating;
using synclab::testing::check_lock_progress;
using synclab::testing::check_progress;
using synclab::testing::ProgressResult;
using synclab::testing::repeat_until_caught;
using synclab::testing::ReciprocatingForgetsArrivals;

// Waiters started one at a time, each seen on the arrival stack before the
// next starts; the holder of the lock when the first wave is queued is the
// test thread. Waiter `pause_in` holds the lock until the second wave is
// queued. Returns the names in acquisition order.
class AdmissionScript {
 public:
  // Starts waiter `name` and waits until it is the most recent arrival.
  void arrive(const std::string& name) {
    auto token = std::make_shared<std::atomic<const void*>>(nullptr);
    pool_.emplace_back([this, name, token] {
      token->store(Reciprocating::thread_token(), std::memory_order_release);
      lock_.lock();
      order_.push_back(name);  // protected by the lock under test
      if (name == pause_in_) {
        paused_.store(true, std::memory_order_release);
        while (!resume_.load(std::memory_order_acquire)) std::this_thread::yield();
      }
      lock_.unlock();
    });
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      const void* t = token->load(std::memory_order_acquire);
      if (t != nullptr && lock_.is_last(t)) break;
      ASSERT_LT(std::chrono::steady_clock::now(), give_up) << name << " never arrived";
      std::this_thread::sleep_for(200us);
    }
  }

  void hold() { lock_.lock(); }
  void release() { lock_.unlock(); }
  void pause_in(const std::string& name) { pause_in_ = name; }
  void wait_until_paused() {
    while (!paused_.load(std::memory_order_acquire)) std::this_thread::yield();
  }
  void resume() { resume_.store(true, std::memory_order_release); }

  std::vector<std::string> finish() {
    for (auto& t : pool_) t.join();
    return order_;
  }

 private:
  Reciprocating lock_;
  std::vector<std::thread> pool_;
  std::vector<std::string> order_;
  std::string pause_in_;
  std::atomic<bool> paused_{false};
  std::atomic<bool> resume_{false};
};

// A and B queue behind the holder and form the first segment, served newest
// first; C and D arrive while B holds the lock: they wait for A, the rest of
// the segment, and then go newest first in theirs. Nobody who arrived after
// A entered before it: the bypass bound.
TEST(Reciprocating, AdmitsSegmentsInTurnAndNewestFirstWithinOne) {
  AdmissionScript s;
  s.hold();
  s.arrive("A");
  s.arrive("B");
  s.pause_in("B");
  s.release();
  s.wait_until_paused();
  s.arrive("C");
  s.arrive("D");
  s.resume();
  EXPECT_EQ(s.finish(), (std::vector<std::string>{"B", "A", "D", "C"}));
}

TEST(Reciprocating, MakesProgressWithMoreThreadsThanCpus) {
  for (const int threads : {2, 3, 6}) {
    const ProgressResult r = check_lock_progress<Reciprocating>(threads, 150ms);
    EXPECT_FALSE(r.stalled) << threads << " threads";
    EXPECT_EQ(r.violations, 0u) << threads << " threads";
    EXPECT_GT(r.ops, 0u) << threads << " threads";
  }
}

// Several locks held at once with one wait element per thread.
TEST(Reciprocating, OneWaitElementServesSeveralLocks) {
  Reciprocating a;
  Reciprocating b;
  const ProgressResult r = check_progress(
      3, 150ms, 1s,
      [&](int) {
        a.lock();
        b.lock();
      },
      [&](int i) {
        (i % 2 == 0 ? a : b).unlock();  // both release orders
        (i % 2 == 0 ? b : a).unlock();
      },
      [] {});
  EXPECT_FALSE(r.stalled);
  EXPECT_GT(r.ops, 0u);
}

TEST(ReciprocatingBroken, ReleasingWithoutCheckingArrivalsIsCaughtAsAStall) {
  const auto c = repeat_until_caught(
      [](int round) { return check_lock_progress<ReciprocatingForgetsArrivals>(2 + round % 2, 1500ms); },
      [](const ProgressResult& r) { return r.stalled; }, 20s);
  EXPECT_TRUE(c.last.stalled) << "no stall in " << c.rounds << " rounds";
  RecordProperty("rounds", c.rounds);
}

}  // namespace
