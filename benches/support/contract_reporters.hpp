// contract_reporters.hpp — Google Benchmark reporters that write the results
// contract (docs/results-format.md) rather than Google Benchmark's defaults.
//
// Names: every case runs one timed iteration with manual time, so Google
// Benchmark would append "/iterations:1/manual_time" to each name. Those
// suffixes say nothing about the case and would break matching by name
// across runs and tools, so the reporters drop them before any output is
// written. Filtering and listing happen on the same clean names (see
// synclab_bench.cpp).
//
// Times: `real_time` is the manual time, wall time per operation. Google
// Benchmark's own `cpu_time` would be the CPU time of the thread that runs
// the case over the whole repetition, which is neither per operation nor the
// workers' time; Google Benchmark 1.7 has no API to set it. So the reporters
// replace it with the case's `cpu_ns_per_op` counter (the CPU time of all its
// threads per operation), in iteration and aggregate rows alike, and Google
// Benchmark's compare.py shows ns per op in both columns. A case without
// that counter reports no CPU time: 0 there means "not measured".
#pragma once

#include <benchmark/benchmark.h>

#include <vector>

namespace synclab::bench {

inline constexpr const char* kCpuPerOpCounter = "cpu_ns_per_op";

// The run as the contract writes it.
inline benchmark::BenchmarkReporter::Run contract_run(benchmark::BenchmarkReporter::Run run) {
  run.run_name.iterations.clear();
  run.run_name.time_type.clear();
  const auto cpu = run.counters.find(kCpuPerOpCounter);
  const double value = cpu != run.counters.end() ? cpu->second.value : 0.0;
  if (run.run_type == benchmark::BenchmarkReporter::Run::RT_Aggregate &&
      run.aggregate_unit == benchmark::StatisticUnit::kPercentage) {
    run.cpu_accumulated_time = value;  // written as it is: the counter's coefficient of variation
    return run;
  }
  // GetAdjustedCPUTime divides by the iterations and scales seconds to the
  // time unit; the counter is in ns.
  const double iterations = run.iterations > 0 ? static_cast<double>(run.iterations) : 1.0;
  run.cpu_accumulated_time = value * 1e-9 * iterations;
  return run;
}

template <class Base>
class ContractNames : public Base {
 public:
  using Base::Base;
  void ReportRuns(const std::vector<benchmark::BenchmarkReporter::Run>& runs) override {
    std::vector<benchmark::BenchmarkReporter::Run> clean;
    clean.reserve(runs.size());
    for (const auto& run : runs) clean.push_back(contract_run(run));
    Base::ReportRuns(clean);
  }
};

using ConsoleReporter = ContractNames<benchmark::ConsoleReporter>;
using JsonReporter = ContractNames<benchmark::JSONReporter>;

}  // namespace synclab::bench
