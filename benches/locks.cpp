// locks.cpp — the lock family: every lock of ours and every peer, at every
// planned scenario. Adding a lock to a catalogue is all it takes to run it.
#include "locks.hpp"

#include "support/case_runner.hpp"
#include "synclab/harness/workloads/lock_workload.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/peers/lock_peers.hpp"
#include "synclab/type_list.hpp"
#include "test_cases/never_unlocks.hpp"
#include "test_cases/slowed.hpp"

namespace synclab::bench {
namespace {

template <Lockable L>
void register_lock(CaseRegistry& registry, const CaseSetup& setup, const harness::PlacementSpec& placement) {
  CaseSetup named = setup;
  named.driver.case_name = harness::case_name("locks", L::name, setup.plan, placement);
  if (!registry.add(named.driver.case_name)) return;
  benchmark::RegisterBenchmark(named.driver.case_name.c_str(),
                               [setup = named](benchmark::State& state) {
                                 run_case(
                                     state, setup,
                                     [&] { return std::make_unique<harness::LockWorkload<L>>(setup.plan.level, setup.calibration); },
                                     [](const harness::LockWorkload<L>& w, const harness::RunResult& run) -> std::string {
                                       // The protected counter must account for every operation.
                                       if (w.protected_count() != run.total_ops())
                                         return "mutual exclusion violated: " + std::to_string(w.protected_count()) +
                                                " protected increments for " + std::to_string(run.total_ops()) + " operations";
                                       return {};
                                     });
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
}

void register_lock_test_cases(CaseRegistry& registry, const CaseSetup& setup, const harness::SuiteOptions& options) {
  register_lock<test_cases::NeverUnlocks>(registry, setup, options.placement);
}

}  // namespace synclab::bench
