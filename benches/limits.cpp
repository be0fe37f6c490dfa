// limits.cpp — the physical-limits family: cache-line round trips between
// every pair of PUs the placement may use, and the uncontended cost of the
// operations locks are built from. Measured in every run, so contended
// results can be read against the machine they ran on.
#include "limits.hpp"

#include <algorithm>

#include "synclab/harness/limits.hpp"

namespace synclab::bench {
namespace {

// Each pair gets a quarter of the window (at least 10 ms): a full matrix on a
// large machine has many pairs, and round trips converge quickly.
std::chrono::nanoseconds pair_window(const harness::SuiteOptions& options) {
  return std::max<std::chrono::nanoseconds>(options.duration / 4, std::chrono::milliseconds(10));
}

void register_pingpong(CaseRegistry& registry, const harness::HwlocTopology& hw, const harness::SuiteOptions& options,
                       int a, int b) {
  const harness::PinPlan pins{{a, b}, harness::classify(hw.topology(), {a, b}), 2, false};
  const std::string name =
      "limits/c2c/pingpong/t:2/place:cpus:" + std::to_string(a) + "," + std::to_string(b);
  if (!registry.add(name)) return;
  const auto window = pair_window(options);
  benchmark::RegisterBenchmark(name.c_str(),
                               [&hw, pins, window](benchmark::State& state) {
                                 harness::PingPongResult r;
                                 for (auto _ : state) {
                                   r = harness::measure_pingpong(hw, pins.pu_of_thread[0], pins.pu_of_thread[1], window);
                                   state.SetIterationTime(r.roundtrip_ns * 1e-9);
                                 }
                                 state.counters["roundtrip_ns"] = r.roundtrip_ns;
                                 state.counters["oneway_ns"] = r.oneway_ns;
                                 state.counters["oneway_best_ns"] = r.best_oneway_ns;
                                 state.counters["round_trips"] = static_cast<double>(r.round_trips);
                                 state.SetLabel(pins.describe());
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

void register_cost(CaseRegistry& registry, const harness::HwlocTopology& hw, const harness::SuiteOptions& options,
                   std::string_view group, std::string_view op) {
  const std::vector<int> order = harness::placement_order(hw.topology(), options.placement);
  const int pu = order.front();
  const std::string name = "limits/" + std::string(group) + "/" + std::string(op) + "/t:1/place:" + options.placement.text;
  if (!registry.add(name)) return;
  const harness::PinPlan pins{{pu}, harness::TopologyClass::same_pu, 1, false};
  benchmark::RegisterBenchmark(name.c_str(),
                               [&hw, pins, op = std::string(op), window = options.duration](benchmark::State& state) {
                                 hw.pin_current_thread(pins.pu_of_thread[0]);
                                 harness::OperationCost c;
                                 for (auto _ : state) {
                                   c = harness::measure_cost(op, window);
                                   state.SetIterationTime(c.ns_per_op * 1e-9);
                                 }
                                 hw.unpin_current_thread();
                                 state.counters["ns_per_op"] = c.ns_per_op;
                                 state.counters["ops_per_sec"] = 1e9 / c.ns_per_op;
                                 state.SetLabel(pins.describe());
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

}  // namespace

void register_limits_family(CaseRegistry& registry, const harness::HwlocTopology& hw,
                            const harness::SuiteOptions& options) {
  for (std::string_view op : harness::atomic_operations()) register_cost(registry, hw, options, "atomics", op);
  for (std::string_view op : harness::syscall_operations()) register_cost(registry, hw, options, "syscall", op);
  // Every unordered pair of the placement's distinct PUs, in placement order.
  std::vector<int> pus = harness::placement_order(hw.topology(), options.placement);
  for (std::size_t i = 0; i < pus.size(); ++i)
    for (std::size_t j = i + 1; j < pus.size(); ++j) register_pingpong(registry, hw, options, pus[i], pus[j]);
}

}  // namespace synclab::bench
