// contract_reporters.hpp — Google Benchmark reporters that print case names
// exactly as the results contract writes them.
//
// Every case runs one timed iteration with manual time, so Google Benchmark
// would append "/iterations:1/manual_time" to each name. Those suffixes say
// nothing about the case and would break matching by name across runs and
// tools, so the reporters drop them before any output is written. Filtering
// and listing happen on the same clean names (see synclab_bench.cpp).
#pragma once

#include <benchmark/benchmark.h>

#include <vector>

namespace synclab::bench {

template <class Base>
class ContractNames : public Base {
 public:
  using Base::Base;
  void ReportRuns(const std::vector<benchmark::BenchmarkReporter::Run>& runs) override {
    std::vector<benchmark::BenchmarkReporter::Run> clean = runs;
    for (auto& run : clean) {
      run.run_name.iterations.clear();
      run.run_name.time_type.clear();
    }
    Base::ReportRuns(clean);
  }
};

using ConsoleReporter = ContractNames<benchmark::ConsoleReporter>;
using JsonReporter = ContractNames<benchmark::JSONReporter>;

}  // namespace synclab::bench
