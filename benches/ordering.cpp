// ordering.cpp — the memory-ordering lab: what each ordering costs on each
// atomic operation, alone (level `uncontended`) and with a second thread on
// the same variable (level `high`) (docs/ordering.md).
#include <string>

#include "families.hpp"
#include "synclab/harness/workloads/ordering.hpp"

namespace synclab::bench {
namespace {

void register_op(const FamilyContext& f, const harness::OrderingOp& op, const std::vector<int>& pus) {
  const int threads = static_cast<int>(pus.size());
  const harness::PinPlan pins{pus, harness::classify(f.hw.topology(), pus), threads, false};
  register_case(f.registry, f.case_name("ordering", op.op, op.order, threads), pins.describe(),
                [hw = &f.hw, pus, op, window = f.short_window()](std::uint64_t) {
                  const harness::OrderingCost c = harness::measure_ordering(hw, pus, op.op, op.order, window);
                  const double per_thread = static_cast<double>(c.ops) / static_cast<double>(pus.size());
                  return Measurement{c.ns_per_op * 1e-9 * per_thread, per_thread,
                                     {{"ns_per_op", c.ns_per_op}, {"ops_per_sec", c.ops_per_sec}}};
                });
}

// Without sweeps: the two ends of every operation (relaxed, seq_cst) and the
// pairs that cost nothing on a strong memory model (acquire load, release
// store, acquire fence); the orderings between are the sweep.
bool is_key_ordering(const harness::OrderingOp& op) {
  if (op.order == "relaxed" || op.order == "seq_cst") return true;
  return (op.op == "load" || op.op == "fence") ? op.order == "acquire" : op.op == "store" && op.order == "release";
}

}  // namespace

void register_ordering(const FamilyContext& f) {
  const std::vector<int> order = f.pus();
  for (const harness::OrderingOp& op : harness::ordering_ops()) {
    if (!f.options.sweeps && !is_key_ordering(op)) continue;
    if (f.runs("uncontended")) register_op(f, op, {order[0]});
    if (op.contended && order.size() >= 2 && f.runs("high")) register_op(f, op, {order[0], order[1]});
  }
}

}  // namespace synclab::bench
