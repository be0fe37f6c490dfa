// suite_options.hpp — the benchmark binary's own flags (--synclab_*) and the
// plan of cases they describe. Pure: parsing and planning are tested without
// running anything; bad input is a UsageError with a one-line message.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "synclab/harness/contention.hpp"
#include "synclab/harness/placement.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::harness {

class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A level of the user's own (--synclab_cs_ns, --synclab_think_ns,
// --synclab_cs_lines), named by its parameters: custom-cs50ns-think0ns-lines2.
struct CustomLevel {
  std::uint64_t cs_ns = 0;
  std::uint64_t think_ns = 0;
  std::uint32_t cs_lines = 1;
  [[nodiscard]] ContentionLevel level() const;  // its name has static storage
};

struct SuiteOptions {
  std::vector<int> threads;               // empty: 1, 2, 4, … and the PU count
  std::vector<std::string> contention;    // empty: every named level, or only the custom one when it is set
  std::optional<CustomLevel> custom;
  // Threads per PU of the `oversub_sweep` level (--synclab_oversubscription).
  std::vector<double> oversubscription = {0.5, 1, 2, 4};
  PlacementSpec placement = {PlacementPolicy::compact, {}, "compact"};
  std::chrono::milliseconds duration{300};
  bool sample_latency = true;
  std::uint32_t sample_every = 64;
  std::optional<double> delay_iters_per_us;  // absent: calibrate at start
  bool print_calibration = false;
  bool test_cases = false;
  std::chrono::milliseconds watchdog_grace{10'000};
  // perf events (docs/counters.md): resolved against the machine at start-up.
  std::string counters = "auto";  // auto | off | default | cache | coherence | os | EV1,EV2,...
  bool counters_kernel = true;    // hardware events count kernel mode too
  bool counter_rotation = false;  // one hardware group per repetition
  bool list_counters = false;     // print every event of every set here, then exit
  // Keep the futex tracepoints registered for other processes until stdin
  // closes: the last close of a tracepoint's events waits for an RCU grace
  // period (tens of ms on a loaded VM), which every case's process would
  // otherwise pay at exit.
  bool hold_futex_tracepoints = false;
  bool describe = false;          // print the run parameters as JSON (describe.hpp), then exit
  // Sweeps along one axis (read shares, capacities, payloads, padding widths
  // and distances, spin counts, permits, node-passing twins): on by default;
  // off keeps each family's key cases (docs/contention.md).
  bool sweeps = true;
  // Lock plugins (synclab/harness/lock_plugin.h) run in every lock scenario
  // (--synclab_plugin=PATH[,PATH...], repeatable).
  std::vector<std::string> plugins;
};

// The levels this run asks for, in the order asked (every named level when
// none is), the custom one last.
std::vector<ContentionLevel> selected_levels(const SuiteOptions& options);

// 1, 2, 4, … below `pus`, and `pus`: the thread counts when none are asked for.
std::vector<int> default_thread_counts(int pus);

// One --synclab_* flag of parse_suite_options, for --help. The table is the
// list of flags: a flag not in it is refused as unknown.
struct SuiteFlag {
  std::string_view name;   // without the --synclab_ prefix
  std::string_view value;  // what follows '=', e.g. "N[,N...]"; "" for a switch
  std::string_view help;   // one line
};
std::span<const SuiteFlag> suite_flags();

// Consumes every --synclab_* argument from argv (compacting it) and leaves the
// rest for Google Benchmark. Throws UsageError.
SuiteOptions parse_suite_options(int& argc, char** argv);

// One scenario at one thread count, pinned.
struct CasePlan {
  ContentionLevel level;
  int threads = 1;
  PinPlan pins;
};

// Every (level, thread count) the options ask for, each pinned by the
// placement policy. Throws UsageError / PlacementError.
// The `oversub_sweep` level plans one case per oversubscription factor f:
// max(1, round(f × PUs)) threads, factors giving the same count planned once.
std::vector<CasePlan> plan_cases(const Topology& topo, const SuiteOptions& options);

// The thread counts of the oversubscription sweep on `pus` PUs, in factor order.
std::vector<int> oversubscription_thread_counts(const std::vector<double>& factors, int pus);

// "family/primitive/scenario/t:N/place:P".
std::string case_name(std::string_view family, std::string_view primitive, const CasePlan& plan,
                      const PlacementSpec& placement);

}  // namespace synclab::harness
