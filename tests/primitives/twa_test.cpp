// TWA beyond the common contract of lock_stress_test.cpp: FIFO handoff in
// ticket order, the one slot an unlock notifies, and the broken twin that
// notifies the wrong ticket (broken_twa.hpp), which the progress check must
// catch (TwaBroken.*, run as twa_negative_test).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "synclab/locks/twa.hpp"
#include "synclab/testing/broken_twa.hpp"
#include "synclab/testing/fifo_order.hpp"
#include "synclab/testing/progress_check.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::kTwaLongTermThreshold;
using synclab::locks::Twa;
using synclab::testing::acquisition_order;
using synclab::testing::check_lock_progress;
using synclab::testing::ProgressResult;
using synclab::testing::repeat_until_caught;
using synclab::testing::TwaNotifiesWrongSlot;

// Six waiters: all but the first wait long-term on the array at first.
TEST(Twa, HandsTheLockOverInTicketOrder) {
  constexpr int kWaiters = 6;
  Twa lock;
  const auto r = acquisition_order(
      kWaiters, [&] { lock.lock(); }, [&] { lock.unlock(); }, [&](int) { lock.lock(); }, [&](int) { lock.unlock(); },
      [&](int i) { return lock.tickets_issued() == static_cast<std::uint32_t>(i + 2); });
  EXPECT_EQ(r.not_queued, -1);
  EXPECT_FALSE(r.entered_while_held);
  std::vector<int> expected;
  for (int i = 0; i < kWaiters; ++i) expected.push_back(i);
  EXPECT_EQ(r.order, expected);
}

// The release that grants ticket k bumps exactly the slot of ticket k + 1,
// the waiter that becomes the immediate successor (unless the two slots
// coincide by hash, which they cannot for consecutive tickets of one lock).
TEST(Twa, UnlockNotifiesTheSlotOfTheNewImmediateSuccessor) {
  Twa lock;
  for (std::uint32_t k = 1; k <= 50; ++k) {
    const std::uint32_t woken = k + kTwaLongTermThreshold;
    const std::uint32_t before_woken = lock.slot_value(woken);
    const std::uint32_t before_next = lock.slot_value(woken + 1);
    lock.lock();
    lock.unlock();  // grant becomes k
    EXPECT_EQ(lock.slot_value(woken), before_woken + 1) << "grant " << k;
    EXPECT_EQ(lock.slot_value(woken + 1), before_next) << "grant " << k;
  }
}

TEST(Twa, MakesProgressWithLongTermWaiters) {
  for (int threads = 3; threads <= 5; ++threads) {
    const ProgressResult r = check_lock_progress<Twa>(threads, 150ms);
    EXPECT_FALSE(r.stalled) << threads << " threads";
    EXPECT_EQ(r.violations, 0u) << threads << " threads";
    EXPECT_GT(r.ops, 0u) << threads << " threads";
  }
}

TEST(TwaBroken, NotifyingTheWrongTicketIsCaughtAsAStall) {
  const auto c = repeat_until_caught(
      [](int round) { return check_lock_progress<TwaNotifiesWrongSlot>(3 + round % 2, 1500ms); },
      [](const ProgressResult& r) { return r.stalled; }, 20s);
  EXPECT_TRUE(c.last.stalled) << "no stall in " << c.rounds << " rounds";
  RecordProperty("rounds", c.rounds);
}

}  // namespace
