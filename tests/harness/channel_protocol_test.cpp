// channel_protocol_test — atomic_queue's protocol scenarios
// (harness/workloads/channel_protocol.hpp): a correct channel completes every
// run, in the non-blocking and the blocking form, with one and two producer
// pairs; a channel that drops a message is stopped by the run's time limit
// and reported with how far it got, one that duplicates is caught by the
// exactly-once check, and a duplicated ping comes back as the wrong echo.
// The statistics over the runs are what the case reports.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "channel_test_channels.hpp"
#include "synclab/harness/workloads/channel_payload.hpp"
#include "synclab/harness/workloads/channel_protocol.hpp"

namespace {

using synclab::harness::ChannelPayload;
using synclab::harness::ProtocolPlan;
using synclab::harness::ProtocolRuns;
using synclab::testing::Fault;
using P8 = ChannelPayload<8>;
using Correct = synclab::testing::TestChannel<P8>;
using Blocking = synclab::testing::TestBlockingChannel<P8>;
using Dropping = synclab::testing::TestChannel<P8, Fault::drop>;
using Duplicating = synclab::testing::TestChannel<P8, Fault::duplicate>;

// Small runs, unpinned: what the real cases do, scaled down. The threads spin
// while they wait, so on a loaded machine a round trip can take a scheduler
// quantum: the limit of a run that must finish is generous, the limit of one
// that must not is short.
ProtocolPlan plan(std::uint64_t work, int runs = 2, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  ProtocolPlan p;
  p.pu_of_thread.assign(4, 0);
  p.capacity = 64;
  p.work = work;
  p.runs = runs;
  p.run_limit = limit;
  return p;
}
constexpr std::chrono::milliseconds kShortLimit{500};

TEST(ChannelProtocol, ThroughputOfACorrectChannelCompletesEveryRun) {
  for (int pairs : {1, 2}) {
    const ProtocolRuns runs = synclab::harness::run_protocol_throughput<Correct>(plan(5'000), pairs);
    EXPECT_EQ(runs.error, "") << pairs << " pairs";
    ASSERT_EQ(runs.seconds.size(), 2u);
    for (double s : runs.seconds) EXPECT_GT(s, 0.0);
  }
}

TEST(ChannelProtocol, ThroughputOfABlockingChannelEndsWhenEverythingArrived) {
  // The consumers sleep in recv once the channel is empty: the last delivery
  // must wake them, or the run would end only at its limit and fail.
  const ProtocolRuns runs = synclab::harness::run_protocol_throughput<Blocking>(plan(5'000), 2);
  EXPECT_EQ(runs.error, "");
  EXPECT_EQ(runs.seconds.size(), 2u);
}

TEST(ChannelProtocol, ALostMessageStopsTheRunAtItsLimit) {
  const auto started = std::chrono::steady_clock::now();
  const ProtocolRuns runs = synclab::harness::run_protocol_throughput<Dropping>(plan(5'000, 2, kShortLimit), 1);
  EXPECT_NE(runs.error.find("did not finish"), std::string::npos) << runs.error;
  EXPECT_NE(runs.error.find("of 5000 messages received"), std::string::npos) << runs.error;
  EXPECT_TRUE(runs.seconds.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(ChannelProtocol, ADuplicatedMessageFailsTheExactlyOnceCheck) {
  const ProtocolRuns runs = synclab::harness::run_protocol_throughput<Duplicating>(plan(5'000), 2);
  EXPECT_NE(runs.error.find("not delivered exactly once"), std::string::npos) << runs.error;
}

TEST(ChannelProtocol, PingPongOfACorrectChannelCompletesEveryRun) {
  const ProtocolRuns a = synclab::harness::run_protocol_pingpong<Correct>(plan(300, 3));
  EXPECT_EQ(a.error, "");
  EXPECT_EQ(a.seconds.size(), 3u);
  const ProtocolRuns b = synclab::harness::run_protocol_pingpong<Blocking>(plan(300, 2));
  EXPECT_EQ(b.error, "");
  EXPECT_EQ(b.seconds.size(), 2u);
}

TEST(ChannelProtocol, PingPongCatchesAWrongEchoAndALostOne) {
  const ProtocolRuns duplicated = synclab::harness::run_protocol_pingpong<Duplicating>(plan(300));
  EXPECT_NE(duplicated.error.find("came back with another message"), std::string::npos) << duplicated.error;
  const ProtocolRuns dropped = synclab::harness::run_protocol_pingpong<Dropping>(plan(300, 2, kShortLimit));
  EXPECT_NE(dropped.error.find("did not finish"), std::string::npos) << dropped.error;
}

TEST(ChannelProtocol, RunStatisticsAreTheBestRunAndTheRatesOverRuns) {
  ProtocolRuns runs;
  runs.seconds = {0.5, 0.25, 1.0};  // rates 2, 4, 1 per unit of work
  EXPECT_DOUBLE_EQ(runs.best_s(), 0.25);
  const auto [mean, stdev] = runs.rate_mean_stdev(1.0);
  EXPECT_DOUBLE_EQ(mean, 7.0 / 3.0);
  EXPECT_NEAR(stdev, 1.5275252316519468, 1e-12);
}

}  // namespace
