// epoch_based_test.cpp — what is particular to epoch-based reclamation
// (reclaim/epoch_based.hpp), and the broken twin those checks must catch
// (synclab/testing/broken_reclaim.hpp).
//
//   stalled reader   a reader held inside a read section keeps the object it
//                    holds alive and holds back everything retired after it
//                    (memory grows by one object per update); once it leaves,
//                    two updates drain the writer's lists to the stated bound.
//   the bound        with readers that start a new read section between any
//                    two updates (every section overlaps at most one update),
//                    at most 1 retired object awaits after each update, 2
//                    counting the one the next update retires.
//   idle threads     a thread with a handle that is not inside a read section
//                    blocks nothing.
//   broken twin      ebr_one_epoch frees one epoch after the retire: the
//                    stalled-reader check finds the held object destroyed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "synclab/reclaim/epoch_based.hpp"
#include "synclab/testing/broken_reclaim.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/reclaim_testing.hpp"

namespace {

using synclab::reclaim::EpochBased;
using synclab::testing::EbrOneEpoch;
using synclab::testing::ReclaimTally;
using synclab::testing::TrackedObject;
using namespace std::chrono_literals;

// A reader enters a read section and stays there while the writer makes
// `updates` updates. Returns "" when the scheme kept the held object alive,
// freed nothing retired after it while the reader stayed, and drained to the
// bound within two updates after it left; otherwise what went wrong. The
// reader never touches the object after the writer's updates (it asks the
// tally), so a broken scheme is caught without a use after free.
template <class P>
std::string stalled_reader_check(int updates) {
  ReclaimTally tally(100'000);
  const synclab::testing::HangWatchdog watchdog(60s, P::name, "stalled reader");
  std::string failure;
  P p{TrackedObject(&tally)};
  std::atomic<int> phase{0};  // 1: reader inside; 2: writer done, leave; 3: reader out
  std::atomic<std::uint64_t> held_id{0};
  std::thread reader([&] {
    typename P::handle h(p);
    h.read([&](const TrackedObject& o) {
      held_id.store(o.id, std::memory_order_relaxed);
      phase.store(1, std::memory_order_release);
      while (phase.load(std::memory_order_acquire) != 2) std::this_thread::yield();
      return 0;
    });
    phase.store(3, std::memory_order_release);
    while (phase.load(std::memory_order_acquire) != 4) std::this_thread::yield();  // handle kept, idle
  });
  while (phase.load(std::memory_order_acquire) != 1) std::this_thread::yield();
  {
    typename P::handle h(p);
    const std::int64_t destroyed_before = tally.destroyed();
    for (int i = 0; i < updates; ++i) {
      const TrackedObject value(&tally);
      h.update(value);
    }
    // The arguments died; no published object may have.
    const std::int64_t objects_freed = tally.destroyed() - destroyed_before - updates;
    if (tally.is_dead(held_id.load(std::memory_order_relaxed)))
      failure = "the object a reader holds was freed while it was inside its read section";
    else if (objects_freed != 0)
      failure = std::to_string(objects_freed) + " objects were freed while a reader stalled in a section older than them";
    else if (h.awaiting() != static_cast<std::size_t>(updates))
      failure = "awaiting " + std::to_string(h.awaiting()) + " after " + std::to_string(updates) + " updates";
    phase.store(2, std::memory_order_release);
    while (phase.load(std::memory_order_acquire) != 3) std::this_thread::yield();
    // The reader is out (its handle remains, idle): two updates drain the
    // lists to the bound.
    for (int i = 0; i < 2; ++i) {
      const TrackedObject value(&tally);
      h.update(value);
    }
    if (failure.empty() && h.awaiting() > 1)
      failure = "after the reader left and two updates, " + std::to_string(h.awaiting()) + " objects await (bound: 1)";
    if (failure.empty() && tally.alive() != 1 + static_cast<std::int64_t>(h.awaiting()))
      failure = "alive objects " + std::to_string(tally.alive()) + " != current + awaiting";
  }
  phase.store(4, std::memory_order_release);
  reader.join();
  return failure;
}

TEST(EpochBased, StalledReaderHoldsBackReclamationUntilItLeaves) { EXPECT_EQ(stalled_reader_check<EpochBased<TrackedObject>>(100), ""); }

TEST(EpochBasedBroken, OneEpochGraceFreesUnderAStalledReader) {
  const std::string failure = stalled_reader_check<EbrOneEpoch<TrackedObject>>(100);
  EXPECT_NE(failure.find("freed while it was inside"), std::string::npos) << "the twin was not caught: " << failure;
}

// Readers start a new read section between any two updates: each update
// advances the epoch, and the stated bound holds after every update.
TEST(EpochBased, BoundHoldsWhileReadersKeepAnnouncing) {
  using P = EpochBased<TrackedObject>;
  constexpr int kReaders = 2;
  constexpr int kUpdates = 300;
  ReclaimTally tally(100'000);
  const synclab::testing::HangWatchdog watchdog(120s, P::name, "bound with announcing readers");
  P p{TrackedObject(&tally)};
  std::atomic<std::int64_t> updates_done{0};
  std::atomic<bool> stop{false};
  // The update count each reader saw before its last completed section began.
  std::vector<std::atomic<std::int64_t>> completed(kReaders);
  for (auto& c : completed) c.store(-1);
  std::atomic<std::int64_t> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r)
    readers.emplace_back([&, r] {
      typename P::handle h(p);
      std::uint64_t sections = 0;
      while (!stop.load(std::memory_order_acquire)) {
        const std::int64_t seen = updates_done.load(std::memory_order_acquire);
        bad.fetch_add(h.read([](const TrackedObject& o) { return o.looks_alive() ? 0 : 1; }), std::memory_order_relaxed);
        completed[static_cast<std::size_t>(r)].store(seen, std::memory_order_release);
        // Let the writer (and the other reader) run on a machine with fewer
        // PUs than threads: each update waits for both readers.
        if (++sections % 16 == 0) std::this_thread::yield();
      }
    });
  std::size_t worst_after = 0;
  std::size_t worst_before = 0;
  {
    typename P::handle h(p);
    for (int i = 0; i < kUpdates; ++i) {
      // Wait until every reader has completed a section that began after the
      // previous update: the section it is in now began after it too.
      for (auto& c : completed)
        while (c.load(std::memory_order_acquire) < i) std::this_thread::yield();
      worst_before = std::max(worst_before, h.awaiting() + 1);  // + the object this update retires
      const TrackedObject value(&tally);
      h.update(value);
      worst_after = std::max(worst_after, h.awaiting());
      updates_done.store(i + 1, std::memory_order_release);
    }
  }
  stop.store(true, std::memory_order_release);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(worst_after, 1u) << "retired objects awaiting after an update";
  EXPECT_LE(worst_before, 2u) << "awaiting, counting the object about to be retired";
}

// A thread that holds a handle but is outside any read section blocks
// nothing: the writer's lists stay at the bound.
TEST(EpochBased, IdleHandleBlocksNothing) {
  using P = EpochBased<TrackedObject>;
  ReclaimTally tally(10'000);
  const synclab::testing::HangWatchdog watchdog(60s, P::name, "idle handle");
  P p{TrackedObject(&tally)};
  std::atomic<int> phase{0};
  std::thread idle([&] {
    typename P::handle h(p);
    h.read([](const TrackedObject&) { return 0; });  // one section, then idle
    phase.store(1, std::memory_order_release);
    while (phase.load(std::memory_order_acquire) != 2) std::this_thread::yield();
  });
  while (phase.load(std::memory_order_acquire) != 1) std::this_thread::yield();
  {
    typename P::handle h(p);
    for (int i = 0; i < 1000; ++i) {
      const TrackedObject value(&tally);
      h.update(value);
      EXPECT_LE(h.awaiting(), 1u);
    }
  }
  phase.store(2, std::memory_order_release);
  idle.join();
}

// The epoch advances only past readers at the current epoch: one stalled
// reader stops it after at most one advance.
TEST(EpochBased, EpochStopsAtAStalledReader) {
  using P = EpochBased<int>;
  P p(0);
  std::atomic<int> phase{0};
  std::thread reader([&] {
    typename P::handle h(p);
    h.read([&](const int&) {
      phase.store(1, std::memory_order_release);
      while (phase.load(std::memory_order_acquire) != 2) std::this_thread::yield();
      return 0;
    });
  });
  while (phase.load(std::memory_order_acquire) != 1) std::this_thread::yield();
  const std::uint64_t start = p.epoch();
  {
    typename P::handle h(p);
    for (int i = 0; i < 50; ++i) h.update(i);
  }
  EXPECT_LE(p.epoch(), start + 1);
  phase.store(2, std::memory_order_release);
  reader.join();
}

}  // namespace
