// ordering.cpp — the memory-ordering lab: what each ordering costs on each
// atomic operation, alone and with a second thread on the same variable
// (docs/ordering.md).
#include "ordering.hpp"

#include <exception>
#include <string>

#include "families.hpp"
#include "synclab/harness/workloads/ordering.hpp"

namespace synclab::bench {
namespace {

void register_op(CaseRegistry& registry, const harness::HwlocTopology& hw, const harness::SuiteOptions& options,
                 const harness::OrderingOp& op, std::vector<int> pus, std::chrono::nanoseconds window) {
  harness::CasePlan plan;
  plan.level = harness::ContentionLevel{op.order};
  plan.threads = static_cast<int>(pus.size());
  const std::string name = harness::case_name("ordering", op.op, plan, options.placement);
  if (!registry.add(name)) return;
  const harness::PinPlan pins{pus, harness::classify(hw.topology(), pus), static_cast<int>(pus.size()), false};
  const harness::HwlocTopology* topo = &hw;
  benchmark::RegisterBenchmark(name.c_str(),
                               [=](benchmark::State& state) {
                                 harness::OrderingCost c;
                                 try {
                                   for (auto _ : state) {
                                     c = harness::measure_ordering(topo, pins.pu_of_thread, op.op, op.order, window);
                                     state.SetIterationTime(c.ns_per_op * 1e-9);
                                   }
                                 } catch (const std::exception& e) {
                                   state.SkipWithError(e.what());
                                   return;
                                 }
                                 state.counters["ns_per_op"] = c.ns_per_op;
                                 state.counters["ops_per_sec"] = c.ops_per_sec;
                                 state.SetLabel(pins.describe());
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

}  // namespace

void register_ordering_family(CaseRegistry& registry, const harness::HwlocTopology& hw,
                              const harness::SuiteOptions& options) {
  const std::vector<int> order = harness::placement_order(hw.topology(), options.placement);
  const auto window = short_window(options);
  for (const harness::OrderingOp& op : harness::ordering_ops()) {
    register_op(registry, hw, options, op, {order[0]}, window);
    if (op.contended && order.size() >= 2) register_op(registry, hw, options, op, {order[0], order[1]}, window);
  }
}

}  // namespace synclab::bench
