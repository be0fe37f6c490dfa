// metrics.hpp — a finished run turned into the numbers of the results
// contract (docs/metrics.md defines each one), and the one toolkit every
// workload builds its own numbers with. Pure: no clock, no I/O.
//
// One rule for what was not measured: a rate or ratio whose denominator is
// zero, a percentile of an empty histogram, a count nobody kept, is ABSENT
// from the results, never written as 0. Every helper below returns
// std::optional or adds nothing, so a workload cannot publish a fake zero by
// accident; a zero that was measured (no futex call in a window where calls
// were counted) is published as 0.
#pragma once

#include <optional>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "synclab/harness/driver.hpp"
#include "synclab/harness/histogram.hpp"

namespace synclab::harness {

// Name/value pairs in a stable order.
using Metrics = std::vector<std::pair<std::string, double>>;

// value / count; absent when nothing was counted.
[[nodiscard]] std::optional<double> per(double value, double count);
// count / seconds; absent for an empty window.
[[nodiscard]] std::optional<double> per_second(double count, double seconds);

// Appends `name` when `value` was measured.
void put(Metrics& m, std::string name, std::optional<double> value);

// <stem>_p50_ns, _p99_ns, _p999_ns, _max_ns and _samples of `h`; nothing when
// it recorded nothing.
void put_latency(Metrics& m, const std::string& stem, const LatencyHistogram& h);

// Sums over the workers of a run.
struct RunTotals {
  double ops = 0;
  double handoffs = 0;
  double cpu_ns = 0;
  double ctx_switches = 0;
  // Absent when the run's futex calls were not counted: no tracepoint, and a
  // primitive that may sleep outside the counted wait layer (futex_source.hpp).
  std::optional<double> futex_waits;
  std::optional<double> futex_wakes;
};
[[nodiscard]] RunTotals run_totals(const RunResult& run);
// The same sums over the workers [first, last).
[[nodiscard]] RunTotals run_totals(const RunResult& run, std::size_t first, std::size_t last);

// What a family's own unit of work cost (a message, a round trip): with unit
// "msg" and rate name "messages_per_sec", appends messages_per_sec,
// ns_per_msg, cpu_ns_per_msg, futex_waits_per_msg and futex_wakes_per_msg
// over the workers [first, last) (all by default), each where measured.
void put_unit_costs(Metrics& m, std::string_view rate_name, std::string_view unit, double units, const RunResult& run,
                    std::size_t first = 0, std::size_t last = static_cast<std::size_t>(-1));

// The driver's numbers of every case: rates, Jain and shares over the
// window, CPU and context switches per operation, futex calls per operation
// where they were counted (run.futex_source: the tracepoint, or the wait layer
// for a primitive whose every call it sees; a primitive of ours that never
// sleeps measures 0 there), `futex_trace_failed` when a worker could not trace
// although the tracepoint is available, latency percentiles where latency was
// sampled, `<event>_per_op` for each perf event whose value is known for every worker,
// `counter_scaling_min` whenever any event was counted, and
// `counter_groups_failed` when a worker could not open a group the probe opened.
Metrics summarize(const RunResult& run);

// The physical-limit reading of a contended lock case: `oneway_ns`, the
// one-way cache-line transfer latency measured between the PUs the case used
// (limits.hpp, reference_oneway), and `handoff_efficiency` = handoffs per
// second × that latency in seconds: the fraction of one-transfer-per-handoff
// the lock reached (≤ about 1; docs/metrics.md says what bounds it lower).
Metrics handoff_metrics(const RunResult& run, double oneway_ns);

}  // namespace synclab::harness
