// faa_array_queue_test — FAAArrayQueue (channels/faa_array_queue.hpp) beyond
// the catalogue's typed stress and contract tests: FIFO across node
// boundaries on one thread (several nodes filled and drained, every node
// retired through the hazard pointers), exactly-once and per-producer order
// under contention with a fixed number of messages spanning many nodes
// (nodes linked, tails helped, heads retired while others hold them), a
// queue destroyed while it still holds messages (ASan sees a leak or a double
// destruction), and a sender held at its stall point (after its FAA on the
// tail node's enqidx): a receiver passing its cell is not stopped and the
// held message arrives once the sender goes on. The broken twin
// (UnmarkedFaaArrayQueue, channel_broken.hpp) must lose it (*Broken*, the
// negative half). Memory: under sustained traffic (2 producers, 2
// consumers, the queue near empty and with a backlog of 8 nodes) the live
// and retired nodes, counted through a Reclaim policy (ring_census.hpp),
// stay within ring_list.hpp's bound at every sample; the twin that never
// scans its retired nodes (UnscannedFaaArrayQueue) must pass it (*Broken*).
// Every wait is bounded; a hang fires the watchdog.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "synclab/channels/faa_array_queue.hpp"
#include "synclab/testing/channel_broken.hpp"
#include "synclab/testing/channel_testing.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/queue_checks.hpp"
#include "synclab/testing/ring_queue_checks.hpp"
#include "synclab/testing/ring_census.hpp"

namespace {

using synclab::channels::FaaArrayQueue;
using synclab::testing::HangWatchdog;
using synclab::testing::HeldResult;
using synclab::testing::kHangLimit;
using synclab::testing::Message;
using synclab::testing::held_sender;
using synclab::testing::move_fixed;
using synclab::testing::destroyed_holding_owning_messages;
using synclab::testing::fifo_across_rings;
using synclab::testing::CountedReclaim;
using synclab::testing::ring_memory;
using synclab::testing::ring_memory_within;
using Q = FaaArrayQueue<Message>;

// One set of ring counters each.
struct NearEmpty {};
struct Backlog {};
struct Unscanned {};

TEST(FaaArrayQueue, FifoAcrossNodesOnOneThread) { fifo_across_rings<Q>(); }

TEST(FaaArrayQueue, DestroyedWhileHoldingMessagesOfAnOwningType) {
  destroyed_holding_owning_messages<FaaArrayQueue<std::unique_ptr<std::string>>>(3000, 1500);
}

TEST(FaaArrayQueue, ExactlyOnceAndPerProducerOrderOverManyNodes) {
  move_fixed<Q>(0, 2, 2, 40000);
  move_fixed<Q>(0, 3, 1, 30000);
  move_fixed<Q>(0, 1, 3, 60000);
}

TEST(FaaArrayQueue, AHeldSenderStopsNoReceiverAndItsMessageArrives) {
  const HeldResult r = held_sender<Q>();
  EXPECT_TRUE(r.later_received) << "a receiver was stopped by the held sender's cell";
  EXPECT_TRUE(r.held_received) << "the held message was lost";
}

TEST(FaaArrayQueue, NodesStayWithinTheMemoryBoundUnderTraffic) {
  using C1 = CountedReclaim<NearEmpty>;
  EXPECT_TRUE((ring_memory_within<FaaArrayQueue<Message, true, C1>, C1>(100000, 64)));
  using C2 = CountedReclaim<Backlog>;
  EXPECT_TRUE((ring_memory_within<FaaArrayQueue<Message, true, C2>, C2>(100000, 8 * Q::kCells)));
}

TEST(FaaArrayQueueBroken, UnscannedRetiredNodesPassTheMemoryBound) {
  using C = CountedReclaim<Unscanned, false>;
  const auto r = ring_memory<synclab::testing::UnscannedFaaArrayQueue<Message, Unscanned>, C>(100000, 64);
  EXPECT_FALSE(r.within) << "the check did not see the retired nodes pile up (" << r.max_retired << " at most)";
}

TEST(FaaArrayQueueBroken, UnmarkedEmptyCellLosesTheHeldMessage) {
  const HeldResult r = held_sender<synclab::testing::UnmarkedFaaArrayQueue<Message>>();
  EXPECT_FALSE(r.held_received) << "the check did not see the lost message";
}

}  // namespace
