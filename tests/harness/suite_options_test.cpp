#include "synclab/harness/suite_options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace synclab::harness {
namespace {

// Runs the parser over a command line; returns the options and what is left.
struct Parsed {
  SuiteOptions options;
  std::vector<std::string> rest;
};
Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "synclab_bench");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  Parsed p{parse_suite_options(argc, argv.data()), {}};
  for (int i = 1; i < argc; ++i) p.rest.emplace_back(argv[static_cast<size_t>(i)]);
  return p;
}

TEST(SuiteOptions, ParsesEveryFlagAndLeavesTheRest) {
  const Parsed p = parse({"--synclab_threads=1,4", "--benchmark_filter=x", "--synclab_contention=high,low",
                          "--synclab_placement=cpus:0", "--synclab_duration_ms=50", "--synclab_sampling=off",
                          "--synclab_delay_calibration=812.5", "--synclab_test_cases", "--synclab_watchdog_s=2"});
  EXPECT_EQ(p.options.threads, (std::vector<int>{1, 4}));
  EXPECT_EQ(p.options.contention, (std::vector<std::string>{"high", "low"}));
  EXPECT_EQ(p.options.placement.text, "cpus:0");
  EXPECT_EQ(p.options.duration.count(), 50);
  EXPECT_FALSE(p.options.sample_latency);
  EXPECT_DOUBLE_EQ(*p.options.delay_iters_per_us, 812.5);
  EXPECT_TRUE(p.options.test_cases);
  EXPECT_EQ(p.options.watchdog_grace.count(), 2000);
  EXPECT_EQ(p.rest, (std::vector<std::string>{"--benchmark_filter=x"}));
}

TEST(SuiteOptions, RejectsBadInput) {
  for (const char* bad : {"--synclab_threads=0", "--synclab_threads=two", "--synclab_threads=", "--synclab_threads",
                          "--synclab_contention=extreme", "--synclab_placement=everywhere",
                          "--synclab_duration_ms=-5", "--synclab_sampling=maybe", "--synclab_sample_every=3",
                          "--synclab_delay_calibration=0", "--synclab_nonsense=1"})
    EXPECT_THROW(parse({bad}), UsageError) << bad;
}

TEST(SuiteOptions, ParsesTheCounterFlags) {
  const Parsed defaults = parse({});
  EXPECT_EQ(defaults.options.counters, "auto");
  EXPECT_TRUE(defaults.options.counters_kernel);
  EXPECT_FALSE(defaults.options.counter_rotation);
  EXPECT_FALSE(defaults.options.list_counters);
  const Parsed p = parse({"--synclab_counters=cycles,task-clock", "--synclab_counters_kernel=off",
                          "--synclab_counter_rotation=on", "--synclab_list_counters"});
  EXPECT_EQ(p.options.counters, "cycles,task-clock");  // resolved later, against the machine
  EXPECT_FALSE(p.options.counters_kernel);
  EXPECT_TRUE(p.options.counter_rotation);
  EXPECT_TRUE(p.options.list_counters);
  for (const char* bad : {"--synclab_counters", "--synclab_counters=", "--synclab_counters_kernel=maybe",
                          "--synclab_counter_rotation"})
    EXPECT_THROW(parse({bad}), UsageError) << bad;
}

TEST(SuiteOptions, PlansEveryLevelWithItsOwnThreadRule) {
  const auto hw = HwlocTopology::from_synthetic("pack:1 core:4 pu:1");
  SuiteOptions o;
  o.threads = {1, 2};
  const std::vector<CasePlan> plans = plan_cases(hw.topology(), o);
  std::vector<std::string> got;
  for (const CasePlan& c : plans) got.push_back(std::string(c.level.name) + "/" + std::to_string(c.threads));
  EXPECT_EQ(got, (std::vector<std::string>{"uncontended/1", "low/1", "low/2", "medium/1", "medium/2", "high/1",
                                           "high/2", "oversubscribed/16"}));
  EXPECT_TRUE(plans.back().pins.oversubscribed);
}

TEST(SuiteOptions, DefaultThreadCountsArePowersOfTwoAndThePuCount) {
  const auto hw = HwlocTopology::from_synthetic("pack:1 core:6 pu:1");
  SuiteOptions o;
  o.contention = {"high"};
  std::vector<int> ts;
  for (const CasePlan& c : plan_cases(hw.topology(), o)) ts.push_back(c.threads);
  EXPECT_EQ(ts, (std::vector<int>{1, 2, 4, 6}));
}

TEST(SuiteOptions, MoreThreadsThanPusOutsideOversubscribedIsAnError) {
  const auto hw = HwlocTopology::from_synthetic("pack:1 core:2 pu:1");
  SuiteOptions o;
  o.contention = {"high"};
  o.threads = {4};
  EXPECT_THROW(plan_cases(hw.topology(), o), PlacementError);
}

TEST(SuiteOptions, CaseNamesFollowTheContract) {
  const auto hw = HwlocTopology::from_synthetic("pack:1 core:2 pu:1");
  SuiteOptions o;
  o.contention = {"high"};
  o.threads = {2};
  const CasePlan plan = plan_cases(hw.topology(), o).front();
  EXPECT_EQ(case_name("locks", "ticket", plan, o.placement), "locks/ticket/high/t:2/place:compact");
}

}  // namespace
}  // namespace synclab::harness
