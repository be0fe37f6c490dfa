// qsbr_test — our quiescent-state-based reclamation (synclab/reclaim/qsbr.hpp):
//   - a reader that is online and has not announced holds back every object
//     retired since (memory grows by one per update); once it announces, the
//     next quiescent call of the updater drains them all;
//   - an offline thread (its handle destroyed, the thread alive) blocks
//     nothing, and coming back online holds objects back again;
//   - the bound: right after an update, the updater holds exactly the
//     updates made since the reader's last announcement (one in lockstep, at
//     most k for a reader that announces after every k updates);
//   - an object read inside read(f) is not freed before f returns;
//   - stress: readers checking a canary payload and announcing, some of them
//     going offline and online again, writers replacing it; every object
//     freed exactly once, none while read, none read poisoned.
// The *Broken* tests run the same checks on a QSBR whose updater frees
// without waiting for the other threads (synclab/testing/broken_reclaim.hpp).
#include "synclab/reclaim/qsbr.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "synclab/reclaim/catalog.hpp"
#include "synclab/testing/broken_reclaim.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/reclaim_canary.hpp"

namespace {

using synclab::reclaim::Qsbr;
using synclab::testing::Canary;
using synclab::testing::CanaryLedger;
using synclab::testing::HangWatchdog;
using synclab::testing::ImpatientQsbr;
using synclab::testing::kHangLimit;
using synclab::testing::wait_until;

int check(const Canary& c) { return c.intact() ? 0 : 1; }

// A reader thread reads once and waits without announcing while this thread
// updates; then it announces and this thread's quiescent call drains.
// Returns what went wrong ("" if nothing).
template <class P>
std::string unannounced_reader_holds_back(std::size_t updates) {
  HangWatchdog watchdog(kHangLimit, P::name, "unannounced reader");
  CanaryLedger ledger(updates + 8);
  std::atomic<int> step{0};
  std::string what;
  {
    P p(ledger, ledger.next_id());
    std::thread reader([&] {
      typename P::handle h(p);
      (void)h.read(check);
      step.store(1, std::memory_order_release);
      wait_until([&] { return step.load(std::memory_order_acquire) == 2; });
      h.quiescent();
      step.store(3, std::memory_order_release);
      wait_until([&] { return step.load(std::memory_order_acquire) == 4; });
    });
    wait_until([&] { return step.load(std::memory_order_acquire) == 1; });
    {
      typename P::handle h(p);
      for (std::size_t i = 0; i < updates && what.empty(); ++i) {
        h.update(ledger, ledger.next_id());
        if (ledger.freed() != 0) what = "freed while a reader had not announced";
        else if (p.unreclaimed() != i + 1) what = "unreclaimed is not the updates made";
      }
      step.store(2, std::memory_order_release);
      wait_until([&] { return step.load(std::memory_order_acquire) == 3; });
      h.quiescent();
      if (what.empty() && ledger.freed() != updates) what = "not drained after the reader announced";
      if (what.empty() && p.unreclaimed() != 0) what = "unreclaimed not 0 after draining";
    }
    step.store(4, std::memory_order_release);
    reader.join();
  }
  if (what.empty()) what = ledger.exactly_once();
  return what;
}

TEST(Qsbr, UnannouncedReaderHoldsBackThenDrains) {
  EXPECT_EQ(unannounced_reader_holds_back<Qsbr<Canary>>(300), "");
}

TEST(Qsbr, OfflineThreadDoesNotBlockOnlineAgainDoes) {
  HangWatchdog watchdog(kHangLimit, "qsbr", "offline thread");
  CanaryLedger ledger(1000);
  std::atomic<int> step{0};
  {
    Qsbr<Canary> p(ledger, ledger.next_id());
    std::thread other([&] {
      {
        Qsbr<Canary>::handle h(p);
        (void)h.read(check);
      }  // offline, the thread lives on
      step.store(1, std::memory_order_release);
      wait_until([&] { return step.load(std::memory_order_acquire) == 2; });
      {
        Qsbr<Canary>::handle h(p);  // online again, never announces
        (void)h.read(check);
        step.store(3, std::memory_order_release);
        wait_until([&] { return step.load(std::memory_order_acquire) == 4; });
      }  // offline
      step.store(5, std::memory_order_release);
      wait_until([&] { return step.load(std::memory_order_acquire) == 6; });
    });
    wait_until([&] { return step.load(std::memory_order_acquire) == 1; });
    Qsbr<Canary>::handle h(p);
    for (std::uint64_t i = 1; i <= 100; ++i) {
      h.update(ledger, ledger.next_id());
      ASSERT_EQ(p.unreclaimed(), 0U) << "update " << i;  // nobody else online
      ASSERT_EQ(ledger.freed(), i);
    }
    step.store(2, std::memory_order_release);
    wait_until([&] { return step.load(std::memory_order_acquire) == 3; });
    for (std::uint64_t i = 1; i <= 50; ++i) h.update(ledger, ledger.next_id());
    EXPECT_EQ(p.unreclaimed(), 50U);
    EXPECT_EQ(ledger.freed(), 100U);
    step.store(4, std::memory_order_release);
    wait_until([&] { return step.load(std::memory_order_acquire) == 5; });
    h.quiescent();  // the other thread went offline: all 50 go
    EXPECT_EQ(p.unreclaimed(), 0U);
    EXPECT_EQ(ledger.freed(), 150U);
    step.store(6, std::memory_order_release);
    other.join();
  }
  EXPECT_EQ(ledger.exactly_once(), "");
}

// The bound in lockstep: the writer updates, then the reader reads and
// announces after every k-th update. Right after update i the writer holds
// exactly i − k·⌊(i − 1)/k⌋ objects (the updates since the last
// announcement), never more than k. Returns what went wrong.
template <class P>
std::string bound_in_lockstep(std::size_t k, std::size_t updates) {
  HangWatchdog watchdog(kHangLimit, P::name, "lockstep bound");
  CanaryLedger ledger(updates + 8);
  std::atomic<std::size_t> turn{0};  // odd: the reader's turn after update (turn + 1) / 2
  std::atomic<bool> registered{false};
  std::string what;
  {
    P p(ledger, ledger.next_id());
    std::thread reader([&] {
      typename P::handle h(p);
      registered.store(true, std::memory_order_release);
      for (std::size_t i = 1; i <= updates; ++i) {
        wait_until([&] { return turn.load(std::memory_order_acquire) == 2 * i - 1; });
        (void)h.read(check);
        if (i % k == 0) h.quiescent();
        turn.store(2 * i, std::memory_order_release);
      }
    });
    wait_until([&] { return registered.load(std::memory_order_acquire); });
    {
      typename P::handle h(p);
      for (std::size_t i = 1; i <= updates; ++i) {
        h.update(ledger, ledger.next_id());
        const std::size_t expected = i - k * ((i - 1) / k);
        if (what.empty() && p.unreclaimed() != expected)
          what = "after update " + std::to_string(i) + ": " + std::to_string(p.unreclaimed()) + " unreclaimed, expected " +
                 std::to_string(expected);
        turn.store(2 * i - 1, std::memory_order_release);
        wait_until([&] { return turn.load(std::memory_order_acquire) == 2 * i; });
      }
    }
    reader.join();
  }
  if (what.empty()) what = ledger.exactly_once();
  return what;
}

TEST(Qsbr, BoundOneObjectInLockstep) { EXPECT_EQ(bound_in_lockstep<Qsbr<Canary>>(1, 500), ""); }
TEST(Qsbr, BoundKObjectsForAReaderAnnouncingEveryK) {
  EXPECT_EQ(bound_in_lockstep<Qsbr<Canary>>(5, 500), "");
  EXPECT_EQ(bound_in_lockstep<Qsbr<Canary>>(32, 640), "");
}

TEST(Qsbr, ObjectReadIsNotFreedUntilTheReadEnds) {
  HangWatchdog watchdog(kHangLimit, "qsbr", "held read");
  const auto r = synclab::testing::free_while_reading<Qsbr<Canary>>(200);
  EXPECT_EQ(r.early_frees, 0U);
  EXPECT_EQ(r.exactly_once, "");
}

TEST(Qsbr, NameAndObjectBytes) {
  EXPECT_EQ(Qsbr<Canary>::name, "qsbr");
  EXPECT_GE(Qsbr<Canary>::object_bytes, sizeof(Canary) + 16);
}

// Writers replace the object; readers check it and announce after each read
// (odd ones also go offline and online again every 64 reads, one announces
// only every 100 reads). Every object freed exactly once, none while read.
template <class P>
void stress(std::size_t writers, std::size_t readers, std::size_t updates_each) {
  HangWatchdog watchdog(kHangLimit, P::name, "stress");
  CanaryLedger ledger(writers * updates_each + 8);
  std::atomic<std::size_t> writers_done{0};
  {
    P p(ledger, ledger.next_id());
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < readers; ++r) {
      threads.emplace_back([&, r] {
        auto h = std::make_unique<typename P::handle>(p);
        for (std::size_t i = 0; writers_done.load(std::memory_order_acquire) < writers; ++i) {
          h->read([&](const Canary& c) {
            ledger.hold(r, &c);
            if (!c.intact()) ledger.on_bad_read();
            ledger.unhold(r);
            return 0;
          });
          if (r != 2 || i % 100 == 99) h->quiescent();
          if (r % 2 == 1 && i % 64 == 63) {
            h.reset();
            h = std::make_unique<typename P::handle>(p);
          }
        }
      });
    }
    for (std::size_t w = 0; w < writers; ++w) {
      threads.emplace_back([&] {
        {
          typename P::handle h(p);
          for (std::size_t i = 0; i < updates_each; ++i) h.update(ledger, ledger.next_id());
        }
        writers_done.fetch_add(1, std::memory_order_release);
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(ledger.early_frees(), 0U);
  EXPECT_EQ(ledger.bad_reads(), 0U);
  EXPECT_EQ(ledger.exactly_once(), "");
}

TEST(QsbrStress, ReadersAndWritersOneEach) { stress<Qsbr<Canary>>(1, 1, 100000); }
TEST(QsbrStress, ReadersAndWritersTwoEach) { stress<Qsbr<Canary>>(2, 2, 50000); }
TEST(QsbrStress, ManyReadersTwoWriters) { stress<Qsbr<Canary>>(2, 6, 20000); }

// The broken twin: frees without waiting for the other threads.
TEST(QsbrBroken, ImpatientFreesWhileAReaderHasNotAnnounced) {
  EXPECT_EQ(unannounced_reader_holds_back<ImpatientQsbr<Canary>>(300), "freed while a reader had not announced");
}
TEST(QsbrBroken, ImpatientBreaksTheLockstepCount) {
  EXPECT_NE(bound_in_lockstep<ImpatientQsbr<Canary>>(5, 100), "");
}
TEST(QsbrBroken, ImpatientFreesTheObjectWhileItIsRead) {
  HangWatchdog watchdog(kHangLimit, "qsbr (impatient)", "held read");
  EXPECT_GT(synclab::testing::free_while_reading<ImpatientQsbr<Canary>>(200).early_frees, 0U);
}

}  // namespace
