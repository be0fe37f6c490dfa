// Malthusian MCS beyond the common contract of lock_stress_test.cpp: with
// more threads than CPUs it moves surplus waiters to its passive list, where
// they sleep, and still admits every thread (periodic promotion); and the
// broken twin that never readmits (broken_malthusian.hpp), which the progress
// check must catch (MalthusianBroken.*, run as malthusian_mcs_negative_test).
// Nothing here judges speed: the oversubscribed throughput is a benchmark's
// question (docs/locks-frontier.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "synclab/locks/malthusian_mcs.hpp"
#include "synclab/testing/broken_malthusian.hpp"
#include "synclab/testing/progress_check.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::BasicMalthusianMcs;
using synclab::locks::MalthusianMcs;
using synclab::locks::MalthusianNode;
using synclab::testing::check_progress;
using synclab::testing::MalthusianNeverReadmits;
using synclab::testing::ProgressResult;

// Six threads on however many CPUs: with at least three waiters queued the
// holder culls one per unlock. A short promotion period (every 64 unlocks)
// must still let every thread in many times.
TEST(MalthusianMcs, CullsSurplusWaitersWhoParkAndAreReadmitted) {
  constexpr int kThreads = 6;
  BasicMalthusianMcs<64> lock;
  std::atomic<bool> stop{false};
  std::array<std::uint64_t, kThreads> acquisitions{};  // each written by its own thread
  std::array<std::uint64_t, kThreads> parks{};
  std::uint64_t protected_count = 0;  // under the lock
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      MalthusianNode node;
      const std::uint64_t waits_before = synclab::wait::wait_counters().waits;
      std::uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        lock.lock(node);
        ++protected_count;
        lock.unlock(node);
        ++mine;
      }
      acquisitions[static_cast<std::size_t>(t)] = mine;
      parks[static_cast<std::size_t>(t)] = synclab::wait::wait_counters().waits - waits_before;
    });
  }
  std::uint32_t most_passive = 0;
  const auto end = std::chrono::steady_clock::now() + 400ms;
  while (std::chrono::steady_clock::now() < end) {
    most_passive = std::max(most_passive, lock.passive_count());
    std::this_thread::sleep_for(1ms);
  }
  stop.store(true, std::memory_order_relaxed);
  for (auto& t : pool) t.join();
  std::uint64_t total = 0;
  std::uint64_t total_parks = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_GT(acquisitions[static_cast<std::size_t>(t)], 0u) << "thread " << t << " never got the lock";
    total += acquisitions[static_cast<std::size_t>(t)];
    total_parks += parks[static_cast<std::size_t>(t)];
  }
  EXPECT_EQ(protected_count, total);
  EXPECT_GE(most_passive, 1u) << "no waiter was ever moved to the passive list";
  EXPECT_GT(total_parks, 0u) << "no waiter ever parked";
  RecordProperty("most_passive", static_cast<int>(most_passive));
  RecordProperty("parks", static_cast<int>(total_parks));
}

template <class L>
ProgressResult run_rounds(int threads, std::chrono::milliseconds budget) {
  L lock;
  std::vector<MalthusianNode> nodes(static_cast<std::size_t>(threads));
  return check_progress(
      threads, budget, 1s, [&](int i) { lock.lock(nodes[static_cast<std::size_t>(i)]); },
      [&](int i) { lock.unlock(nodes[static_cast<std::size_t>(i)]); },
      [&] {
        if constexpr (requires { lock.abandon_waiters(); }) lock.abandon_waiters();
      });
}

TEST(MalthusianMcs, MakesProgressAndLeavesNobodyBehind) {
  for (const int threads : {2, 4, 6}) {
    const ProgressResult r = run_rounds<MalthusianMcs>(threads, 200ms);
    EXPECT_FALSE(r.stalled) << threads << " threads";
    EXPECT_EQ(r.violations, 0u) << threads << " threads";
    EXPECT_GT(r.ops, 0u) << threads << " threads";
  }
}

TEST(MalthusianBroken, NeverReadmittingPassiveWaitersIsCaughtAsAStall) {
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  ProgressResult r;
  int rounds = 0;
  do {
    r = run_rounds<MalthusianNeverReadmits>(4 + rounds % 2, 500ms);
    ++rounds;
  } while (!r.stalled && std::chrono::steady_clock::now() < give_up);
  EXPECT_TRUE(r.stalled) << "no stall in " << rounds << " rounds";
  RecordProperty("rounds", rounds);
}

}  // namespace
