#include "synclab/harness/metrics.hpp"

#include <algorithm>

#include "synclab/harness/stats.hpp"

namespace synclab::harness {

std::optional<double> per(double value, double count) {
  if (!(count > 0)) return std::nullopt;
  return value / count;
}

std::optional<double> per_second(double count, double seconds) { return per(count, seconds); }

void put(Metrics& m, std::string name, std::optional<double> value) {
  if (value) m.emplace_back(std::move(name), *value);
}

void put_latency(Metrics& m, const std::string& stem, const LatencyHistogram& h) {
  if (h.count() == 0) return;
  m.insert(m.end(), {{stem + "_p50_ns", static_cast<double>(h.quantile(0.50))},
                     {stem + "_p99_ns", static_cast<double>(h.quantile(0.99))},
                     {stem + "_p999_ns", static_cast<double>(h.quantile(0.999))},
                     {stem + "_max_ns", static_cast<double>(h.max())},
                     {stem + "_samples", static_cast<double>(h.count())}});
}

RunTotals run_totals(const RunResult& run, std::size_t first, std::size_t last) {
  RunTotals t;
  double waits = 0, wakes = 0;
  for (std::size_t i = first; i < std::min(last, run.workers.size()); ++i) {
    const WorkerResult& w = run.workers[i];
    t.ops += static_cast<double>(w.ops);
    t.handoffs += static_cast<double>(w.handoffs);
    t.cpu_ns += static_cast<double>(w.os.cpu_ns);
    t.ctx_switches += static_cast<double>(w.os.voluntary_switches + w.os.involuntary_switches);
    waits += static_cast<double>(w.futex_waits);
    wakes += static_cast<double>(w.futex_wakes);
  }
  // Futex calls only from a source that saw them all (futex_source.hpp).
  if (run.futex_measured()) {
    t.futex_waits = waits;
    t.futex_wakes = wakes;
  }
  return t;
}

RunTotals run_totals(const RunResult& run) { return run_totals(run, 0, run.workers.size()); }

void put_unit_costs(Metrics& m, std::string_view rate_name, std::string_view unit, double units, const RunResult& run,
                    std::size_t first, std::size_t last) {
  const RunTotals t = run_totals(run, first, last);
  const std::string per_unit = "_per_" + std::string(unit);
  put(m, std::string(rate_name), per_second(units, run.elapsed_s));
  put(m, "ns" + per_unit, per(run.elapsed_s * 1e9, units));
  put(m, "cpu_ns" + per_unit, per(t.cpu_ns, units));
  if (t.futex_waits) put(m, "futex_waits" + per_unit, per(*t.futex_waits, units));
  if (t.futex_wakes) put(m, "futex_wakes" + per_unit, per(*t.futex_wakes, units));
}

namespace {

// perf events: each worker's count scaled for multiplexing, summed, per
// operation. An event whose value is unknown for any worker (not opened, or
// its group never reached the PMU) is left out rather than guessed.
void put_counters(Metrics& m, const RunResult& run, double ops) {
  bool any_counted = false;
  double scaling_min = 1.0;
  for (std::size_t i = 0; i < run.counter_names.size(); ++i) {
    double sum = 0;
    bool known = !run.workers.empty();
    for (const WorkerResult& w : run.workers) {
      const CounterReading r = i < w.counters.size() ? w.counters[i] : CounterReading{};
      if (r.counted) {
        any_counted = true;
        scaling_min = std::min(scaling_min, running_fraction(r));
      }
      if (const auto v = scaled_value(r)) sum += *v;
      else known = false;
    }
    if (known) put(m, run.counter_names[i] + "_per_op", per(sum, ops));
  }
  if (any_counted) m.emplace_back("counter_scaling_min", scaling_min);
  double groups_failed = 0;
  for (const WorkerResult& w : run.workers) groups_failed += w.counter_groups_failed;
  if (groups_failed > 0) m.emplace_back("counter_groups_failed", groups_failed);
}

}  // namespace

Metrics summarize(const RunResult& run) {
  std::vector<std::uint64_t> per_thread;
  LatencyHistogram latency;
  double pin_violations = 0;
  for (const WorkerResult& w : run.workers) {
    per_thread.push_back(w.ops);
    latency.merge(w.latency);
    pin_violations += static_cast<double>(w.pin_violations);
  }
  const RunTotals t = run_totals(run);
  const Shares shares = fair_shares(per_thread);
  Metrics m;
  put(m, "ops_per_sec", per_second(t.ops, run.elapsed_s));
  put(m, "ns_per_op", per(run.elapsed_s * 1e9, t.ops));
  put(m, "fairness_jain", jain_index(per_thread));
  put(m, "share_min", shares.min);
  put(m, "share_max", shares.max);
  if (run.handoffs_counted) put(m, "handoffs_per_sec", per_second(t.handoffs, run.elapsed_s));
  put(m, "cpu_ns_per_op", per(t.cpu_ns, t.ops));
  put(m, "ctx_switches_per_op", per(t.ctx_switches, t.ops));
  if (t.futex_waits) put(m, "futex_waits_per_op", per(*t.futex_waits, t.ops));
  if (t.futex_wakes) put(m, "futex_wakes_per_op", per(*t.futex_wakes, t.ops));
  if (run.futex_trace_failed > 0) m.emplace_back("futex_trace_failed", run.futex_trace_failed);
  m.emplace_back("threads_run", static_cast<double>(run.workers.size()));
  m.emplace_back("pin_violations", pin_violations);
  put_counters(m, run, t.ops);
  put_latency(m, "lat", latency);
  return m;
}

Metrics handoff_metrics(const RunResult& run, double oneway_ns) {
  Metrics m{{"oneway_ns", oneway_ns}};
  if (const auto rate = per_second(run_totals(run).handoffs, run.elapsed_s))
    m.emplace_back("handoff_efficiency", *rate * oneway_ns * 1e-9);
  return m;
}

}  // namespace synclab::harness
