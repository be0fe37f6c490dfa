// The qspinlock beyond the common contract of lock_stress_test.cpp: the
// second contender waits on the pending bit and the third queues (read from
// the lock word), the order in which they then get the lock, progress with
// more threads than CPUs, and the broken twin whose pending thread barges in
// (broken_qspinlock.hpp), which the progress check must catch
// (QspinlockBroken.*, run as qspinlock_negative_test).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "synclab/locks/qspinlock.hpp"
#include "synclab/testing/broken_qspinlock.hpp"
#include "synclab/testing/fifo_order.hpp"
#include "synclab/testing/progress_check.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::Qspinlock;
using synclab::testing::acquisition_order;
using synclab::testing::check_lock_progress;
using synclab::testing::ProgressResult;
using synclab::testing::repeat_until_caught;
using synclab::testing::QspinlockPendingBarges;
namespace q = synclab::locks::qspinlock_detail;

// Waiter 0 finds the lock held and nobody else: it takes the pending bit
// (no tail yet). Every later waiter queues; its node's code becomes the tail.
// Released, the pending thread goes first, then the queue in order.
TEST(Qspinlock, SecondContenderPendsAndLaterOnesQueueInOrder) {
  constexpr int kWaiters = 5;
  Qspinlock lock;
  std::array<std::atomic<std::uint32_t>, kWaiters> codes{};
  const auto r = acquisition_order(
      kWaiters, [&] { lock.lock(); }, [&] { lock.unlock(); },
      [&](int i) {
        codes[static_cast<std::size_t>(i)].store(Qspinlock::thread_tail_code(), std::memory_order_release);
        lock.lock();
      },
      [&](int) { lock.unlock(); },
      [&](int i) {
        const std::uint32_t word = lock.word();
        if (i == 0) return word == (q::kLocked | q::kPending);
        const std::uint32_t code = codes[static_cast<std::size_t>(i)].load(std::memory_order_acquire);
        return code != 0 && (word & q::kTailMask) == code && (word & q::kPending) != 0;
      });
  EXPECT_EQ(r.not_queued, -1) << "the lock word never showed that waiter pending or queued";
  EXPECT_FALSE(r.entered_while_held);
  std::vector<int> expected;
  for (int i = 0; i < kWaiters; ++i) expected.push_back(i);
  EXPECT_EQ(r.order, expected);
  EXPECT_EQ(lock.word(), 0u) << "the word must be clear once everyone has left";
}

TEST(Qspinlock, MakesProgressOnEveryPathWithMoreThreadsThanCpus) {
  for (const int threads : {2, 3, 6}) {
    const ProgressResult r = check_lock_progress<Qspinlock>(threads, 150ms);
    EXPECT_FALSE(r.stalled) << threads << " threads";
    EXPECT_EQ(r.violations, 0u) << threads << " threads";
    EXPECT_GT(r.ops, 0u) << threads << " threads";
  }
}

TEST(QspinlockBroken, PendingThreadThatDoesNotWaitForTheOwnerIsCaught) {
  const auto c = repeat_until_caught(
      [](int round) { return check_lock_progress<QspinlockPendingBarges>(2 + round % 2, 500ms); },
      [](const ProgressResult& r) { return r.violations > 0 || r.stalled; }, 20s);
  EXPECT_GT(c.last.violations, 0u) << "no two holders in " << c.rounds << " rounds";
  RecordProperty("rounds", c.rounds);
}

}  // namespace
