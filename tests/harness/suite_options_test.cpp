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

// A value each flag of the help table accepts: every flag listed in --help
// must parse (a table entry without a parser would throw logic_error).
std::string sample_value(const SuiteFlag& flag) {
  const std::string_view v = flag.value;
  if (v.empty()) return "";
  if (v == "on|off") return "=off";
  if (v.starts_with("LEVEL")) return "=high";
  if (v == "POLICY") return "=compact";
  if (v.starts_with("SET")) return "=off";
  if (v.starts_with("F[")) return "=1";
  if (v == "ITERS_PER_US") return "=100";
  return "=2";
}

TEST(SuiteOptions, EveryFlagOfTheHelpTableParses) {
  ASSERT_GE(suite_flags().size(), 15u);
  for (const SuiteFlag& flag : suite_flags()) {
    const std::string arg = "--synclab_" + std::string(flag.name) + sample_value(flag);
    EXPECT_NO_THROW(parse({arg})) << arg;
    EXPECT_FALSE(flag.help.empty()) << flag.name;
  }
}

TEST(SuiteOptions, AFlagOutsideTheTableIsUnknown) {
  try {
    parse({"--synclab_threadz=2"});
    FAIL() << "an unknown flag was accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "unknown flag --synclab_threadz (see --help)");
  }
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
                                           "high/2", "oversubscribed/16", "oversub_sweep/2", "oversub_sweep/4",
                                           "oversub_sweep/8", "oversub_sweep/16"}));
  EXPECT_TRUE(plans[7].pins.oversubscribed);
  EXPECT_FALSE(plans[9].pins.oversubscribed);  // 1 × PUs
  EXPECT_TRUE(plans.back().pins.oversubscribed);
}

TEST(SuiteOptions, OversubscriptionSweepRunsHighAtEachFactorOfThePus) {
  const auto hw = HwlocTopology::from_synthetic("pack:1 core:2 pu:1");
  SuiteOptions o;
  o.contention = {"oversub_sweep"};
  o.threads = {1};  // the sweep has its own thread rule
  std::vector<int> ts;
  for (const CasePlan& c : plan_cases(hw.topology(), o)) {
    ts.push_back(c.threads);
    const ContentionLevel high = *find_contention_level("high");
    EXPECT_EQ(c.level.cs_ns, high.cs_ns);
    EXPECT_EQ(c.level.cs_lines, high.cs_lines);
    EXPECT_EQ(c.level.think_ns, high.think_ns);
    EXPECT_EQ(c.pins.pu_of_thread.size(), static_cast<std::size_t>(c.threads));
  }
  EXPECT_EQ(ts, (std::vector<int>{1, 2, 4, 8}));
  const CasePlan eight = plan_cases(hw.topology(), o).back();
  EXPECT_EQ(case_name("locks", "ticket", eight, o.placement), "locks/ticket/oversub_sweep/t:8/place:compact");
}

TEST(SuiteOptions, OversubscriptionFactorsAreParsedRoundedAndDeduplicated) {
  EXPECT_EQ(parse({}).options.oversubscription, (std::vector<double>{0.5, 1, 2, 4}));
  const Parsed p = parse({"--synclab_oversubscription=0.25,3,8,3"});
  EXPECT_EQ(p.options.oversubscription, (std::vector<double>{0.25, 3, 8}));
  // 0.25 × 3 PUs rounds to 1, 0.5 × 3 to 2; never below one thread; one case per count.
  EXPECT_EQ(oversubscription_thread_counts({0.25, 0.5, 1, 2}, 3), (std::vector<int>{1, 2, 3, 6}));
  EXPECT_EQ(oversubscription_thread_counts({0.1, 0.2}, 2), (std::vector<int>{1}));
  for (const char* bad : {"--synclab_oversubscription", "--synclab_oversubscription=", "--synclab_oversubscription=0",
                          "--synclab_oversubscription=-1", "--synclab_oversubscription=1,x",
                          "--synclab_oversubscription=65"})
    EXPECT_THROW(parse({bad}), UsageError) << bad;
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
