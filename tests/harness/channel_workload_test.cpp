// channel_workload_test — the channels family's workloads
// (harness/workloads/channel_*.hpp): their exactly-once and order checks pass
// on a correct channel and catch broken twins that drop, duplicate or reorder
// messages; end_window() wakes consumers and producers asleep in a blocking
// channel and a receiver asleep in a one-shot (a hang would fire the
// driver's watchdog and fail the test); the metrics come out.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "channel_test_channels.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/workloads/channel_empty.hpp"
#include "synclab/harness/workloads/channel_ledger.hpp"
#include "synclab/harness/workloads/channel_oneshot.hpp"
#include "synclab/harness/workloads/channel_payload.hpp"
#include "synclab/harness/workloads/channel_pingpong.hpp"
#include "synclab/harness/workloads/channel_semantics.hpp"
#include "synclab/harness/workloads/channel_workload.hpp"

namespace {

using synclab::harness::ChannelPayload;
using synclab::harness::ChannelShape;
using synclab::harness::ChannelStreamWorkload;
using synclab::testing::Fault;
using synclab::testing::TestBlockingChannel;
using synclab::testing::TestChannel;
using P8 = ChannelPayload<8>;
using P64 = ChannelPayload<64>;
using Dropping8 = TestChannel<P8, Fault::drop>;
using Dropping64 = TestChannel<P64, Fault::drop>;
using Duplicating8 = TestChannel<P8, Fault::duplicate>;
using Duplicating64 = TestChannel<P64, Fault::duplicate>;
using Reordering8 = TestChannel<P8, Fault::reorder>;
using Reordering64 = TestChannel<P64, Fault::reorder>;

synclab::harness::DriverConfig driver(int threads, std::chrono::milliseconds window = std::chrono::milliseconds(60)) {
  synclab::harness::DriverConfig cfg;
  cfg.case_name = "channel_workload_test";
  cfg.plan.pu_of_thread.assign(static_cast<std::size_t>(threads), 0);
  cfg.duration = window;
  return cfg;
}

template <class W>
synclab::harness::RunResult run(W& w, int threads) {
  const synclab::harness::RunResult r = synclab::harness::run_fixed_duration(driver(threads), w);
  EXPECT_EQ(r.first_error(), "");
  return r;
}

double metric(const synclab::harness::Metrics& m, const std::string& name) {
  const auto it = std::find_if(m.begin(), m.end(), [&](const auto& kv) { return kv.first == name; });
  return it == m.end() ? -1.0 : it->second;
}

// The verdict of one window in which enough messages were sent to exercise
// the fault (on a loaded machine a window may be short of them: retried).
template <class C>
std::string stream_verdict(int producers, int consumers) {
  const ChannelShape shape{producers, consumers};
  for (int attempt = 0; attempt < 10; ++attempt) {
    ChannelStreamWorkload<C> w(shape, 4096);  // room to send many even when the consumer is descheduled
    run(w, shape.threads());
    if (w.sent() > synclab::testing::kFaultEvery * 2) return w.verify({});
  }
  ADD_FAILURE() << "too few messages sent in 10 windows to exercise the fault";
  return "not exercised";
}

TEST(ChannelStream, CorrectChannelPassesInEveryShape) {
  for (ChannelShape shape : {ChannelShape{1, 1}, ChannelShape{2, 1}, ChannelShape{1, 2}, ChannelShape{2, 2}}) {
    EXPECT_EQ(stream_verdict<TestChannel<P8>>(shape.producers, shape.consumers), "") << shape.producers << ":" << shape.consumers;
    EXPECT_EQ(stream_verdict<TestChannel<P64>>(shape.producers, shape.consumers), "") << shape.producers << ":" << shape.consumers;
  }
}

TEST(ChannelStream, DroppedMessagesAreCaught) {
  EXPECT_NE(stream_verdict<Dropping8>(1, 1), "");
  EXPECT_NE(stream_verdict<Dropping64>(2, 2), "");
  // One consumer: the drop is seen as a gap, then as a count that falls short.
  const std::string v = stream_verdict<Dropping8>(2, 1);
  EXPECT_NE(v.find("lost"), std::string::npos) << v;
}

TEST(ChannelStream, DuplicatedMessagesAreCaught) {
  EXPECT_NE(stream_verdict<Duplicating8>(1, 1), "");
  EXPECT_NE(stream_verdict<Duplicating64>(2, 2), "");
}

TEST(ChannelStream, ReorderedMessagesAreCaught) {
  const std::string v = stream_verdict<Reordering8>(1, 1);
  EXPECT_NE(v.find("arrived after"), std::string::npos) << v;
  EXPECT_NE(stream_verdict<Reordering64>(1, 2), "");
}

TEST(ChannelStream, BlockingChannelPassesAndBurstsPause) {
  ChannelStreamWorkload<TestBlockingChannel<P8>> w({2, 2}, 16, {32, std::chrono::microseconds(50)});
  run(w, 4);
  EXPECT_GT(w.received(), 0u);
  EXPECT_EQ(w.verify({}), "");
}

TEST(ChannelStream, EndWindowWakesConsumersAsleepOnAnEmptyChannel) {
  ChannelStreamWorkload<TestBlockingChannel<P8>> w({0, 3}, 16);  // nothing is ever sent
  run(w, 3);
  EXPECT_GE(w.channel().woken_by_close(), 3);
  EXPECT_EQ(w.verify({}), "");
}

TEST(ChannelStream, EndWindowWakesProducersAsleepOnAFullChannel) {
  ChannelStreamWorkload<TestBlockingChannel<P8>> w({2, 0}, 1);  // nobody receives
  run(w, 2);
  EXPECT_EQ(w.sent(), 1u);
  EXPECT_EQ(w.verify({}), "");  // the one message is found by the drain
}

TEST(ChannelStream, SpinningWorkersStopAtTheEndOfTheWindow) {
  ChannelStreamWorkload<TestChannel<P8>> consumers_only({0, 2}, 16);
  run(consumers_only, 2);
  ChannelStreamWorkload<TestChannel<P8>> producers_only({2, 0}, 1);
  run(producers_only, 2);
  EXPECT_EQ(producers_only.sent(), 1u);
  EXPECT_EQ(producers_only.verify({}), "");
}

TEST(ChannelStream, MetricsComeOut) {
  ChannelStreamWorkload<TestChannel<P8>> w({2, 1}, 64);
  const auto r = run(w, 3);
  ASSERT_EQ(w.verify({}), "");
  const auto m = w.extra_metrics(r);
  EXPECT_GT(metric(m, "messages_per_sec"), 0);
  EXPECT_GT(metric(m, "sends_per_sec"), 0);
  EXPECT_GE(metric(m, "sends_per_sec"), metric(m, "recvs_per_sec"));
  EXPECT_GT(metric(m, "e2e_lat_p50_ns"), 0);
  EXPECT_GE(metric(m, "e2e_lat_p999_ns"), metric(m, "e2e_lat_p50_ns"));
  EXPECT_GE(metric(m, "e2e_lat_max_ns"), metric(m, "e2e_lat_p999_ns"));
  EXPECT_GT(metric(m, "cpu_ns_per_msg"), 0);
  EXPECT_GE(metric(m, "producer_fairness_jain"), 0.5);  // 1/n: one producer did everything
  EXPECT_LE(metric(m, "producer_fairness_jain"), 1.0);
  EXPECT_GE(metric(m, "failed_recvs_per_msg"), 0);
  // The test channel sleeps in std::mutex: only the tracepoint sees that.
  if (r.futex_source == synclab::harness::FutexSource::tracepoint) EXPECT_GE(metric(m, "futex_waits_per_msg"), 0);
  else EXPECT_EQ(metric(m, "futex_waits_per_msg"), -1.0) << "absent, not 0";
  EXPECT_EQ(metric(m, "capacity_msgs"), 64);
  EXPECT_EQ(metric(m, "payload_bytes"), 8);
  EXPECT_EQ(metric(m, "producers"), 2);
  EXPECT_GE(metric(m, "backlog_msgs"), 0);
}

TEST(ChannelPingPong, RoundTripsAreCheckedAndTimed) {
  synclab::harness::ChannelPingPongWorkload<TestChannel<P8>> spin(16);
  const auto r = run(spin, 2);
  EXPECT_GT(spin.round_trips(), 0u);
  EXPECT_EQ(spin.verify({}), "");
  const auto m = spin.extra_metrics(r);
  EXPECT_GT(metric(m, "round_trips_per_sec"), 0);
  EXPECT_GT(metric(m, "rtt_p50_ns"), 0);

  synclab::harness::ChannelPingPongWorkload<TestBlockingChannel<P64>> sleeping(1);
  run(sleeping, 2);
  EXPECT_GT(sleeping.round_trips(), 0u);
  EXPECT_EQ(sleeping.verify({}), "");
}

TEST(ChannelEmpty, ReceivesFailAndAMessageWouldBeReported) {
  synclab::harness::ChannelEmptyRecvWorkload<TestChannel<P8>> w(16);
  const auto r = run(w, 1);
  EXPECT_GT(r.total_ops(), 0u);
  EXPECT_EQ(w.verify({}), "");
  EXPECT_EQ(metric(w.extra_metrics(r), "primed"), 1);
}

TEST(ChannelOneShot, EveryMessageArrivesInItsOwnOneShot) {
  synclab::harness::OneShotWorkload<synclab::testing::TestOneShot<P8>> w;
  const auto r = run(w, 2);
  EXPECT_GT(w.received(), 0u);
  EXPECT_EQ(w.verify({}), "");
  EXPECT_GT(metric(w.extra_metrics(r), "messages_per_sec"), 0);
}

TEST(ChannelOneShot, ABrokenOneShotIsCaught) {
  synclab::harness::OneShotWorkload<synclab::testing::ImpatientOneShot<P8>> w;
  run(w, 2);
  EXPECT_NE(w.verify({}), "");
}

TEST(ChannelLedger, ShortSequenceNumbersAreRebuiltAcrossTheWrap) {
  synclab::harness::ReceiverLedger ledger(1, true);
  const std::uint64_t wrap = std::uint64_t{1} << 24;
  auto progress = [&](int) { return wrap + 10; };
  for (std::uint64_t s = wrap - 5; s < wrap + 5; ++s) ledger.accept(P8::make(0, s, 0), progress);
  EXPECT_EQ(ledger.violation(), "");
  EXPECT_EQ(ledger.tallies()[0].count, 10u);
  EXPECT_EQ(ledger.tallies()[0].last, wrap + 4);
  ledger.accept(P8::make(0, wrap + 2, 0), progress);  // a step back
  EXPECT_NE(ledger.violation(), "");
}

TEST(ChannelLedger, ExactlyOnceNeedsTheSameMessagesNotJustAsMany) {
  synclab::harness::ReceiverLedger a(1, false), b(1, false);
  auto progress = [](int) { return std::uint64_t{4}; };
  for (std::uint64_t s : {0, 1, 2}) a.accept(P64::make(0, s, 0), progress);
  EXPECT_EQ(synclab::harness::check_exactly_once({3}, {&a}), "");
  b.accept(P64::make(0, 0, 0), progress);
  b.accept(P64::make(0, 1, 0), progress);
  b.accept(P64::make(0, 1, 0), progress);  // 2 lost, 1 delivered twice
  EXPECT_NE(synclab::harness::check_exactly_once({3}, {&b}), "");
}

TEST(ChannelPayload, TornMessagesAreNoticed) {
  P64 m = P64::make(3, 42, 0);
  EXPECT_TRUE(m.intact());
  EXPECT_EQ(m.producer_index(), 3);
  EXPECT_EQ(m.seq_field(), 42u);
  m.filler[4] ^= 1;
  EXPECT_FALSE(m.intact());
  const P8 small = P8::make(200, (std::uint64_t{1} << 24) + 7, 123456);
  EXPECT_EQ(small.producer_index(), 200);
  EXPECT_EQ(small.seq_field(), 7u);
  EXPECT_TRUE(small.stamped());
  EXPECT_EQ(small.age_ns(123456 + 50), 50u);
}

TEST(ChannelSemantics, JsonSaysWhatTheChannelDeclares) {
  const std::string j = synclab::harness::semantics_json(TestBlockingChannel<P8>::semantics);
  EXPECT_EQ(j,
            "{\"bounded\":true,\"blocking\":true,\"order\":\"global_fifo\",\"producers\":\"many\","
            "\"consumers\":\"many\",\"close\":true,\"allocation\":\"per block (std::deque)\"}");
}

}  // namespace
