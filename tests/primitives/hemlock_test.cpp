// Hemlock beyond the common contract of lock_stress_test.cpp (which runs it
// like every lock of the catalogue): FIFO handoff in arrival order, one grant
// word serving several locks held at once, and the broken twin that skips the
// acknowledgement (broken_hemlock.hpp), which the progress check must catch
// (HemlockBroken.*, run as hemlock_negative_test).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "synclab/locks/hemlock.hpp"
#include "synclab/testing/broken_hemlock.hpp"
#include "synclab/testing/fifo_order.hpp"
#include "synclab/testing/progress_check.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::locks::Hemlock;
using synclab::testing::acquisition_order;
using synclab::testing::check_progress;
using synclab::testing::HemlockNoAckWait;
using synclab::testing::ProgressResult;

constexpr int kWaiters = 6;

TEST(Hemlock, HandsTheLockOverInArrivalOrder) {
  Hemlock lock;
  std::array<std::atomic<const void*>, kWaiters> tokens{};
  const auto r = acquisition_order(
      kWaiters, [&] { lock.lock(); }, [&] { lock.unlock(); },
      [&](int i) {
        tokens[static_cast<std::size_t>(i)].store(Hemlock::thread_token(), std::memory_order_release);
        lock.lock();
      },
      [&](int) { lock.unlock(); },
      [&](int i) {
        const void* token = tokens[static_cast<std::size_t>(i)].load(std::memory_order_acquire);
        return token != nullptr && lock.is_last(token);
      });
  EXPECT_EQ(r.not_queued, -1);
  EXPECT_FALSE(r.entered_while_held);
  std::vector<int> expected;
  for (int i = 0; i < kWaiters; ++i) expected.push_back(i);
  EXPECT_EQ(r.order, expected) << "acquisition order differs from arrival order";
}

// Three kinds of thread share two Hemlocks: thread i takes a then b (i % 3
// == 0), a only (i % 3 == 1) or b only (i % 3 == 2). A holder of both can then
// have a successor on each, both polling its one grant word, each for its own
// lock; its second grant must wait for the first acknowledgement. The
// one-lock threads overlap by design, so each lock counts its own overlaps
// (check_progress's single exclusion count does not apply here).
struct SharedGrantWordRun {
  ProgressResult progress;
  std::uint64_t overlaps = 0;  // entries that found another holder of the same lock
};

[[nodiscard]] bool takes_a(int i) { return i % 3 != 2; }
[[nodiscard]] bool takes_b(int i) { return i % 3 != 1; }

template <class L>
SharedGrantWordRun shared_grant_word_rounds(int threads, std::chrono::milliseconds budget, bool reverse) {
  L a;
  L b;
  std::atomic<std::uint32_t> in_a{0};
  std::atomic<std::uint32_t> in_b{0};
  std::atomic<std::uint64_t> overlaps{0};
  const auto enter = [&](std::atomic<std::uint32_t>& inside) {
    if (inside.fetch_add(1, std::memory_order_relaxed) != 0) overlaps.fetch_add(1, std::memory_order_relaxed);
  };
  const auto leave = [](std::atomic<std::uint32_t>& inside) { inside.fetch_sub(1, std::memory_order_relaxed); };
  const ProgressResult r = check_progress(
      threads, budget, 1s,
      [&](int i) {
        if (takes_a(i)) {
          a.lock();
          enter(in_a);
        }
        if (takes_b(i)) {
          b.lock();
          enter(in_b);
        }
      },
      [&](int i) {
        const auto release_a = [&] {
          if (!takes_a(i)) return;
          leave(in_a);
          a.unlock();
        };
        const auto release_b = [&] {
          if (!takes_b(i)) return;
          leave(in_b);
          b.unlock();
        };
        if (reverse) {
          release_b();
          release_a();
        } else {
          release_a();
          release_b();
        }
      },
      [&] {
        if constexpr (requires { a.abandon_waiters(); }) {
          a.abandon_waiters();
          b.abandon_waiters();
        }
      });
  return {r, overlaps.load(std::memory_order_relaxed)};
}

TEST(Hemlock, OneGrantWordServesSeveralLocksHeldAtOnce) {
  for (const bool reverse : {false, true}) {
    for (int threads = 3; threads <= 5; ++threads) {
      const SharedGrantWordRun r = shared_grant_word_rounds<Hemlock>(threads, 150ms, reverse);
      EXPECT_FALSE(r.progress.stalled) << threads << " threads";
      EXPECT_EQ(r.overlaps, 0u) << threads << " threads";
      EXPECT_GT(r.progress.ops, 0u) << threads << " threads";
    }
  }
}

// Repeated on fresh locks until caught or 20 s have passed; the lock is kept
// honest (no widened window), only the repetition makes the race likely.
TEST(HemlockBroken, UnlockWithoutWaitingForTheAcknowledgementIsCaughtAsAStall) {
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  SharedGrantWordRun r;
  int rounds = 0;
  do {
    r = shared_grant_word_rounds<HemlockNoAckWait>(3 + rounds % 3, 1000ms, rounds % 2 == 1);
    ++rounds;
  } while (!r.progress.stalled && std::chrono::steady_clock::now() < give_up);
  EXPECT_TRUE(r.progress.stalled) << "no stall in " << rounds << " rounds";
  RecordProperty("rounds", rounds);
}

}  // namespace
