// litmus.cpp — the litmus family (level `high`): outcome histograms of the
// classic memory-model tests under each ordering, and the book's relaxed
// spin-lock experiment (docs/ordering.md). A forbidden outcome fails the
// case, except under emulation: qemu's user-mode translation runs arm64 code
// with the host's memory model (x86 store-to-load reordering shows through a
// seq_cst store and load), so there the outcomes are recorded but cannot be
// judged.
#include <cstdlib>
#include <string>

#include "families.hpp"
#include "synclab/harness/workloads/litmus.hpp"

namespace synclab::bench {
namespace {

bool running_emulated() {
  const char* v = std::getenv("SYNCLAB_EMULATED");
  return v != nullptr && std::string_view(v) == "true";
}

std::string forbidden_seen(std::string_view test, std::string_view order, const harness::LitmusResult& r) {
  std::string seen;
  for (const auto& [outcome, n] : r.outcomes)
    if (n > 0 && harness::litmus_forbidden(test, order, outcome)) seen += " outcome " + outcome + " x" + std::to_string(n);
  return "forbidden outcome observed:" + seen;
}

void register_test(const FamilyContext& f, std::string_view test, std::string_view order) {
  const int threads = harness::litmus_threads(test);
  // iriw has four threads: on fewer PUs they share them (oversubscribed).
  const harness::PinPlan pins = harness::plan_pins(f.hw.topology(), f.options.placement, threads, true);
  const bool judged = !running_emulated();
  register_case(f.registry, f.case_name("litmus", test, order, threads),
                pins.describe() + (judged ? "" : " emulated: outcomes not judged"),
                [hw = &f.hw, pins, test, order, judged, window = f.short_window()](std::uint64_t) {
                  const harness::LitmusResult r = harness::run_litmus(test, order, {hw, pins.pu_of_thread, window, 0, 0x5eed});
                  Measurement m{r.elapsed_s, static_cast<double>(r.trials), {}};
                  if (r.forbidden > 0 && judged) {
                    m.error = forbidden_seen(test, order, r);
                    return m;
                  }
                  for (const auto& [outcome, n] : r.outcomes) m.metrics.emplace_back("outcome_" + outcome, static_cast<double>(n));
                  m.metrics.emplace_back("trials", static_cast<double>(r.trials));
                  m.metrics.emplace_back("forbidden_observed", static_cast<double>(r.forbidden));
                  m.metrics.emplace_back("non_sc_observed", static_cast<double>(r.non_sc));
                  harness::put(m.metrics, "trials_per_sec", harness::per_second(static_cast<double>(r.trials), r.elapsed_s));
                  return m;
                });
}

// R-13 at t:2 (the book uses 4 threads; two PUs are what every machine has).
void register_relaxed_spinlock(const FamilyContext& f) {
  const harness::PinPlan pins = harness::plan_pins(f.hw.topology(), f.options.placement, 2, true);
  register_case(f.registry, f.case_name("litmus", "relaxed_spinlock", "relaxed", 2), pins.describe(),
                [hw = &f.hw, pins, window = f.short_window()](std::uint64_t) {
                  const harness::RelaxedSpinlockResult r = harness::run_relaxed_spinlock({hw, pins.pu_of_thread, window, 0, 0});
                  const double increments = static_cast<double>(r.increments);
                  Measurement m{r.elapsed_s, increments, {}};
                  m.metrics.emplace_back("trials", increments);
                  m.metrics.emplace_back("lost_increments", static_cast<double>(r.lost));
                  harness::put(m.metrics, "lost_ratio", harness::per(static_cast<double>(r.lost), increments));
                  // The relaxed lock promises nothing, so no outcome is forbidden by the
                  // model; lost increments are the allowed-but-surprising outcome.
                  m.metrics.emplace_back("forbidden_observed", 0);
                  m.metrics.emplace_back("non_sc_observed", static_cast<double>(r.lost));
                  harness::put(m.metrics, "ns_per_op", harness::per(r.elapsed_s * 1e9 * 2, increments));
                  return m;
                });
}

}  // namespace

void register_litmus(const FamilyContext& f) {
  if (!f.runs("high")) return;
  for (std::string_view test : harness::litmus_tests())
    for (std::string_view order : harness::litmus_orders()) register_test(f, test, order);
  register_relaxed_spinlock(f);
}

}  // namespace synclab::bench
