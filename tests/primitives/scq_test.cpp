// scq_test — SCQ (channels/scq.hpp) beyond the catalogue's typed stress and
// contract tests: capacity and FIFO at the full and empty boundaries over many
// laps, exactly-once and per-producer order under contention at capacities
// 1, 2 and 16 with a fixed number of messages, and, holding an enqueuer at
// its stall point (between its FAA on Tail and its entry), the two things the
// IsSafe / cycle marking is for: a receiver is not stopped by the held
// enqueuer's position (it receives the message sent after it), and the held
// message is not lost once its sender runs again. The broken twin
// (UnmarkedScq, channel_broken.hpp) must lose it (*Broken*, the negative
// half). Every wait is bounded; a hang fires the watchdog.
#include <gtest/gtest.h>

#include <cstdint>

#include "synclab/channels/scq.hpp"
#include "synclab/testing/channel_broken.hpp"
#include "synclab/testing/channel_testing.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/queue_checks.hpp"

namespace {

using synclab::channels::Scq;
using synclab::testing::HangWatchdog;
using synclab::testing::HeldResult;
using synclab::testing::kHangLimit;
using synclab::testing::Message;
using synclab::testing::held_sender;
using synclab::testing::move_fixed;

TEST(Scq, FullAndEmptyBoundariesOverManyLaps) {
  HangWatchdog watchdog(kHangLimit, "scq", "boundaries");
  for (std::size_t cap : {1u, 2u, 3u, 16u, 1024u}) {
    Scq<Message> q(cap);
    const std::size_t n = q.capacity();
    ASSERT_GE(n, cap);
    ASSERT_EQ(n & (n - 1), 0u);
    std::uint64_t sent = 0, received = 0;
    for (int lap = 0; lap < 50; ++lap) {
      for (std::size_t i = 0; i < n; ++i) {
        Message m = Message::make(0, sent);
        ASSERT_TRUE(q.try_send(m)) << "cap " << n << " lap " << lap << " i " << i;
        ++sent;
      }
      Message extra = Message::make(0, sent);
      EXPECT_FALSE(q.try_send(extra)) << "took more than its capacity " << n;
      // Half out, half in again, then all out: the queue turns at every offset.
      for (std::size_t i = 0; i < n / 2 + 1; ++i) {
        Message m;
        ASSERT_TRUE(q.try_recv(m));
        EXPECT_EQ(m.seq, received++);
      }
      for (std::size_t i = 0; i < n / 2 + 1; ++i) {
        Message m = Message::make(0, sent++);
        ASSERT_TRUE(q.try_send(m));
      }
      for (std::size_t i = 0; i < n; ++i) {
        Message m;
        ASSERT_TRUE(q.try_recv(m));
        EXPECT_TRUE(m.intact());
        EXPECT_EQ(m.seq, received++);
      }
      Message m;
      EXPECT_FALSE(q.try_recv(m)) << "a message out of an empty queue";
      EXPECT_FALSE(q.try_recv(m)) << "a message out of an empty queue";
    }
  }
}

TEST(Scq, ExactlyOnceAndPerProducerOrderAtSmallCapacities) {
  for (std::size_t cap : {1u, 2u, 16u}) {
    move_fixed<Scq<Message>>(cap, 2, 2, 5000);
    move_fixed<Scq<Message>>(cap, 3, 1, 5000);
    move_fixed<Scq<Message>>(cap, 1, 3, 8000);
  }
}

TEST(Scq, AHeldSenderStopsNoReceiverAndItsMessageArrives) {
  const HeldResult r = held_sender<Scq<Message>>();
  EXPECT_TRUE(r.later_received) << "a receiver was stopped by the held sender's position";
  EXPECT_TRUE(r.held_received) << "the held message was lost";
}

TEST(ScqBroken, UnmarkedPassedEntryLosesTheHeldMessage) {
  const HeldResult r = held_sender<synclab::testing::UnmarkedScq<Message>>();
  EXPECT_FALSE(r.held_received) << "the check did not see the lost message";
}

}  // namespace
