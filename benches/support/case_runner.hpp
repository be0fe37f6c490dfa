// case_runner.hpp — the one way a case is registered with Google Benchmark.
//
// Google Benchmark stays the outer framework (registration, filters,
// repetitions, aggregates, JSON output); each repetition is one iteration
// whose manual time is the wall time per operation, so `real_time` reads as
// ns/op for tools that only look at time, and every other number is a user
// counter named by the results contract. Every case, whatever its family,
// goes through register_case: a measurement function run once per
// repetition. Cases driven by the fixed-duration driver use
// register_window_case, which builds that measurement from a workload:
//
//   operation(WorkerContext&), think(WorkerContext&)   the driver's Workload
//   verify(const RunResult&) -> std::string            optional: after the
//                                                       window; non-empty fails the case
//   extra_metrics(const RunResult&) -> Metrics          optional: published
//                                                       beside the driver's
//   end_window()                                        optional: WindowEnding
//
// so adding a family is its catalogue, its workload and one registration call.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/os_counters.hpp"
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

// What one repetition of a case measured.
struct Measurement {
  Measurement() = default;
  Measurement(double elapsed, double ops, harness::Metrics numbers = {}, std::string failure = {})
      : elapsed_s(elapsed), operations(ops), metrics(std::move(numbers)), error(std::move(failure)) {}

  double elapsed_s = 0;   // wall time of what `operations` counts
  double operations = 0;  // real_time = elapsed_s / operations
  harness::Metrics metrics;
  std::string error;      // non-empty: the case fails with this message
};

// How many windows of this case have run so far in this process: the
// repetition index that picks the hardware counter group under rotation
// (Google Benchmark 1.7 does not hand it to the case).
inline std::uint64_t next_repetition(const std::string& case_name) {
  static std::mutex mutex;
  static std::map<std::string, std::uint64_t> windows;
  const std::lock_guard lock(mutex);
  return windows[case_name]++;
}

namespace detail {

// A measurement without a CPU time of its own gets the process's CPU time
// over the repetition, per operation: what Google Benchmark's cpu_time
// column reports (contract_reporters.hpp).
inline void add_process_cpu(Measurement& m, std::uint64_t cpu_before_ns) {
  for (const auto& [name, value] : m.metrics)
    if (name == "cpu_ns_per_op") return;
  const double cpu_ns = static_cast<double>(harness::process_cpu_ns() - cpu_before_ns);
  harness::put(m.metrics, "cpu_ns_per_op", harness::per(cpu_ns, m.operations));
}

template <class Measure>
void run_repetitions(benchmark::State& state, const std::string& name, const std::string& label, Measure& measure) {
  Measurement last;
  for (auto _ : state) {
    const std::uint64_t cpu_before = harness::process_cpu_ns();
    try {
      last = measure(next_repetition(name));
    } catch (const std::exception& e) {
      last.error = e.what();
    }
    if (last.error.empty() && !(last.operations > 0)) last.error = "no operation completed in the window";
    if (!last.error.empty()) {
      state.SkipWithError(last.error.c_str());
      return;
    }
    detail::add_process_cpu(last, cpu_before);
    state.SetIterationTime(last.elapsed_s / last.operations);
  }
  for (const auto& [metric, value] : last.metrics) state.counters[metric] = benchmark::Counter(value);
  state.SetLabel(label);
}

}  // namespace detail

// Registers the case `name` (if the registry accepts it): `measure(repetition)`
// returns a Measurement and runs once per repetition; the last repetition's
// metrics are published. An exception fails the case with its message.
template <class Measure>
void register_case(CaseRegistry& registry, const std::string& name, const std::string& label, Measure measure) {
  if (!registry.add(name)) return;
  benchmark::RegisterBenchmark(name.c_str(),
                               [name, label, measure](benchmark::State& state) mutable {
                                 detail::run_repetitions(state, name, label, measure);
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

// One fixed-duration window of a fresh workload: the driver's metrics, then
// the workload's verify() and extra_metrics().
template <class Workload>
Measurement measure_window(harness::DriverConfig driver, Workload& workload) {
  const harness::RunResult run = harness::run_fixed_duration(driver, workload);
  Measurement m{run.elapsed_s, static_cast<double>(run.total_ops()), {}, run.first_error()};
  if (!m.error.empty() || !(m.operations > 0)) return m;
  if constexpr (requires { workload.verify(run); }) m.error = workload.verify(run);
  if (!m.error.empty()) return m;
  m.metrics = harness::summarize(run);
  if constexpr (requires { workload.extra_metrics(run); }) {
    const harness::Metrics extra = workload.extra_metrics(run);
    m.metrics.insert(m.metrics.end(), extra.begin(), extra.end());
  }
  return m;
}

// Registers the driver case `setup` names: one window of a fresh `make()`
// workload per repetition.
template <class MakeWorkload>
void register_window_case(CaseRegistry& registry, const CaseSetup& setup, MakeWorkload make) {
  register_case(registry, setup.driver.case_name, setup.plan.pins.describe(),
                [setup, make](std::uint64_t repetition) {
                  harness::DriverConfig driver = setup.driver;
                  driver.repetition = repetition;
                  auto workload = make();
                  return measure_window(driver, *workload);
                });
}

}  // namespace synclab::bench
