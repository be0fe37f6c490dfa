#include "synclab/harness/metrics.hpp"

#include <gtest/gtest.h>

#include <map>

namespace synclab::harness {
namespace {

std::map<std::string, double> as_map(const Metrics& m) { return {m.begin(), m.end()}; }

// One worker that did `ops` operations in one second.
RunResult one_worker(std::uint64_t ops) {
  RunResult r;
  r.elapsed_s = 1;
  r.workers.resize(1);
  r.workers[0].ops = ops;
  return r;
}

TEST(Metrics, KnownRunGivesKnownNumbers) {
  RunResult r;
  r.elapsed_s = 0.5;
  r.handoffs_counted = true;
  r.workers.resize(2);
  r.workers[0].ops = 300;
  r.workers[1].ops = 100;
  r.workers[0].handoffs = 40;
  r.workers[1].handoffs = 60;
  r.workers[0].os = {200'000, 3, 1};
  r.workers[1].os = {200'000, 0, 0};
  r.futex_source = FutexSource::wait_layer;
  r.workers[0].futex_waits = 8;
  r.workers[1].futex_wakes = 4;
  for (int i = 0; i < 99; ++i) r.workers[0].latency.record(10);
  r.workers[1].latency.record(20'000);
  const auto m = as_map(summarize(r));
  EXPECT_DOUBLE_EQ(m.at("ops_per_sec"), 800);
  EXPECT_DOUBLE_EQ(m.at("ns_per_op"), 0.5e9 / 400);
  EXPECT_DOUBLE_EQ(m.at("fairness_jain"), 400.0 * 400 / (2 * (90000.0 + 10000)));
  EXPECT_DOUBLE_EQ(m.at("share_min"), 0.5);
  EXPECT_DOUBLE_EQ(m.at("share_max"), 1.5);
  EXPECT_DOUBLE_EQ(m.at("handoffs_per_sec"), 200);
  EXPECT_DOUBLE_EQ(m.at("cpu_ns_per_op"), 1000);
  EXPECT_DOUBLE_EQ(m.at("ctx_switches_per_op"), 0.01);
  EXPECT_DOUBLE_EQ(m.at("futex_waits_per_op"), 0.02);
  EXPECT_DOUBLE_EQ(m.at("futex_wakes_per_op"), 0.01);
  EXPECT_DOUBLE_EQ(m.at("lat_p50_ns"), 10);
  EXPECT_DOUBLE_EQ(m.at("lat_max_ns"), 20'000);
  EXPECT_DOUBLE_EQ(m.at("threads_run"), 2);
}

// No source, no futex fields: a 0 nobody counted would read as "never sleeps".
TEST(Metrics, NoFutexFieldsWhenNothingCountedThem) {
  RunResult r = one_worker(10);
  r.workers[0].futex_waits = 3;
  r.futex_source = FutexSource::none;
  auto m = as_map(summarize(r));
  EXPECT_EQ(m.count("futex_waits_per_op"), 0u);
  EXPECT_EQ(m.count("futex_wakes_per_op"), 0u);
  r.futex_source = FutexSource::tracepoint;
  m = as_map(summarize(r));
  EXPECT_DOUBLE_EQ(m.at("futex_waits_per_op"), 0.3);
  EXPECT_DOUBLE_EQ(m.at("futex_wakes_per_op"), 0.0);
  Metrics per_msg;
  put_unit_costs(per_msg, "messages_per_sec", "msg", 6, r);
  EXPECT_EQ(as_map(per_msg).at("futex_waits_per_msg"), 0.5);
  r.futex_source = FutexSource::none;
  per_msg.clear();
  put_unit_costs(per_msg, "messages_per_sec", "msg", 6, r);
  EXPECT_EQ(as_map(per_msg).count("futex_waits_per_msg"), 0u);
  EXPECT_EQ(as_map(per_msg).count("futex_wakes_per_msg"), 0u);
}

TEST(Metrics, NoLatencyFieldsWithoutSamples) {
  const auto m = as_map(summarize(one_worker(10)));
  EXPECT_EQ(m.count("lat_p99_ns"), 0u);
  EXPECT_EQ(m.count("ops_per_sec"), 1u);
}

// handoffs/s × one-way latency: 200 handoffs/s at 100 ns each is 2e-5 of
// the physical limit.
TEST(Metrics, HandoffEfficiencyIsHandoffRateTimesOneWayLatency) {
  RunResult r;
  r.elapsed_s = 0.5;
  r.workers.resize(2);
  r.workers[0].handoffs = 40;
  r.workers[1].handoffs = 60;
  const auto m = as_map(handoff_metrics(r, 100.0));
  EXPECT_DOUBLE_EQ(m.at("oneway_ns"), 100.0);
  EXPECT_DOUBLE_EQ(m.at("handoff_efficiency"), 200 * 100e-9);
  EXPECT_EQ(m.size(), 2u);
  // A lock that hands over once per transfer reaches 1.
  r.workers[0].handoffs = 2'500'000;
  r.workers[1].handoffs = 2'500'000;
  EXPECT_DOUBLE_EQ(as_map(handoff_metrics(r, 100.0)).at("handoff_efficiency"), 1.0);
}

// An empty window measured no rate: the efficiency is absent, not 0.
TEST(Metrics, HandoffEfficiencyOfAnEmptyWindowIsNotMeasured) {
  RunResult r;
  const auto m = as_map(handoff_metrics(r, 80.0));
  EXPECT_EQ(m.count("handoff_efficiency"), 0u);
  EXPECT_DOUBLE_EQ(m.at("oneway_ns"), 80.0);
}

// The toolkit's one rule: nothing counted, nothing published.
TEST(Metrics, RatesAndRatiosOfNothingAreAbsent) {
  EXPECT_FALSE(per(5, 0).has_value());
  EXPECT_FALSE(per_second(5, 0).has_value());
  EXPECT_DOUBLE_EQ(per(0, 4).value(), 0.0);  // a measured zero stays
  Metrics m;
  put(m, "x", per(1, 0));
  put_latency(m, "lat", LatencyHistogram{});
  EXPECT_TRUE(m.empty());
}

TEST(Metrics, HandoffsAreLeftOutWhenTheWorkloadDidNotCountThem) {
  RunResult r;
  r.elapsed_s = 1;
  r.workers.resize(1);
  r.workers[0].ops = 10;
  EXPECT_EQ(as_map(summarize(r)).count("handoffs_per_sec"), 0u);
  r.handoffs_counted = true;
  EXPECT_DOUBLE_EQ(as_map(summarize(r)).at("handoffs_per_sec"), 0.0);
}

TEST(Metrics, UnitCostsNameTheUnit) {
  RunResult r;
  r.elapsed_s = 2;
  r.workers.resize(2);
  r.workers[0].os.cpu_ns = 3000;
  r.workers[1].os.cpu_ns = 1000;
  r.workers[1].futex_waits = 10;
  r.futex_source = FutexSource::wait_layer;
  Metrics m;
  put_unit_costs(m, "messages_per_sec", "msg", 100, r);
  const auto got = as_map(m);
  EXPECT_DOUBLE_EQ(got.at("messages_per_sec"), 50);
  EXPECT_DOUBLE_EQ(got.at("ns_per_msg"), 2e7);
  EXPECT_DOUBLE_EQ(got.at("cpu_ns_per_msg"), 40);
  EXPECT_DOUBLE_EQ(got.at("futex_waits_per_msg"), 0.1);
  Metrics producers_only;
  put_unit_costs(producers_only, "messages_per_sec", "msg", 100, r, 0, 1);
  EXPECT_DOUBLE_EQ(as_map(producers_only).at("cpu_ns_per_msg"), 30);
}

}  // namespace
}  // namespace synclab::harness
