#include "synclab/harness/metrics.hpp"

#include <gtest/gtest.h>

#include <map>

namespace synclab::harness {
namespace {

std::map<std::string, double> as_map(const Metrics& m) { return {m.begin(), m.end()}; }

TEST(Metrics, KnownRunGivesKnownNumbers) {
  RunResult r;
  r.elapsed_s = 0.5;
  r.workers.resize(2);
  r.workers[0].ops = 300;
  r.workers[1].ops = 100;
  r.workers[0].handoffs = 40;
  r.workers[1].handoffs = 60;
  r.workers[0].os = {200'000, 3, 1};
  r.workers[1].os = {200'000, 0, 0};
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

TEST(Metrics, NoLatencyFieldsWithoutSamples) {
  RunResult r;
  r.elapsed_s = 1;
  r.workers.resize(1);
  r.workers[0].ops = 10;
  const auto m = as_map(summarize(r));
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

TEST(Metrics, HandoffEfficiencyOfAnEmptyWindowIsZero) {
  RunResult r;
  EXPECT_DOUBLE_EQ(as_map(handoff_metrics(r, 80.0)).at("handoff_efficiency"), 0.0);
}

}  // namespace
}  // namespace synclab::harness
