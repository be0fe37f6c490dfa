// limits.cpp — the physical-limits family: cache-line round trips between
// every pair of PUs the placement may use (level `high`), and the uncontended
// cost of the operations locks are built from (level `uncontended`).
// Measured in every run, so contended results can be read against the
// machine they ran on.
#include <algorithm>
#include <string>

#include "families.hpp"
#include "synclab/harness/limits.hpp"

namespace synclab::bench {
namespace {

// Each pair gets a quarter of the window (at least 10 ms): a full matrix on a
// large machine has many pairs, and round trips converge quickly.
std::chrono::nanoseconds pair_window(const harness::SuiteOptions& options) {
  return std::max<std::chrono::nanoseconds>(options.duration / 4, std::chrono::milliseconds(10));
}

void register_pingpong(const FamilyContext& f, int a, int b) {
  const harness::PinPlan pins{{a, b}, harness::classify(f.hw.topology(), {a, b}), 2, false};
  const std::string name = "limits/c2c/pingpong/t:2/place:cpus:" + std::to_string(a) + "," + std::to_string(b);
  register_case(f.registry, name, pins.describe(), [hw = &f.hw, a, b, window = pair_window(f.options)](std::uint64_t) {
    const harness::PingPongResult r = harness::measure_pingpong(*hw, a, b, window);
    const double trips = static_cast<double>(r.round_trips);
    return Measurement{r.roundtrip_ns * 1e-9 * trips, trips,
                       {{"roundtrip_ns", r.roundtrip_ns},
                        {"oneway_ns", r.oneway_ns},
                        {"oneway_best_ns", r.best_oneway_ns},
                        {"round_trips", trips}}};
  });
}

void register_cost(const FamilyContext& f, std::string_view group, std::string_view op, int pu) {
  const std::string name = "limits/" + std::string(group) + "/" + std::string(op) + "/t:1/place:" + f.options.placement.text;
  const harness::PinPlan pins{{pu}, harness::TopologyClass::same_pu, 1, false};
  register_case(f.registry, name, pins.describe(),
                [hw = &f.hw, pu, op = std::string(op), window = f.options.duration](std::uint64_t) {
                  hw->pin_current_thread(pu);
                  const harness::OperationCost c = harness::measure_cost(op, window);
                  hw->unpin_current_thread();
                  const double ops = static_cast<double>(c.ops);
                  Measurement m{c.ns_per_op * 1e-9 * ops, ops, {{"ns_per_op", c.ns_per_op}}};
                  harness::put(m.metrics, "ops_per_sec", harness::per(1e9, c.ns_per_op));
                  return m;
                });
}

}  // namespace

void register_limits(const FamilyContext& f) {
  const std::vector<int> pus = f.pus();
  if (f.runs("uncontended")) {
    for (std::string_view op : harness::atomic_operations()) register_cost(f, "atomics", op, pus.front());
    for (std::string_view op : harness::syscall_operations()) register_cost(f, "syscall", op, pus.front());
  }
  if (!f.runs("high")) return;
  // Every unordered pair of the placement's distinct PUs, in placement order.
  for (std::size_t i = 0; i < pus.size(); ++i)
    for (std::size_t j = i + 1; j < pus.size(); ++j) register_pingpong(f, pus[i], pus[j]);
}

}  // namespace synclab::bench
