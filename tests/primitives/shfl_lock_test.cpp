// ShflLock (both variants) beyond the common contract of lock_stress_test.cpp
// (which runs them with the default single domain): on a synthetic
// two-domain map (domain = CPU parity, threads pinned), the shuffler moves a
// waiter of its own domain ahead of a waiter of the other domain; the batch
// bound limits how many overtake a remote waiter; the blocking variant's
// shuffler wakes the parked waiter it moves; progress with 2, 3 and 6
// threads; the blocking variant's waiters park and are all woken; mutual
// exclusion with threads pinned in both domains. And the broken twins
// (broken_shfl_lock.hpp), which the checks must catch (ShflBroken.*, run as
// shfl_lock_negative_test).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "synclab/locks/cohort_domains.hpp"
#include "synclab/locks/shfl_lock.hpp"
#include "synclab/testing/broken_shfl_lock.hpp"
#include "synclab/testing/cpu_affinity.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/lock_stress.hpp"
#include "synclab/testing/parity_domains.hpp"
#include "synclab/testing/progress_check.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::BasicShflLock;
using synclab::locks::ShflLock;
using synclab::locks::ShflLockBlocking;
using synclab::locks::ShflNode;
using synclab::testing::check_progress;
using synclab::testing::pin_and_refresh_domain;
using synclab::testing::ProgressResult;
using synclab::testing::ShflBlockingCountingWakes;
using synclab::testing::ShflBlockingForgetsWake;
using synclab::testing::ShflNeverStops;

// The waiters' indices in queue order, walking the links from `head` (the
// shuffler may be relinking: a torn walk only shows as a change).
std::vector<int> queue_order(const ShflNode* head, const std::map<const ShflNode*, int>& index) {
  std::vector<int> order;
  for (const ShflNode* n = head; n != nullptr && order.size() <= index.size();
       n = n->next.load(std::memory_order_acquire)) {
    const auto it = index.find(n);
    order.push_back(it == index.end() ? -1 : it->second);
  }
  return order;
}

class ShflParityDomains : public synclab::testing::ParityDomainsTest {
 protected:
  struct Script {
    std::vector<int> admitted;  // waiters' indices in acquisition order
    std::vector<int> queued;    // the queue as it stood when the holder released
  };

  // The test thread holds the lock (fast path, so the first waiter becomes
  // the queue head); waiters pinned to the given domains queue one after the
  // other (each seen at the tail before the next starts, with `pause` after
  // each so that blocking waiters park); once every waiter is linked and the
  // queue has not changed for 100 ms (the shuffler is done), the holder
  // releases. nullopt if a waiter was never admitted within 10 s.
  template <class L>
  std::optional<Script> run_script(L& lock, const std::vector<int>& waiter_domains,
                                   std::chrono::milliseconds pause = 0ms) {
    synclab::testing::AffinityRestorer restore;
    pin_and_refresh_domain(cpu_of_domain(0));
    const std::size_t n = waiter_domains.size();
    std::vector<std::atomic<int>> admitted(n);
    std::atomic<std::size_t> admissions{0};
    std::atomic<std::size_t> done{0};
    std::map<const ShflNode*, int> index;
    std::vector<const ShflNode*> nodes;
    std::vector<std::thread> pool;
    lock.lock();
    EXPECT_EQ(lock.queue_tail(), nullptr);
    const ShflNode* seen = nullptr;
    for (std::size_t i = 0; i < n; ++i) {
      const int cpu = cpu_of_domain(waiter_domains[i]);
      pool.emplace_back([&, cpu, i] {
        pin_and_refresh_domain(cpu);
        lock.lock();
        const std::size_t place = admissions.fetch_add(1, std::memory_order_relaxed);
        if (place < n) admitted[place].store(static_cast<int>(i), std::memory_order_relaxed);
        lock.unlock();
        done.fetch_add(1, std::memory_order_release);
      });
      while (lock.queue_tail() == seen) std::this_thread::sleep_for(200us);
      seen = lock.queue_tail();
      nodes.push_back(seen);
      index[seen] = static_cast<int>(i);
      std::this_thread::sleep_for(pause);
    }
    Script script;
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    auto stable_since = std::chrono::steady_clock::now();
    std::vector<int> last = queue_order(nodes.front(), index);
    while (std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(2ms);
      std::vector<int> now = queue_order(nodes.front(), index);
      if (now != last) {
        last = std::move(now);
        stable_since = std::chrono::steady_clock::now();
      } else if (last.size() == n && std::chrono::steady_clock::now() - stable_since >= 100ms) {
        break;
      }
    }
    script.queued = last;
    lock.unlock();
    while (done.load(std::memory_order_acquire) < n && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(1ms);
    const bool all = done.load(std::memory_order_acquire) == n;
    if (!all) {
      // A correct lock never gets here; a stuck waiter cannot be freed.
      std::fputs("run_script: a waiter was never admitted\n", stderr);
      std::abort();
    }
    for (auto& t : pool) t.join();
    for (const auto& a : admitted) script.admitted.push_back(a.load(std::memory_order_relaxed));
    return script;
  }
};

// How many waiters that queued after waiter `w` were admitted before it.
int overtakers(const std::vector<int>& admitted, int w) {
  int count = 0;
  for (const int i : admitted) {
    if (i == w) break;
    if (i > w) ++count;
  }
  return count;
}

// Domains 0 (head), 1, 0, 1: the head's shuffling moves waiter 2 (its domain)
// ahead of waiter 1; waiter 3, the tail, stays where it is.
TEST_F(ShflParityDomains, TheShufflerMovesAWaiterOfItsDomainAhead) {
  ShflLock lock;
  const auto s = run_script(lock, {0, 1, 0, 1});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->queued, (std::vector<int>{0, 2, 1, 3}));
  EXPECT_EQ(s->admitted, (std::vector<int>{0, 2, 1, 3}));
}

// The same in the blocking variant, with every waiter given time to park:
// the head's shuffler moves waiter 2 and wakes it (it was asleep).
TEST_F(ShflParityDomains, TheBlockingShufflerMovesAndWakesAParkedWaiter) {
  ShflBlockingCountingWakes lock;
  const auto s = run_script(lock, {0, 1, 0, 1}, 50ms);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->queued, (std::vector<int>{0, 2, 1, 3}));
  EXPECT_EQ(s->admitted, (std::vector<int>{0, 2, 1, 3}));
  EXPECT_GE(lock.shuffled_wakes(), 1u) << "the shuffler never woke the parked waiter it moved";
}

// Batch bound 3 (the head and two more): the head (domain 0) gathers waiters
// 2 and 3 ahead of waiter 1 (domain 1), then stops; 4 and 5 stay behind it.
// Waiter 1 is overtaken by MaxShuffles - 1 = 2 waiters, no more.
TEST_F(ShflParityDomains, TheBatchBoundLimitsHowOftenARemoteWaiterIsOvertaken) {
  BasicShflLock<false, 3> lock;
  const auto s = run_script(lock, {0, 1, 0, 0, 0, 0, 1});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->queued, (std::vector<int>{0, 2, 3, 1, 4, 5, 6}));
  EXPECT_EQ(s->admitted, (std::vector<int>{0, 2, 3, 1, 4, 5, 6}));
  EXPECT_LE(overtakers(s->admitted, 1), 2);
}

template <class L>
void expect_exclusion_in_both_domains(int cpu0, int cpu1) {
  L lock;
  std::atomic<bool> two_holders{false};
  std::atomic<std::uint64_t> in_cs{0};
  std::uint64_t count = 0;  // protected by the lock
  std::array<std::uint64_t, 4> acquisitions{};
  const auto end = std::chrono::steady_clock::now() + 300ms;
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t) {
    pool.emplace_back([&, t] {
      synclab::testing::AffinityRestorer restore;
      pin_and_refresh_domain(t % 2 == 0 ? cpu0 : cpu1);
      std::uint64_t mine = 0;
      while (std::chrono::steady_clock::now() < end) {
        lock.lock();
        if (in_cs.fetch_add(1, std::memory_order_relaxed) != 0) two_holders.store(true, std::memory_order_relaxed);
        ++count;
        in_cs.fetch_sub(1, std::memory_order_relaxed);
        lock.unlock();
        ++mine;
      }
      acquisitions[static_cast<std::size_t>(t)] = mine;
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_FALSE(two_holders.load()) << L::name << ": two holders at once";
  std::uint64_t total = 0;
  for (const std::uint64_t a : acquisitions) total += a;
  EXPECT_GT(total, 0u);
  EXPECT_EQ(count, total) << L::name;
}

// Threads pinned two by two to both domains (a handoff may cost a time
// slice, so the run is bounded by time), then left free to migrate.
TEST_F(ShflParityDomains, ExcludesWithThreadsInBothDomains) {
  expect_exclusion_in_both_domains<ShflLock>(cpu_of_domain(0), cpu_of_domain(1));
  expect_exclusion_in_both_domains<ShflLockBlocking>(cpu_of_domain(0), cpu_of_domain(1));
  ShflLock spin;
  ShflLockBlocking blocking;
  for (const auto& r : {synclab::testing::stress_mutual_exclusion(spin, 4, 200ms, 200'000),
                        synclab::testing::stress_mutual_exclusion(blocking, 4, 200ms, 200'000)}) {
    EXPECT_GT(r.ops, 0u);
    EXPECT_EQ(r.owner_violations, 0u);
    EXPECT_EQ(r.lost_updates, 0u);
  }
}

template <class L>
ProgressResult run_rounds(int threads, std::chrono::milliseconds budget) {
  L lock;
  return check_progress(
      threads, budget, 1s, [&](int) { lock.lock(); }, [&](int) { lock.unlock(); }, [] {});
}

TEST(ShflLock, MakesProgressWith2And3And6Threads) {
  for (const int threads : {2, 3, 6}) {
    const ProgressResult spin = run_rounds<ShflLock>(threads, 200ms);
    EXPECT_FALSE(spin.stalled) << threads << " threads";
    EXPECT_EQ(spin.violations, 0u) << threads << " threads";
    EXPECT_GT(spin.ops, 0u) << threads << " threads";
    const ProgressResult blocking = run_rounds<ShflLockBlocking>(threads, 200ms);
    EXPECT_FALSE(blocking.stalled) << threads << " threads (blocking)";
    EXPECT_EQ(blocking.violations, 0u) << threads << " threads (blocking)";
    EXPECT_GT(blocking.ops, 0u) << threads << " threads (blocking)";
  }
}

// Six threads on however many CPUs: waiters behind the head park, and every
// one of them is woken and gets the lock (no lost wake-up).
TEST(ShflLock, BlockingWaitersParkAndAreAllWoken) {
  constexpr int kThreads = 6;
  ShflLockBlocking lock;
  std::atomic<bool> stop{false};
  std::array<std::uint64_t, kThreads> acquisitions{};  // each written by its own thread
  std::array<std::uint64_t, kThreads> parks{};
  std::uint64_t protected_count = 0;  // under the lock
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      const std::uint64_t waits_before = synclab::wait::wait_counters().waits;
      std::uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        lock.lock();
        ++protected_count;
        // A critical section long enough that the waiters behind the head
        // outlast their spin budget.
        const auto until = std::chrono::steady_clock::now() + 20us;
        while (std::chrono::steady_clock::now() < until) synclab::cpu_relax();
        lock.unlock();
        ++mine;
      }
      acquisitions[static_cast<std::size_t>(t)] = mine;
      parks[static_cast<std::size_t>(t)] = synclab::wait::wait_counters().waits - waits_before;
    });
  }
  std::this_thread::sleep_for(400ms);
  stop.store(true, std::memory_order_relaxed);
  {
    synclab::testing::HangWatchdog watchdog(synclab::testing::kHangLimit, ShflLockBlocking::name, "join");
    for (auto& t : pool) t.join();
  }
  std::uint64_t total = 0;
  std::uint64_t total_parks = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_GT(acquisitions[static_cast<std::size_t>(t)], 0u) << "thread " << t << " never got the lock";
    total += acquisitions[static_cast<std::size_t>(t)];
    total_parks += parks[static_cast<std::size_t>(t)];
  }
  EXPECT_EQ(protected_count, total);
  EXPECT_GT(total_parks, 0u) << "no waiter ever parked";
  RecordProperty("parks", static_cast<int>(total_parks));
}

TEST(ShflLock, NamesEncodeANonDefaultBound) {
  EXPECT_EQ(ShflLock::name, "shfl_lock");
  EXPECT_EQ(ShflLockBlocking::name, "shfl_lock_blocking");
  EXPECT_EQ((BasicShflLock<false, 3>::name), "shfl_lock_batch3");
  EXPECT_EQ((BasicShflLock<true, 3>::name), "shfl_lock_blocking_batch3");
}

// The unbounded shuffler, same script as the bound test: waiters 2 to 5 all
// overtake waiter 1. The real lock on the same script is the positive control.
TEST_F(ShflParityDomains, ShflBrokenUnboundedShufflerOvertakesTheRemoteWaiterPastTheBound) {
  ShflNeverStops<3> broken;
  const auto s = run_script(broken, {0, 1, 0, 0, 0, 0, 1});
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(overtakers(s->admitted, 1), 2) << "the bypass check missed the unbounded shuffler";
  BasicShflLock<false, 3> real;
  const auto control = run_script(real, {0, 1, 0, 0, 0, 0, 1});
  ASSERT_TRUE(control.has_value());
  EXPECT_LE(overtakers(control->admitted, 1), 2);
}

constexpr int kStallExit = 3;

// In a child process: rounds of the progress check until it sees a stall
// (exit kStallExit at once: the sleeper cannot be freed) or 20 s pass (exit 0).
template <class L>
[[noreturn]] void progress_until_stall() {
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  int rounds = 0;
  while (std::chrono::steady_clock::now() < give_up) {
    L lock;
    check_progress(
        4 + rounds % 3, 300ms, 1s, [&](int) { lock.lock(); }, [&](int) { lock.unlock(); },
        [] {
          std::fputs("stall seen\n", stderr);
          std::fflush(stderr);
          std::_Exit(kStallExit);
        });
    ++rounds;
  }
  std::_Exit(0);
}

TEST(ShflBroken, BlockingHandOverThatForgetsTheWakeIsCaughtAsAStall) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(progress_until_stall<ShflBlockingForgetsWake>(), ::testing::ExitedWithCode(kStallExit), "stall seen");
}

}  // namespace
