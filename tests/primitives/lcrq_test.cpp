// lcrq_test — LCRQ (channels/lcrq.hpp) beyond the catalogue's typed stress
// and contract tests: FIFO on one thread across rings that fill up, close
// and are followed by new ones (rings of 2, 4 and 1024 cells), for messages
// held in the cell (8 bytes, trivially copyable) and boxed ones; an empty
// queue polled between sends (the empty transition and fixState); a queue
// destroyed while it holds messages of an owning type (ASan sees a leak or a
// double destruction); exactly-once and per-producer order under contention
// over rings of 2, 4 and 16 cells, boxed and in-cell; and a sender held at
// its stall point (after its fetch_add on Tail, before the cell) while a
// receiver passes its position: the receiver is not stopped and the held
// message arrives once the sender goes on. The broken twin (UnmarkedLcrq,
// channel_broken.hpp) must lose it (*Broken*, the negative half). Memory:
// under sustained traffic (2 producers, 2 consumers, the queue near empty
// and with a backlog of 8 rings; rings of 16 and 1024 cells) the live and
// retired rings, counted through a Reclaim policy (ring_census.hpp), stay
// within ring_list.hpp's bound at every sample; the twin that never scans
// its retired rings (UnscannedLcrq) must pass it (*Broken*).
//
// On arm64 the same checks run over both double-width CASes: `caspal` where
// the CPU has LSE, and the ldaxp/stlxp loop with SYNCLAB_CAS2_FORCE_LLSC=1
// (lcrq_llsc_test).
//
// The left-out path: the run-time check of cmpxchg16b agrees with the CPU's
// flags (x86-64; on arm64 the queue always runs), and with SYNCLAB_ASSUME_NO_CAS2=1 (lcrq_left_out_test) the queue
// says why it cannot run and constructing it anyway is one line and an
// abort, never a crash (LcrqLeftOut). Every wait is bounded; a hang fires
// the watchdog.
#include <gtest/gtest.h>

#include "synclab/arch/cas2.hpp"

#if SYNCLAB_HAVE_CAS2  // x86-64, arm64

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "synclab/channels/lcrq.hpp"
#include "synclab/testing/channel_broken.hpp"
#include "synclab/testing/channel_testing.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/queue_checks.hpp"
#include "synclab/testing/ring_queue_checks.hpp"
#include "synclab/testing/ring_census.hpp"

namespace {

using synclab::channels::Lcrq;
using synclab::testing::HangWatchdog;
using synclab::testing::HeldResult;
using synclab::testing::kHangLimit;
using synclab::testing::Message;
using synclab::testing::held_sender;
using synclab::testing::move_fixed;
using synclab::testing::destroyed_holding_owning_messages;
using synclab::testing::empty_polls_keep_order;
using synclab::testing::fifo_across_rings;
using synclab::testing::CountedReclaim;
using synclab::testing::ring_memory;

// The twin's ring counters.
struct Counters {};

bool assumed_absent() {
  const char* e = std::getenv("SYNCLAB_ASSUME_NO_CAS2");
  return e != nullptr && e[0] != '\0' && std::string(e) != "0";
}

class LcrqTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string_view why = Lcrq<Message>::unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
};

auto make_word = [](std::uint64_t s) { return ~s; };  // every bit pattern is a message, all-ones included
auto check_word = [](std::uint64_t w, std::uint64_t s) { return w == ~s; };

TEST_F(LcrqTest, FifoAcrossFullRingsOnOneThread) {
  fifo_across_rings<Lcrq<Message, 2>>();
  fifo_across_rings<Lcrq<Message, 4>>();
  fifo_across_rings<Lcrq<Message>>();
  fifo_across_rings<Lcrq<std::uint64_t, 2>>(make_word, check_word);
  fifo_across_rings<Lcrq<std::uint64_t>>(make_word, check_word);
}

TEST_F(LcrqTest, EmptyPollsBetweenSendsKeepOrder) { empty_polls_keep_order<Lcrq<Message, 4>>(); }

TEST_F(LcrqTest, DestroyedWhileHoldingMessagesOfAnOwningType) {
  destroyed_holding_owning_messages<Lcrq<std::unique_ptr<std::string>, 8>>(300, 150);
}

TEST_F(LcrqTest, ExactlyOnceAndPerProducerOrderOverSmallRings) {
  move_fixed<Lcrq<Message, 2>>(0, 2, 2, 20000);
  move_fixed<Lcrq<Message, 4>>(0, 3, 1, 20000);
  move_fixed<Lcrq<Message, 4>>(0, 1, 3, 30000);
  move_fixed<Lcrq<Message, 16>>(0, 2, 2, 40000);
  move_fixed<Lcrq<Message>>(0, 2, 2, 40000);
}

// In-cell messages: producer in the top 16 bits, sequence below.
template <std::size_t R>
void move_words(int producers, int consumers, std::uint64_t per_producer) {
  HangWatchdog watchdog(kHangLimit, "lcrq", "in-cell messages");
  Lcrq<std::uint64_t, R> q(0);
  const std::uint64_t total = per_producer * static_cast<std::uint64_t>(producers);
  std::atomic<std::uint64_t> received{0};
  std::vector<std::atomic<std::uint8_t>> seen(total);
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      for (std::uint64_t s = 0; s < per_producer; ++s) {
        std::uint64_t w = (static_cast<std::uint64_t>(p) << 48) | s;
        while (!q.try_send(w)) std::this_thread::yield();
      }
    });
  for (int c = 0; c < consumers; ++c)
    threads.emplace_back([&] {
      std::vector<std::int64_t> last(static_cast<std::size_t>(producers), -1);
      while (received.load(std::memory_order_relaxed) < total) {
        std::uint64_t w = 0;
        if (!q.try_recv(w)) {
          std::this_thread::yield();
          continue;
        }
        received.fetch_add(1, std::memory_order_relaxed);
        const std::uint64_t p = w >> 48, s = w & ((std::uint64_t{1} << 48) - 1);
        if (p >= static_cast<std::uint64_t>(producers) || s >= per_producer ||
            static_cast<std::int64_t>(s) <= last[p]) {
          ok = false;
          continue;
        }
        last[p] = static_cast<std::int64_t>(s);
        seen[p * per_producer + s].fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(ok.load()) << "a foreign message or a producer's messages out of order";
  for (std::uint64_t k = 0; k < total; ++k) ASSERT_EQ(seen[k].load(), 1) << "message " << k;
}

TEST_F(LcrqTest, InCellMessagesExactlyOnceAndInOrder) {
  move_words<2>(2, 2, 20000);
  move_words<16>(3, 1, 20000);
  move_words<1024>(2, 2, 40000);
}

TEST_F(LcrqTest, AHeldSenderStopsNoReceiverAndItsMessageArrives) {
  const HeldResult r = held_sender<Lcrq<Message>>();
  EXPECT_TRUE(r.later_received) << "a receiver was stopped by the held sender's position";
  EXPECT_TRUE(r.held_received) << "the held message was lost";
}

TEST(LcrqBroken, UnmarkedEmptyCellLosesTheHeldMessage) {
  if (!Lcrq<Message>::unavailable().empty()) GTEST_SKIP() << Lcrq<Message>::unavailable();
  const HeldResult r = held_sender<synclab::testing::UnmarkedLcrq<Message>>();
  EXPECT_FALSE(r.held_received) << "the check did not see the lost message";
}

TEST_F(LcrqTest, RingsStayWithinTheMemoryBoundUnderTraffic) {
  synclab::testing::expect_rings_within_bound<Lcrq>();
}

TEST(LcrqBroken, UnscannedRetiredRingsPassTheMemoryBound) {
  if (!Lcrq<Message>::unavailable().empty()) GTEST_SKIP() << Lcrq<Message>::unavailable();
  using C = CountedReclaim<Counters, false>;
  const auto r = ring_memory<synclab::testing::UnscannedLcrq<Message, 16, Counters>, C>(50000, 8 * 16);
  EXPECT_FALSE(r.within) << "the check did not see the retired rings pile up (" << r.max_retired << " at most)";
}

// The run-time check against the kernel's view of the CPU.
TEST(LcrqLeftOut, TheCheckAgreesWithTheCpuFlags) {
  if (assumed_absent()) GTEST_SKIP() << "SYNCLAB_ASSUME_NO_CAS2 is set";
#if defined(__aarch64__)
  EXPECT_EQ(Lcrq<Message>::unavailable(), "") << "every arm64 core has a double-width CAS";
  std::cout << "lcrq's CAS2 here: " << synclab::cas2_method() << "\n";
  return;
#endif
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  bool flags_seen = false, cx16 = false;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    flags_seen = true;
    cx16 = (line + " ").find(" cx16 ") != std::string::npos;
    break;
  }
  if (!flags_seen) GTEST_SKIP() << "no flags line in /proc/cpuinfo";
  EXPECT_EQ(Lcrq<Message>::unavailable().empty(), cx16) << Lcrq<Message>::unavailable();
}

// With SYNCLAB_ASSUME_NO_CAS2=1 (lcrq_left_out_test): the reason, and a
// construction that stops with one line instead of an illegal instruction.
TEST(LcrqLeftOut, WithoutDoubleWidthCasItSaysWhyAndNeverRuns) {
  if (!assumed_absent()) GTEST_SKIP() << "run with SYNCLAB_ASSUME_NO_CAS2=1 (lcrq_left_out_test)";
  EXPECT_EQ(synclab::channels::unavailable<Lcrq<Message>>(),
            "double-width CAS treated as absent (SYNCLAB_ASSUME_NO_CAS2)");
  EXPECT_DEATH({ Lcrq<Message> q(0); }, "synclab: lcrq: constructed on a machine without double-width CAS");
}

}  // namespace

#else  // neither x86-64 nor arm64

TEST(LcrqLeftOut, NotBuiltForThisArchitecture) {
  GTEST_SKIP() << "lcrq is x86-64 and arm64 only (arch/cas2.hpp); channels/catalog.hpp leaves it out here";
}

#endif
