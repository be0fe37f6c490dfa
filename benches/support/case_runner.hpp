// case_runner.hpp — the glue between Google Benchmark and the harness.
//
// Google Benchmark stays the outer framework (registration, filters,
// repetitions, aggregates, JSON output); inside each case the harness starts
// its own pinned threads and runs one fixed-duration window. Each repetition
// is one iteration whose manual time is the wall time per operation of the
// whole thread group, so `real_time` reads as ns/op for tools that only look
// at time; every other metric is a user counter named by the results contract.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/suite_options.hpp"

namespace synclab::bench {

struct CaseSetup {
  harness::CasePlan plan;
  harness::DriverConfig driver;
  harness::DelayCalibration calibration;
};

// Decides which cases exist in this process (the name filter) and remembers
// their contract names for listing.
struct CaseRegistry {
  std::function<bool(const std::string&)> accept = [](const std::string&) { return true; };
  std::vector<std::string> names;

  // True if the case was accepted; the caller then registers it.
  bool add(const std::string& name) {
    if (!accept(name)) return false;
    names.push_back(name);
    return true;
  }
};

inline void publish(benchmark::State& state, const harness::Metrics& metrics, const harness::PinPlan& pins) {
  for (const auto& [name, value] : metrics) state.counters[name] = benchmark::Counter(value);
  state.SetLabel(pins.describe());
}

// How many windows of this case have run so far in this process: the
// repetition index that picks the hardware counter group under rotation
// (Google Benchmark 1.7 does not hand it to the case).
inline std::uint64_t next_repetition(const std::string& case_name) {
  static std::mutex mutex;
  static std::map<std::string, std::uint64_t> windows;
  const std::lock_guard lock(mutex);
  return windows[case_name]++;
}

// Runs `make_workload()`'s workload once per iteration and publishes the last
// window. `check(workload, run)` may return an error that fails the case.
template <class MakeWorkload, class Check>
void run_case(benchmark::State& state, const CaseSetup& setup, MakeWorkload make_workload, Check check) {
  harness::RunResult last;
  for (auto _ : state) {
    auto workload = make_workload();
    harness::DriverConfig driver = setup.driver;
    driver.repetition = next_repetition(driver.case_name);
    last = harness::run_fixed_duration(driver, *workload);
    const std::uint64_t ops = last.total_ops();
    if (std::string err = last.first_error(); !err.empty()) {
      state.SkipWithError(err.c_str());
      return;
    }
    if (ops == 0) {
      state.SkipWithError("no operation completed in the window");
      return;
    }
    if (std::string err = check(*workload, last); !err.empty()) {
      state.SkipWithError(err.c_str());
      return;
    }
    state.SetIterationTime(last.elapsed_s / static_cast<double>(ops));
  }
  publish(state, harness::summarize(last), setup.plan.pins);
}

// Registers the case `setup` names: one fixed-duration window of a fresh
// `make()` workload per repetition (run_case). `check(workload, run, extra)`
// returns an error that fails the case, and may fill `extra` with metrics
// published beside the driver's.
template <class MakeWorkload, class CheckAndMeasure>
void register_window_case(const CaseSetup& setup, MakeWorkload make, CheckAndMeasure check) {
  benchmark::RegisterBenchmark(setup.driver.case_name.c_str(),
                               [setup, make, check](benchmark::State& state) {
                                 harness::Metrics extra;
                                 run_case(state, setup, make, [&](auto& w, const harness::RunResult& run) -> std::string {
                                   return check(w, run, extra);
                                 });
                                 for (const auto& [name, value] : extra) state.counters[name] = benchmark::Counter(value);
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

}  // namespace synclab::bench
