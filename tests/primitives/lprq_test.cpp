// lprq_test — LPRQ (channels/lprq.hpp) beyond the catalogue's typed stress
// and contract tests: FIFO on one thread across rings that fill up, close
// and are followed by new ones (rings of 2, 4 and 1024 cells), an empty
// queue polled between sends (dequeuers that run ahead of the enqueuers and
// catch the tail up), a queue destroyed while it still holds messages of an
// owning type (ASan sees a leak or a double destruction), exactly-once and
// per-producer order under contention with a fixed number of messages over
// rings of 2, 4 and 16 cells (rings closed by full rings and by starving
// enqueuers, linked, helped and retired while others hold them), and a
// sender held at its stall point (its position written into the epoch word,
// its message not yet published): a receiver passing that position is not
// stopped and the held message arrives once the sender goes on. The broken
// twin (UnkilledLprq, channel_broken.hpp) must lose it (*Broken*, the
// negative half). Memory: under sustained traffic (2 producers, 2
// consumers, the queue near empty and with a backlog of 8 rings; rings of
// 16 and 1024 cells) the live and retired rings, counted through a Reclaim
// policy (ring_census.hpp), stay within ring_list.hpp's bound at every
// sample; the twin that never scans its retired rings (UnscannedLprq) must
// pass it (*Broken*). Every wait is bounded; a hang fires the watchdog.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "synclab/channels/lprq.hpp"
#include "synclab/testing/channel_broken.hpp"
#include "synclab/testing/channel_testing.hpp"
#include "synclab/testing/queue_checks.hpp"
#include "synclab/testing/ring_queue_checks.hpp"
#include "synclab/testing/ring_census.hpp"

namespace {

using synclab::channels::Lprq;
using synclab::testing::HeldResult;
using synclab::testing::Message;
using synclab::testing::held_sender;
using synclab::testing::move_fixed;
using synclab::testing::ring_memory;
using synclab::testing::CountedReclaim;
namespace checks = synclab::testing;  // ring_queue_checks.hpp

// The twin's ring counters.
struct Counters {};

TEST(Lprq, FifoAcrossFullRingsOnOneThread) {
  checks::fifo_across_rings<Lprq<Message, 2>>();
  checks::fifo_across_rings<Lprq<Message, 4>>();
  checks::fifo_across_rings<Lprq<Message>>();
}

TEST(Lprq, EmptyPollsBetweenSendsKeepOrder) { checks::empty_polls_keep_order<Lprq<Message, 4>>(); }

TEST(Lprq, DestroyedWhileHoldingMessagesOfAnOwningType) {
  // Rings of 8 cells: the messages left behind span many rings.
  checks::destroyed_holding_owning_messages<Lprq<std::unique_ptr<std::string>, 8>>(300, 150);
}

TEST(Lprq, ExactlyOnceAndPerProducerOrderOverSmallRings) {
  move_fixed<Lprq<Message, 2>>(0, 2, 2, 20000);
  move_fixed<Lprq<Message, 4>>(0, 3, 1, 20000);
  move_fixed<Lprq<Message, 4>>(0, 1, 3, 30000);
  move_fixed<Lprq<Message, 16>>(0, 2, 2, 40000);
  move_fixed<Lprq<Message>>(0, 2, 2, 40000);
}

TEST(Lprq, AHeldSenderStopsNoReceiverAndItsMessageArrives) {
  const HeldResult r = held_sender<Lprq<Message>>();
  EXPECT_TRUE(r.later_received) << "a receiver was stopped by the held sender's position";
  EXPECT_TRUE(r.held_received) << "the held message was lost";
}

TEST(Lprq, RingsStayWithinTheMemoryBoundUnderTraffic) {
  synclab::testing::expect_rings_within_bound<Lprq>();
}

TEST(LprqBroken, UnscannedRetiredRingsPassTheMemoryBound) {
  using C = CountedReclaim<Counters, false>;
  const auto r = ring_memory<synclab::testing::UnscannedLprq<Message, 16, Counters>, C>(50000, 8 * 16);
  EXPECT_FALSE(r.within) << "the check did not see the retired rings pile up (" << r.max_retired << " at most)";
}

TEST(LprqBroken, UnkilledReservationLosesTheHeldMessage) {
  const HeldResult r = held_sender<synclab::testing::UnkilledLprq<Message>>();
  EXPECT_FALSE(r.held_received) << "the check did not see the lost message";
}

}  // namespace
