// Negative tests for the queue locks: the progress check (progress_check.hpp)
// must catch the classic queue-lock bugs kept in broken_queue_locks.hpp, and
// must pass the real locks under exactly the same parameters (positive
// controls, so a "caught" cannot come from the check being too eager).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>

#include "synclab/locks/anderson.hpp"
#include "synclab/locks/mcs.hpp"
#include "synclab/testing/broken_queue_locks.hpp"
#include "synclab/testing/progress_check.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::Anderson;
using synclab::locks::Mcs;
using synclab::locks::McsNode;
using synclab::testing::AndersonUnguarded;
using synclab::testing::check_progress;
using synclab::testing::McsLostHandoff;
using synclab::testing::ProgressResult;

constexpr int kMaxNodes = 4;
// The lost-handoff window opens when a holder releases just as the next waiter
// arrives. With 2 threads on 2 CPUs that happens within a round or two; with
// more threads the queue rarely drains, so the window rarely opens. Successive
// rounds alternate 2 and 3 threads; the positive control also runs 4.
int threads_for_round(int round) { return 2 + round % 2; }

// No critical section completed for this long means a hang: even at one
// scheduler time slice per handoff a correct lock completes hundreds.
constexpr auto kStallLimit = 1s;
constexpr auto kRoundBudget = 1500ms;
constexpr auto kGiveUpAfter = 20s;

// Runs rounds of the progress check on fresh locks until one of them reports
// a stall or a violation, or kGiveUpAfter has passed. The lock is kept honest
// (no widened race window); only the repetition makes the race likely.
template <class RunRound>
ProgressResult run_until_caught(RunRound run_round, int& rounds) {
  const auto give_up = std::chrono::steady_clock::now() + kGiveUpAfter;
  ProgressResult r;
  rounds = 0;
  do {
    r = run_round(rounds);
    ++rounds;
  } while (!r.stalled && r.violations == 0 && std::chrono::steady_clock::now() < give_up);
  return r;
}

// unlock() that does not wait for a successor's late link strands that
// successor and everyone queued behind it.
TEST(Mcs, LostHandoffOnConcurrentUnlockBugIsCaughtAsAStall) {
  int rounds = 0;
  const ProgressResult r = run_until_caught(
      [](int round) {
        McsLostHandoff lock;
        std::array<McsNode, kMaxNodes> nodes;
        return check_progress(
            threads_for_round(round), kRoundBudget, kStallLimit, [&](int i) { lock.lock(nodes[i]); },
            [&](int i) { lock.unlock(nodes[i]); }, [&] { lock.abandon_waiters(); });
      },
      rounds);
  EXPECT_TRUE(r.stalled) << "no stall in " << rounds << " rounds of " << kRoundBudget.count() << " ms";
  RecordProperty("rounds", rounds);
}

TEST(Mcs, ProgressCheckPassesTheRealLock) {
  for (int threads = 2; threads <= kMaxNodes; ++threads) {
    Mcs lock;
    std::array<McsNode, kMaxNodes> nodes;
    const ProgressResult r = check_progress(
        threads, kRoundBudget / 3, kStallLimit, [&](int i) { lock.lock(nodes[i]); },
        [&](int i) { lock.unlock(nodes[i]); }, [] {});
    EXPECT_FALSE(r.stalled) << threads << " threads";
    EXPECT_EQ(r.violations, 0u) << threads << " threads";
    EXPECT_GT(r.ops, 0u) << threads << " threads";
  }
}

// Anderson's array lock with more waiters than slots and no admission guard:
// two tickets spin on one slot; caught as two holders at once or as a stall.
constexpr int kOverCapacityThreads = 8;

TEST(Anderson, SlotOverflowWithoutAdmissionGuardBugIsCaught) {
  int rounds = 0;
  const ProgressResult r = run_until_caught(
      [](int) {
        AndersonUnguarded<2> lock;
        return check_progress(
            kOverCapacityThreads, kRoundBudget, kStallLimit, [&](int) { lock.lock(); }, [&](int) { lock.unlock(); },
            [&] { lock.abandon_waiters(); });
      },
      rounds);
  EXPECT_TRUE(r.stalled || r.violations > 0)
      << "neither a stall nor two holders in " << rounds << " rounds of " << kRoundBudget.count() << " ms";
  RecordProperty("rounds", rounds);
  RecordProperty("violations", static_cast<int>(r.violations));
  RecordProperty("stalled", r.stalled ? 1 : 0);
}

TEST(Anderson, ProgressCheckPassesTheGuardedLockBeyondCapacity) {
  Anderson<2> lock;
  const ProgressResult r = check_progress(
      kOverCapacityThreads, kRoundBudget, kStallLimit, [&](int) { lock.lock(); }, [&](int) { lock.unlock(); }, [] {});
  EXPECT_FALSE(r.stalled);
  EXPECT_EQ(r.violations, 0u);
  EXPECT_GT(r.ops, 0u);
}

}  // namespace
