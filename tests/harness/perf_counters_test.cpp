#include "synclab/harness/perf_counters.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include "synclab/harness/contention.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/workloads/lock_workload.hpp"

namespace synclab::harness {
namespace {

std::map<std::string, double> as_map(const Metrics& m) { return {m.begin(), m.end()}; }

const CounterEvent* find_event(const CounterPlan& plan, std::string_view name) {
  for (const CounterEvent& e : plan.events)
    if (e.name == name) return &e;
  return nullptr;
}

std::string context_value(const CounterPlan& plan, std::string_view key) {
  for (const auto& [k, v] : counter_context(plan))
    if (k == key) return v;
  return "<missing>";
}

bool have_libpfm() {
  static const bool yes = probe_perf_environment().libpfm;
  return yes;
}

// A virtual machine without a PMU, as this project's development VM is:
// software events open, every hardware event fails with ENOENT.
PerfEnvironment machine_without_pmu() {
  PerfEnvironment env;
  env.libpfm = have_libpfm();
  env.paranoid = 2;
  env.nmi_watchdog = false;
  env.cycles_errno = ENOENT;
  env.try_open = [](const perf_event_attr& a) { return a.type == PERF_TYPE_SOFTWARE ? 0 : ENOENT; };
  return env;
}

// A Skylake with four generic counters per thread and the NMI watchdog on,
// where everything opens.
PerfEnvironment skylake() {
  PerfEnvironment env;
  env.libpfm = have_libpfm();
  env.core_pmu = "skl";
  env.core_pmu_desc = "Intel Skylake";
  env.generic_counters = 4;
  env.nmi_watchdog = true;
  env.paranoid = 1;
  env.cycles_errno = 0;
  env.try_open = [](const perf_event_attr&) { return 0; };
  return env;
}

// ---- scaling ----------------------------------------------------------------

TEST(CounterScaling, UnmultiplexedValueIsReturnedAsIs) {
  const CounterReading r{true, 1000, 500, 500};
  EXPECT_DOUBLE_EQ(*scaled_value(r), 1000);
  EXPECT_DOUBLE_EQ(running_fraction(r), 1.0);
}

TEST(CounterScaling, MultiplexedValueIsScaledByEnabledOverRunning) {
  const CounterReading quarter{true, 1000, 400, 100};
  EXPECT_DOUBLE_EQ(*scaled_value(quarter), 4000);
  EXPECT_DOUBLE_EQ(running_fraction(quarter), 0.25);
  const CounterReading third{true, 3, 3'000'000'000, 1'000'000'000};
  EXPECT_DOUBLE_EQ(*scaled_value(third), 9);
  EXPECT_DOUBLE_EQ(running_fraction(third), 1.0 / 3.0);
}

TEST(CounterScaling, RunningZeroMeansTheValueIsUnknown) {
  EXPECT_FALSE(scaled_value({true, 0, 500, 0}));
  EXPECT_DOUBLE_EQ(running_fraction({true, 0, 500, 0}), 0.0);
  EXPECT_FALSE(scaled_value({true, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(running_fraction({true, 0, 0, 0}), 0.0);
  EXPECT_FALSE(scaled_value({false, 5, 5, 5}));  // never opened
  EXPECT_DOUBLE_EQ(running_fraction({false, 5, 5, 5}), 0.0);
}

TEST(CounterScaling, RunningAboveEnabledIsNotScaledUp) {
  const CounterReading r{true, 10, 100, 101};
  EXPECT_DOUBLE_EQ(*scaled_value(r), 10);
  EXPECT_DOUBLE_EQ(running_fraction(r), 1.0);
}

TEST(CounterScaling, ProductsOfLargeCountsDoNotOverflow) {
  // value × enabled would wrap in 64-bit integers; the scaled value is 2^64.
  const CounterReading r{true, 1ULL << 63, 1ULL << 63, 1ULL << 62};
  EXPECT_DOUBLE_EQ(*scaled_value(r), 18446744073709551616.0);
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const CounterReading extreme{true, max, max, 1};
  EXPECT_GT(*scaled_value(extreme), 3.4e38);
  EXPECT_LT(*scaled_value(extreme), std::numeric_limits<double>::infinity());
}

// ---- the catalogue ------------------------------------------------------------

TEST(CounterCatalogue, EverySetHasEventsAndNamesAreUnique) {
  std::map<std::string_view, int> per_set;
  std::vector<std::string_view> names;
  for (const CounterDefinition& d : counter_catalogue()) {
    ++per_set[d.set];
    EXPECT_EQ(std::count(names.begin(), names.end(), d.name), 0) << d.name;
    names.push_back(d.name);
  }
  for (std::string_view set : counter_set_names()) EXPECT_GT(per_set[set], 0) << set;
}

TEST(CounterCatalogue, EveryPmuModelItNamesIsKnownToLibpfm) {
  if (!have_libpfm()) GTEST_SKIP() << "built without libpfm4";
  const std::vector<std::string> models = libpfm_pmu_models();
  for (const CounterDefinition& d : counter_catalogue()) {
    for (const PmuSpelling& s : d.per_pmu) {
      std::string_view pmus = s.pmus;
      while (!pmus.empty()) {
        const auto comma = pmus.find(',');
        const std::string model(pmus.substr(0, comma));
        pmus = comma == std::string_view::npos ? std::string_view{} : pmus.substr(comma + 1);
#if defined(__x86_64__)
        if (model.starts_with("arm_")) continue;  // an x86-64 libpfm4 has no Arm tables
#endif
        EXPECT_NE(std::find(models.begin(), models.end(), model), models.end()) << d.name << " names " << model;
      }
    }
  }
}

// libpfm4 encodes only for the PMU it detects, so each model is checked in a
// fresh process that forces libpfm4 to it (LIBPFM_FORCE_PMU). Nothing here may
// initialise libpfm4 before the forked statement: the child re-runs this body.
TEST(CounterCatalogueDeathTest, EverySpellingEncodesOnItsPmu) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::vector<std::string> listed;
  for (const CounterDefinition& d : counter_catalogue())
    for (const PmuSpelling& s : d.per_pmu)
      for (std::string_view rest = s.pmus; !rest.empty();) {
        const auto comma = rest.find(',');
        std::string model(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
#if defined(__x86_64__)
        const bool this_arch = !model.starts_with("arm_");
#else
        const bool this_arch = model.starts_with("arm_");
#endif
        if (this_arch && std::find(listed.begin(), listed.end(), model) == listed.end()) listed.push_back(model);
      }
  ASSERT_FALSE(listed.empty());
  for (const std::string& model : listed) {
    EXPECT_EXIT(
        {
          setenv("LIBPFM_FORCE_PMU", model.c_str(), 1);
          const PerfEnvironment env = probe_perf_environment();
          if (!env.libpfm) std::_Exit(0);  // built without libpfm4: nothing to encode with
          if (env.core_pmu != model) {
            std::fprintf(stderr, "libpfm4 did not take %s\n", model.c_str());
            std::_Exit(2);
          }
          const std::vector<std::string> failures = catalogue_encoding_failures();
          for (const std::string& f : failures) std::fprintf(stderr, "%s\n", f.c_str());
          std::_Exit(failures.empty() ? 0 : 1);
        },
        testing::ExitedWithCode(0), "")
        << model;
  }
}

// ---- resolution ----------------------------------------------------------------

TEST(CounterResolution, AutoIsTheOsSetWithoutPmu) {
  const CounterPlan plan = resolve_counters({"auto"}, machine_without_pmu());
  EXPECT_EQ(plan.set, "os");
  EXPECT_EQ(plan.names(), (std::vector<std::string>{"task_clock_ns", "context_switches", "cpu_migrations", "page_faults"}));
  for (const CounterEvent& e : plan.events) EXPECT_TRUE(e.available) << e.name;
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_FALSE(plan.groups[0].rotates);
  EXPECT_EQ(context_value(plan, "counters_unavailable"), "none");
  EXPECT_TRUE(context_value(plan, "counters").starts_with("requested=auto set=os; task_clock_ns=available"));
}

TEST(CounterResolution, AutoIsTheDefaultSetWithPmu) {
  const CounterPlan plan = resolve_counters({"auto"}, skylake());
  EXPECT_EQ(plan.set, "default");
  for (std::string_view name : {"cycles", "instructions", "ref_cycles", "branch_misses", "task_clock_ns", "page_faults"}) {
    const CounterEvent* e = find_event(plan, name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_TRUE(e->available) << name << ": " << e->reason;
  }
}

TEST(CounterResolution, OffOpensNothing) {
  const CounterPlan plan = resolve_counters({"off"}, skylake());
  EXPECT_TRUE(plan.empty());
  EXPECT_TRUE(plan.events.empty());
  EXPECT_EQ(context_value(plan, "counters"), "requested=off set=off");
}

TEST(CounterResolution, UnknownSetOrEventIsAnError) {
  for (const char* bad : {"bogus", "cycles,no_such_event", "", "cycles,,instructions", "MEM_LOAD_L3_HIT_RETIRED:NOT_A_UMASK"})
    EXPECT_THROW(resolve_counters({bad}, machine_without_pmu()), CounterRequestError) << bad;
}

TEST(CounterResolution, HardwareEventWithoutPmuIsUnavailableWithTheReason) {
  const CounterPlan plan = resolve_counters({"default"}, machine_without_pmu());
  const CounterEvent* cycles = find_event(plan, "cycles");
  ASSERT_NE(cycles, nullptr);
  EXPECT_FALSE(cycles->available);
  EXPECT_NE(cycles->reason.find("no hardware PMU"), std::string::npos) << cycles->reason;
  EXPECT_TRUE(find_event(plan, "task_clock_ns")->available);  // the OS set comes with every set
  EXPECT_NE(context_value(plan, "counters_unavailable").find("cycles: no hardware PMU"), std::string::npos);
  EXPECT_NE(context_value(plan, "counters").find("cycles=unavailable: no hardware PMU"), std::string::npos);
  ASSERT_EQ(plan.groups.size(), 1u);  // only the software group opens
}

TEST(CounterResolution, CoherenceEventsNeedAPmuThatNamesThem) {
  const CounterPlan none = resolve_counters({"coherence"}, machine_without_pmu());
  EXPECT_NE(find_event(none, "xcore_fills")->reason.find("no hardware PMU"), std::string::npos);

  PerfEnvironment zen1 = skylake();
  zen1.core_pmu = "amd64_fam17h_zen1";
  const CounterPlan unnamed = resolve_counters({"coherence"}, zen1);
  EXPECT_FALSE(find_event(unnamed, "xcore_fills")->available);
  EXPECT_NE(find_event(unnamed, "xcore_fills")->reason.find("unknown to this PMU"), std::string::npos);
}

TEST(CounterResolution, AValidEventOfAnotherPmuIsUnavailableNotAnError) {
  if (!have_libpfm()) GTEST_SKIP() << "built without libpfm4";
  const CounterPlan plan = resolve_counters({"MEM_LOAD_L3_HIT_RETIRED:XSNP_HITM"}, machine_without_pmu());
  const CounterEvent* e = find_event(plan, "mem_load_l3_hit_retired_xsnp_hitm");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->available);
  EXPECT_NE(e->reason.find("no hardware PMU"), std::string::npos) << e->reason;
}

TEST(CounterResolution, AcceptsPerfSpellingsAndAliases) {
  const CounterPlan plan =
      resolve_counters({"task-clock,CS,L1-dcache-load-misses,perf::LLC-LOAD-MISSES,cache"}, machine_without_pmu());
  EXPECT_EQ(plan.set, "custom");
  EXPECT_EQ(plan.names(),
            (std::vector<std::string>{"task_clock_ns", "context_switches", "l1d_load_misses", "llc_load_misses",
                                      "cache_references", "cache_misses", "cpu_migrations", "page_faults"}));
}

TEST(CounterResolution, LibpfmEncodesGenericEventsThroughThePerfPmu) {
  if (!have_libpfm()) GTEST_SKIP() << "built without libpfm4";
  const CounterPlan kernel = resolve_counters({"cycles,instructions", true}, skylake());
  const CounterEvent* cycles = find_event(kernel, "cycles");
  const CounterEvent* instructions = find_event(kernel, "instructions");
  ASSERT_TRUE(cycles && instructions);
  EXPECT_TRUE(cycles->available) << cycles->reason;
  EXPECT_EQ(cycles->encoding, "perf::CYCLES");
  EXPECT_EQ(cycles->attr.type, static_cast<std::uint32_t>(PERF_TYPE_HARDWARE));
  EXPECT_EQ(cycles->attr.config, static_cast<std::uint64_t>(PERF_COUNT_HW_CPU_CYCLES));
  EXPECT_EQ(cycles->attr.size, sizeof(perf_event_attr));
  EXPECT_EQ(cycles->attr.exclude_kernel, 0u);
  EXPECT_EQ(instructions->attr.config, static_cast<std::uint64_t>(PERF_COUNT_HW_INSTRUCTIONS));
  const CounterPlan user = resolve_counters({"cycles", false}, skylake());
  EXPECT_EQ(find_event(user, "cycles")->attr.exclude_kernel, 1u);
  EXPECT_EQ(context_value(user, "counters_kernel"), "off");
}

TEST(CounterResolution, ParanoidLevelIsTheReasonWhenKernelCountingIsForbidden) {
  PerfEnvironment env = skylake();
  env.paranoid = 2;
  env.try_open = [](const perf_event_attr& a) { return a.exclude_kernel ? 0 : EACCES; };
  const CounterPlan plan = resolve_counters({"default"}, env);
  const CounterEvent* cycles = find_event(plan, "cycles");
  EXPECT_FALSE(cycles->available);
  EXPECT_NE(cycles->reason.find("perf_event_paranoid=2"), std::string::npos) << cycles->reason;
  EXPECT_NE(cycles->reason.find("--synclab_counters_kernel=off"), std::string::npos) << cycles->reason;
  // Task clock and page faults count the same in user mode; switches and
  // migrations happen in the kernel and would read 0 there.
  EXPECT_TRUE(find_event(plan, "task_clock_ns")->available);
  EXPECT_FALSE(find_event(plan, "task_clock_ns")->note.empty());
  EXPECT_TRUE(find_event(plan, "page_faults")->available);
  EXPECT_FALSE(find_event(plan, "context_switches")->available);
  EXPECT_NE(find_event(plan, "context_switches")->reason.find("perf_event_paranoid=2"), std::string::npos);
}

TEST(CounterResolution, HardwareGroupsFitThePmuLeavingOneForTheWatchdog) {
  const CounterPlan plan = resolve_counters({"default,cache"}, skylake());  // 8 hardware events, width 3
  EXPECT_EQ(plan.group_width, 3);
  ASSERT_EQ(plan.groups.size(), 4u);  // software + 3 + 3 + 2
  EXPECT_FALSE(plan.groups[0].rotates);
  EXPECT_EQ(plan.groups[1].events.size(), 3u);
  EXPECT_EQ(plan.groups[2].events.size(), 3u);
  EXPECT_EQ(plan.groups[3].events.size(), 2u);
  EXPECT_EQ(plan.hardware_groups(), 3u);
  EXPECT_NE(context_value(plan, "counter_rotation").find("multiplexed"), std::string::npos);

  PerfEnvironment unsure = skylake();
  unsure.generic_counters = 0;
  unsure.nmi_watchdog.reset();
  EXPECT_EQ(resolve_counters({"default"}, unsure).group_width, 3);
  PerfEnvironment no_watchdog = skylake();
  no_watchdog.nmi_watchdog = false;
  EXPECT_EQ(resolve_counters({"default"}, no_watchdog).group_width, 4);
}

TEST(CounterResolution, RotationOpensOneHardwareGroupPerRepetition) {
  const CounterPlan all = resolve_counters({"default,cache", true, false}, skylake());
  EXPECT_EQ(all.groups_for_repetition(5), (std::vector<std::size_t>{0, 1, 2, 3}));
  const CounterPlan rotating = resolve_counters({"default,cache", true, true}, skylake());
  EXPECT_EQ(rotating.groups_for_repetition(0), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(rotating.groups_for_repetition(1), (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(rotating.groups_for_repetition(2), (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(rotating.groups_for_repetition(3), (std::vector<std::size_t>{0, 1}));
  EXPECT_TRUE(context_value(rotating, "counter_rotation").starts_with("on: 3 hardware groups"));
}

// ---- metrics --------------------------------------------------------------------

RunResult two_workers() {
  RunResult r;
  r.elapsed_s = 1;
  r.workers.resize(2);
  r.workers[0].ops = 100;
  r.workers[1].ops = 300;
  r.counter_names = {"cycles", "task_clock_ns"};
  r.workers[0].counters = {{true, 1000, 100, 50}, {true, 400, 10, 10}};
  r.workers[1].counters = {{true, 2000, 100, 100}, {true, 400, 10, 10}};
  return r;
}

TEST(CounterMetrics, PerOperationValuesAreScaledSumsOverWorkers) {
  const auto m = as_map(summarize(two_workers()));
  EXPECT_DOUBLE_EQ(m.at("cycles_per_op"), (2000.0 + 2000.0) / 400);
  EXPECT_DOUBLE_EQ(m.at("task_clock_ns_per_op"), 800.0 / 400);
  EXPECT_DOUBLE_EQ(m.at("counter_scaling_min"), 0.5);
}

TEST(CounterMetrics, AnEventUnknownForOneWorkerIsLeftOut) {
  RunResult r = two_workers();
  r.workers[1].counters[0] = {true, 5, 100, 0};  // its group never ran
  const auto m = as_map(summarize(r));
  EXPECT_EQ(m.count("cycles_per_op"), 0u);
  EXPECT_EQ(m.count("task_clock_ns_per_op"), 1u);
  EXPECT_DOUBLE_EQ(m.at("counter_scaling_min"), 0.0);
  r.workers[1].counters[0] = {};  // not opened at all (rotated out, or unavailable)
  const auto m2 = as_map(summarize(r));
  EXPECT_EQ(m2.count("cycles_per_op"), 0u);
  EXPECT_DOUBLE_EQ(m2.at("counter_scaling_min"), 0.5);
}

TEST(CounterMetrics, GroupsAWorkerCouldNotOpenAreCounted) {
  RunResult r = two_workers();
  EXPECT_EQ(as_map(summarize(r)).count("counter_groups_failed"), 0u);
  r.workers[1].counter_groups_failed = 1;
  r.workers[1].counters[0] = {};
  const auto m = as_map(summarize(r));
  EXPECT_DOUBLE_EQ(m.at("counter_groups_failed"), 1);
  EXPECT_EQ(m.count("cycles_per_op"), 0u);
}

TEST(CounterMetrics, NoCounterFieldsWithoutCounters) {
  RunResult r = two_workers();
  r.counter_names.clear();
  for (WorkerResult& w : r.workers) w.counters.clear();
  const auto m = as_map(summarize(r));
  EXPECT_EQ(m.count("counter_scaling_min"), 0u);
  EXPECT_EQ(m.count("cycles_per_op"), 0u);
}

// ---- on this machine ----------------------------------------------------------------

struct SleepEachOperation {
  void operation(WorkerContext&) { std::this_thread::sleep_for(std::chrono::microseconds(200)); }
  void think(WorkerContext&) {}
};

struct YieldEachOperation {
  void operation(WorkerContext&) { std::this_thread::yield(); }
  void think(WorkerContext&) {}
};

DriverConfig unpinned(int threads, const CounterPlan& plan) {
  DriverConfig cfg;
  cfg.case_name = "test/counters";
  for (int i = 0; i < threads; ++i) cfg.plan.pu_of_thread.push_back(0);
  cfg.duration = std::chrono::milliseconds(40);
  cfg.counters = &plan;
  return cfg;
}

const CounterPlan& os_plan_here() {
  static const CounterPlan plan = resolve_counters({"os"}, probe_perf_environment());
  return plan;
}

TEST(CountersOnThisMachine, ASleepingOperationContextSwitches) {
  const CounterPlan& plan = os_plan_here();
  const CounterEvent* cs = find_event(plan, "context_switches");
  if (!cs->available) GTEST_SKIP() << "context_switches: " << cs->reason;
  SleepEachOperation w;
  const RunResult run = run_fixed_duration(unpinned(1, plan), w);
  const auto m = as_map(summarize(run));
  ASSERT_EQ(m.count("context_switches_per_op"), 1u);
  EXPECT_GT(m.at("context_switches_per_op"), 0.5);  // one sleep, one switch
  EXPECT_GT(m.at("task_clock_ns_per_op"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("counter_scaling_min"), 1.0);  // software events never multiplex
  EXPECT_GT(m.at("ctx_switches_per_op"), 0.5);          // getrusage agrees
}

TEST(CountersOnThisMachine, UnpinnedYieldingThreadsReportMigrations) {
  const CounterPlan& plan = os_plan_here();
  const CounterEvent* migrations = find_event(plan, "cpu_migrations");
  if (!migrations->available) GTEST_SKIP() << "cpu_migrations: " << migrations->reason;
  YieldEachOperation w;
  const int threads = 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const RunResult run = run_fixed_duration(unpinned(threads, plan), w);
  const auto m = as_map(summarize(run));
  ASSERT_EQ(m.count("cpu_migrations_per_op"), 1u);  // migrations are not guaranteed, the count is
  EXPECT_GE(m.at("cpu_migrations_per_op"), 0.0);
}

struct StdMutex {
  static constexpr std::string_view name = "std_mutex";
  void lock() { m.lock(); }
  void unlock() { m.unlock(); }
  std::mutex m;
};

TEST(CountersOnThisMachine, TheDefaultSetRunsWithOrWithoutAPmu) {
  const PerfEnvironment env = probe_perf_environment();
  const CounterPlan plan = resolve_counters({"default"}, env);
  auto w = std::make_unique<LockWorkload<StdMutex>>(*find_contention_level("high"), DelayCalibration{100},
                                                    2);
  const RunResult run = run_fixed_duration(unpinned(2, plan), *w);
  const auto m = as_map(summarize(run));
  EXPECT_GT(m.at("ops_per_sec"), 0.0);
  EXPECT_EQ(w->verify(run), "");
  if (!find_event(plan, "cycles")->available) EXPECT_EQ(m.count("cycles_per_op"), 0u);
  else EXPECT_EQ(m.count("cycles_per_op"), 1u);
}

TEST(CountersOnThisMachine, ARotatedOutGroupIsNotOpened) {
  const CounterPlan& os = os_plan_here();
  for (const CounterEvent& e : os.events)
    if (!e.available) GTEST_SKIP() << e.name << ": " << e.reason;
  // The four software events as two rotating groups, as hardware groups would be.
  CounterPlan plan = os;
  plan.rotation = true;
  plan.groups = {{{0, 1}, true}, {{2, 3}, true}};
  for (std::uint64_t repetition : {0u, 1u}) {
    ThreadCounters counters(plan, repetition);
    EXPECT_EQ(counters.failed_groups(), 0);
    counters.enable();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    counters.disable();
    const std::vector<CounterReading> r = counters.read();
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].counted, repetition == 0);
    EXPECT_EQ(r[1].counted, repetition == 0);
    EXPECT_EQ(r[2].counted, repetition == 1);
    EXPECT_EQ(r[3].counted, repetition == 1);
    if (repetition == 0) {
      EXPECT_GT(r[0].value, 0u);  // task clock ran
    }
  }
}

}  // namespace
}  // namespace synclab::harness
