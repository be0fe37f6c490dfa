// lock_cases.hpp — one lock case of the locks family, registered the same
// way for a lock of the catalogue (locks.cpp) and a lock brought in as a
// plugin (plugin_locks.cpp): locks/<name>/<level>/t:N/place:P, a
// LockWorkload through register_window_case.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "families.hpp"
#include "synclab/harness/workloads/lock_workload.hpp"

namespace synclab::bench {

// The one-way transfer latency between the case's PUs, for handoff_efficiency;
// nullopt for one thread, one PU, or PUs that cannot be pinned (then the two
// metrics are left out rather than guessed).
std::optional<double> handoff_reference_ns(const CaseSetup& setup);

// A lock may cap the threads it supports (CK's array lock: one slot each).
template <class L>
constexpr bool supports_threads(int threads) {
  if constexpr (requires { L::max_threads; }) return threads <= L::max_threads;
  return true;
}

template <harness::DrivableLock L>
void register_lock(const FamilyContext& f, std::string_view name, const CaseSetup& planned) {
  if (!supports_threads<L>(planned.plan.threads)) return;
  CaseSetup setup = planned;
  setup.driver.case_name = harness::case_name("locks", name, setup.plan, f.options.placement);
  register_window_case(f.registry, setup, [setup] {
    return std::make_unique<harness::LockWorkload<L>>(setup.plan.level, setup.calibration, setup.plan.threads,
                                                      handoff_reference_ns(setup));
  });
}

}  // namespace synclab::bench
