// synclab_bench — the benchmark binary: every family's cases, planned from
// the --synclab_* flags, run by Google Benchmark, written as its JSON.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <regex>
#include <string_view>
#include <thread>

#include "describe.hpp"
#include "families.hpp"
#include "support/contract_reporters.hpp"
#include "synclab/harness/domain_map.hpp"
#include "synclab/harness/futex_trace.hpp"
#include "synclab/harness/context.hpp"
#include "synclab/harness/delay.hpp"
#include "synclab/harness/perf_counters.hpp"
#include "synclab/harness/suite_options.hpp"
#include "synclab/harness/topology.hpp"
#include "synclab/padding/padded.hpp"

namespace {

using namespace synclab;

// What every case's driver shares: sampling, counters, watchdog, window.
harness::DriverConfig make_driver(const harness::SuiteOptions& options, const harness::HwlocTopology& hw,
                                  const harness::CounterPlan& counters) {
  harness::DriverConfig driver;
  driver.pinner = &hw;
  driver.duration = options.duration;
  driver.sample_latency = options.sample_latency;
  driver.sample_every = options.sample_every;
  driver.watchdog_grace = options.watchdog_grace;
  driver.counters = counters.empty() ? nullptr : &counters;
  return driver;
}

bench::CaseSetup make_setup(const harness::CasePlan& plan, harness::DriverConfig driver,
                            const harness::DelayCalibration& calibration) {
  driver.plan = plan.pins;
  return {plan, std::move(driver), calibration};
}

// Google Benchmark flags that the binary must see before Google Benchmark
// does: filtering and listing work on contract names (see contract_reporters.hpp).
struct OutputFlags {
  std::string filter;  // empty: every case
  bool list = false;
  std::string format = "console";
  bool tabular = false;
  bool file_output = false;
};

OutputFlags take_output_flags(int& argc, char** argv) {
  OutputFlags f;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string_view flag) { return std::string(a.substr(flag.size())); };
    if (a.starts_with("--benchmark_filter=")) {
      f.filter = value("--benchmark_filter=");
      continue;  // consumed: Google Benchmark would match the suffixed names
    }
    if (a == "--benchmark_list_tests" || a == "--benchmark_list_tests=true") {
      f.list = true;
      continue;
    }
    if (a.starts_with("--benchmark_format=")) f.format = value("--benchmark_format=");
    if (a == "--benchmark_counters_tabular=true") f.tabular = true;
    if (a.starts_with("--benchmark_out=")) f.file_output = true;
    argv[kept++] = argv[i];
  }
  argc = kept;
  argv[argc] = nullptr;
  return f;
}

// Google Benchmark's filter semantics: a regex searched in the name, or a
// leading '-' for "every case that does not match".
std::function<bool(const std::string&)> name_filter(const std::string& spec) {
  if (spec.empty() || spec == "all" || spec == ".") return [](const std::string&) { return true; };
  const bool negate = spec.front() == '-';
  try {
    auto re = std::make_shared<std::regex>(negate ? spec.substr(1) : spec, std::regex::extended);
    return [re, negate](const std::string& name) { return std::regex_search(name, *re) != negate; };
  } catch (const std::regex_error&) {
    throw harness::UsageError("--benchmark_filter=" + spec + " is not a valid regular expression");
  }
}

std::unique_ptr<benchmark::BenchmarkReporter> make_display_reporter(const OutputFlags& f) {
  if (f.format == "json") return std::make_unique<bench::JsonReporter>();
  if (f.format != "console") throw harness::UsageError("--benchmark_format=" + f.format + ": use console or json");
  int opts = f.tabular ? benchmark::ConsoleReporter::OO_Tabular : benchmark::ConsoleReporter::OO_None;
  if (isatty(STDOUT_FILENO)) opts |= benchmark::ConsoleReporter::OO_Color;
  return std::make_unique<bench::ConsoleReporter>(static_cast<benchmark::ConsoleReporter::OutputOptions>(opts));
}

void record_context(const harness::SuiteOptions& options, const harness::HwlocTopology& hw,
                    const harness::DelayCalibration& calibration, const harness::CounterPlan& counters) {
  for (const auto& [key, value] : harness::machine_context(hw.topology())) benchmark::AddCustomContext(key, value);
  for (const auto& [key, value] : harness::counter_context(counters)) benchmark::AddCustomContext(key, value);
  benchmark::AddCustomContext("placement", options.placement.text);
  benchmark::AddCustomContext("delay_iters_per_us", std::to_string(calibration.iters_per_us));
  benchmark::AddCustomContext("latency_sampling", options.sample_latency
                                                      ? "on, 1 in " + std::to_string(options.sample_every) + " operations"
                                                      : "off");
  benchmark::AddCustomContext("window_ms", std::to_string(options.duration.count()));
  // The distance that separates contended words in every workload (the lock
  // from its data, per-thread slots): part of what makes two runs comparable.
  benchmark::AddCustomContext("harness_padding_bytes", std::to_string(padding::kDefaultPadding));
  if (options.custom) {
    const harness::ContentionLevel l = options.custom->level();
    benchmark::AddCustomContext("custom_level", std::string(l.name));
  }
}

bool asks_for_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

// synclab's own flags, then Google Benchmark's (which this binary passes on).
void print_help() {
  std::puts("usage: synclab_bench [--synclab_FLAG[=VALUE]...] [--benchmark_FLAG=VALUE...]\n\nsynclab flags:");
  std::string families;
  for (const bench::Family& family : bench::all_families()) families += (families.empty() ? "" : ",") + std::string(family.name);
  std::printf("  --synclab_families=NAME[,NAME...]\n      families to register (%s; default all)\n", families.c_str());
  for (const harness::SuiteFlag& flag : harness::suite_flags()) {
    const std::string value = flag.value.empty() ? "" : "=" + std::string(flag.value);
    std::printf("  --synclab_%.*s%s\n      %.*s\n", static_cast<int>(flag.name.size()), flag.name.data(), value.c_str(),
                static_cast<int>(flag.help.size()), flag.help.data());
  }
  std::puts("\nGoogle Benchmark flags (--benchmark_filter matches synclab's case names):");
  benchmark::PrintDefaultHelp();
}

// Registers the futex tracepoints (the probe keeps its events open), says so on
// stdout, and holds them until stdin reaches its end: run_suite keeps one such
// process beside a run's cases, so their own events are never the last ones.
int hold_futex_tracepoints() {
  const harness::FutexTracepoint& tracepoint = harness::process_futex_tracepoint();
  std::printf("%s\n", tracepoint.describe().c_str());
  std::fflush(stdout);
  if (!tracepoint.available) return 0;
  char buffer[256];
  while (std::fread(buffer, 1, sizeof buffer, stdin) > 0) {
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (asks_for_help(argc, argv)) {
    print_help();
    return 0;
  }
  // glibc takes single-thread fast paths (no lock prefix in its mutexes and
  // reference counts) until a second thread has existed; every measurement
  // here must see the multi-threaded process a real program is.
  std::thread([] {}).join();
  bench::CaseRegistry registry;
  OutputFlags output;
  std::unique_ptr<benchmark::BenchmarkReporter> display;
  std::unique_ptr<benchmark::BenchmarkReporter> file;
  try {
    const bench::FamilySelection families = bench::take_families_flag(argc, argv);
    const harness::SuiteOptions options = harness::parse_suite_options(argc, argv);
    if (options.list_counters) {
      std::fputs(harness::counter_listing(harness::probe_perf_environment(), options.counters_kernel).c_str(), stdout);
      return 0;
    }
    if (options.hold_futex_tracepoints) return hold_futex_tracepoints();
    // Resolved once, before any case: the probe opens each event on this
    // thread, and every worker of every case opens the same plan.
    static const harness::CounterPlan counters = harness::resolve_counters(
        {options.counters, options.counters_kernel, options.counter_rotation}, harness::probe_perf_environment());
    output = take_output_flags(argc, argv);
    registry.accept = name_filter(output.filter);
    registry.accept = bench::restrict_to_families(families, std::move(registry.accept));
    display = make_display_reporter(output);
    if (output.file_output) file = std::make_unique<bench::JsonReporter>();  // --benchmark_out_format: json only
    static const harness::HwlocTopology hw = harness::HwlocTopology::load_this_machine();
    if (options.describe) {
      std::fputs(bench::describe_json(hw.topology(), options).c_str(), stdout);
      return 0;
    }
    bench::check_levels(families, options);
    benchmark::AddCustomContext("cohort_domains", harness::install_cohort_domains(hw.topology()));
    const harness::DelayCalibration calibration =
        options.delay_iters_per_us ? harness::DelayCalibration{*options.delay_iters_per_us} : harness::calibrate_delay();
    if (options.print_calibration) {
      std::printf("{\"delay_iters_per_us\": %.6f}\n", calibration.iters_per_us);
      return 0;
    }
    bench::FamilyContext context{registry, hw, options, {}, make_driver(options, hw, counters), calibration};
    for (const harness::CasePlan& plan : harness::plan_cases(hw.topology(), options))
      context.setups.push_back(make_setup(plan, context.base, calibration));
    for (const bench::Family& family : bench::all_families())
      if (families.selected(family.name)) family.register_cases(context);
    record_context(options, hw, calibration, counters);
  } catch (const std::exception& e) {  // UsageError, PlacementError, TopologyError, CounterRequestError
    std::fprintf(stderr, "synclab_bench: error: %s\n", e.what());
    return 2;
  }
  if (output.list) {
    for (const std::string& name : registry.names) std::printf("%s\n", name.c_str());
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (registry.names.empty()) {
    std::fprintf(stderr, "synclab_bench: error: --benchmark_filter=%s matches no case\n", output.filter.c_str());
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks(display.get(), file.get());
  benchmark::Shutdown();
  return 0;
}
