#include "synclab/harness/metrics.hpp"

#include <algorithm>

#include "synclab/harness/stats.hpp"

namespace synclab::harness {

Metrics summarize(const RunResult& run) {
  std::vector<std::uint64_t> per_thread;
  LatencyHistogram latency;
  double handoffs = 0, cpu_ns = 0, switches = 0, waits = 0, wakes = 0, pin_violations = 0;
  for (const WorkerResult& w : run.workers) {
    per_thread.push_back(w.ops);
    latency.merge(w.latency);
    handoffs += static_cast<double>(w.handoffs);
    cpu_ns += static_cast<double>(w.os.cpu_ns);
    switches += static_cast<double>(w.os.voluntary_switches + w.os.involuntary_switches);
    waits += static_cast<double>(w.futex_waits);
    wakes += static_cast<double>(w.futex_wakes);
    pin_violations += static_cast<double>(w.pin_violations);
  }
  const double ops = static_cast<double>(run.total_ops());
  const double per_op = ops > 0 ? 1.0 / ops : 0.0;
  const Shares shares = fair_shares(per_thread);
  Metrics m = {
      {"ops_per_sec", run.elapsed_s > 0 ? ops / run.elapsed_s : 0.0},
      {"ns_per_op", ops > 0 ? run.elapsed_s * 1e9 / ops : 0.0},
      {"fairness_jain", jain_index(per_thread)},
      {"share_min", shares.min},
      {"share_max", shares.max},
      {"handoffs_per_sec", run.elapsed_s > 0 ? handoffs / run.elapsed_s : 0.0},
      {"cpu_ns_per_op", cpu_ns * per_op},
      {"ctx_switches_per_op", switches * per_op},
      {"futex_waits_per_op", waits * per_op},
      {"futex_wakes_per_op", wakes * per_op},
      {"threads_run", static_cast<double>(run.workers.size())},
      {"pin_violations", pin_violations},
  };
  // perf events: each worker's count scaled for multiplexing, summed, per
  // operation. An event whose value is unknown for any worker (not opened,
  // or its group never reached the PMU) is left out rather than guessed.
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
    if (known) m.emplace_back(run.counter_names[i] + "_per_op", sum * per_op);
  }
  if (any_counted) m.emplace_back("counter_scaling_min", scaling_min);
  double groups_failed = 0;
  for (const WorkerResult& w : run.workers) groups_failed += w.counter_groups_failed;
  if (groups_failed > 0) m.emplace_back("counter_groups_failed", groups_failed);
  if (latency.count() > 0) {
    m.insert(m.end(), {{"lat_p50_ns", static_cast<double>(latency.quantile(0.50))},
                       {"lat_p99_ns", static_cast<double>(latency.quantile(0.99))},
                       {"lat_p999_ns", static_cast<double>(latency.quantile(0.999))},
                       {"lat_max_ns", static_cast<double>(latency.max())},
                       {"lat_samples", static_cast<double>(latency.count())}});
  }
  return m;
}

Metrics handoff_metrics(const RunResult& run, double oneway_ns) {
  double handoffs = 0;
  for (const WorkerResult& w : run.workers) handoffs += static_cast<double>(w.handoffs);
  const double per_sec = run.elapsed_s > 0 ? handoffs / run.elapsed_s : 0.0;
  return {{"oneway_ns", oneway_ns}, {"handoff_efficiency", per_sec * oneway_ns * 1e-9}};
}

}  // namespace synclab::harness
