// locks.cpp — the lock family: every lock of ours and every peer, at every
// planned scenario. Adding a lock to a catalogue is all it takes to run it.
//
// Every case with two threads or more also reads its handoffs against the
// machine: before the window it takes the one-way cache-line latency between
// the PUs it runs on (measured once per PU pair in this process, limits.hpp)
// and publishes oneway_ns and handoff_efficiency (docs/metrics.md).
#include "locks.hpp"

#include <optional>

#include "support/case_runner.hpp"
#include "synclab/harness/limits.hpp"
#include "synclab/harness/workloads/lock_workload.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/peers/lock_peers.hpp"
#include "synclab/type_list.hpp"
#include "test_cases/never_unlocks.hpp"
#include "test_cases/slowed.hpp"

namespace synclab::bench {
namespace {

// A lock may cap the threads it supports (CK's array lock: one slot each).
template <class L>
constexpr bool supports_threads(int threads) {
  if constexpr (requires { L::max_threads; }) return threads <= L::max_threads;
  return true;
}

// The one-way transfer latency between the case's PUs, for handoff_efficiency;
// nullopt for one thread, one PU, or PUs that cannot be pinned (then the two
// metrics are left out rather than guessed).
std::optional<double> handoff_reference_ns(const CaseSetup& setup) {
  if (setup.plan.threads < 2 || setup.driver.pinner == nullptr) return std::nullopt;
  try {
    if (const auto ref = harness::reference_oneway(*setup.driver.pinner, setup.plan.pins.pu_of_thread))
      return ref->oneway_ns;
  } catch (const harness::TopologyError&) {
  }
  return std::nullopt;
}

template <Lockable L>
void register_lock(CaseRegistry& registry, const CaseSetup& setup, const harness::PlacementSpec& placement) {
  if (!supports_threads<L>(setup.plan.threads)) return;
  CaseSetup named = setup;
  named.driver.case_name = harness::case_name("locks", L::name, setup.plan, placement);
  if (!registry.add(named.driver.case_name)) return;
  benchmark::RegisterBenchmark(named.driver.case_name.c_str(),
                               [setup = named](benchmark::State& state) {
                                 const std::optional<double> oneway_ns = handoff_reference_ns(setup);
                                 harness::Metrics extra;
                                 run_case(
                                     state, setup,
                                     [&] { return std::make_unique<harness::LockWorkload<L>>(setup.plan.level, setup.calibration); },
                                     [&](const harness::LockWorkload<L>& w, const harness::RunResult& run) -> std::string {
                                       // The protected counter must account for every operation.
                                       if (w.protected_count() != run.total_ops())
                                         return "mutual exclusion violated: " + std::to_string(w.protected_count()) +
                                                " protected increments for " + std::to_string(run.total_ops()) + " operations";
                                       if (oneway_ns) extra = harness::handoff_metrics(run, *oneway_ns);
                                       return {};
                                     });
                                 if (state.error_occurred()) return;
                                 for (const auto& [name, value] : extra) state.counters[name] = benchmark::Counter(value);
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

}  // namespace

void register_lock_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups,
                          const harness::SuiteOptions& options) {
  using AllLocks = Concat<locks::OurLocks, peers::PeerLocks>;
#ifdef SYNCLAB_TEST_SLOWDOWN_LOCK
  constexpr std::string_view slowed = SYNCLAB_TEST_SLOWDOWN_LOCK;
  benchmark::AddCustomContext("test_slowdown", std::string(slowed) + ":" +
                                                   std::to_string(SYNCLAB_TEST_SLOWDOWN_PERCENT) + "%");
#else
  constexpr std::string_view slowed;
#endif
  const std::size_t before = registry.names.size();
  for_each_type(AllLocks{}, [&]<class L>() {
    if constexpr (!slowed.empty() && L::name == slowed) {
#ifdef SYNCLAB_TEST_SLOWDOWN_PERCENT
      if (!setups.empty()) test_cases::Slowed<L>::calibrate(setups.front().calibration, SYNCLAB_TEST_SLOWDOWN_PERCENT);
#endif
      for (const CaseSetup& setup : setups) register_lock<test_cases::Slowed<L>>(registry, setup, options.placement);
    } else {
      for (const CaseSetup& setup : setups) register_lock<L>(registry, setup, options.placement);
    }
  });
  if (registry.names.size() > before && *peers::kLockPeersMissing != '\0')
    benchmark::AddCustomContext("lock_peers_missing", peers::kLockPeersMissing);
}

void register_lock_test_cases(CaseRegistry& registry, const CaseSetup& setup, const harness::SuiteOptions& options) {
  register_lock<test_cases::NeverUnlocks>(registry, setup, options.placement);
}

}  // namespace synclab::bench
