// lock_combine.cpp — the lock_combine scenario of the locks family: the
// `high` level's critical section (cs_ns, cs_lines, no think time) handed to
// lock_combine as a function. The combining locks (locks::OurCombiningLocks)
// run it through their own lock_combine, possibly on a combiner thread; every
// other lock of ours and every peer runs the same function in place between
// lock() and unlock() (locks::LockThenRun). Names:
//
//   locks/<lock>/lock_combine/t:N/place:P
//
// The scenario runs when the run asks for `high` (it is that level, through
// another interface). Key cases, in every run: the combiners and std_mutex at
// the level's most threads; with sweeps on, every lock at every thread count
// (docs/contention.md, "Key cases and sweeps"). The workload checks that every
// section ran exactly once and that each result reached its caller
// (harness/workloads/combine_workload.hpp).
#include <algorithm>
#include <memory>
#include <string_view>

#include "families.hpp"
#include "lock_cases.hpp"
#include "synclab/concepts.hpp"
#include "synclab/harness/workloads/combine_workload.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/locks/combining.hpp"
#include "synclab/peers/lock_peers.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {

namespace {

constexpr std::string_view kLevel = "high";
constexpr std::string_view kScenario = "lock_combine";
// The plain lock every goal compares the combiners with.
constexpr std::string_view kKeyPlainLock = "std_mutex";

template <class L>
constexpr bool is_sweep_point_lock = [] {
  if constexpr (requires { L::sweep_point; }) return static_cast<bool>(L::sweep_point);
  return false;
}();

// Capped: the type whose thread cap applies (the lock itself, for a lifted one).
template <Combinable C, class Capped = C>
void register_combine(const FamilyContext& f, std::string_view name, bool key, int most_threads) {
  for (const CaseSetup& planned : f.setups) {
    if (planned.plan.level.name != kLevel) continue;
    if (!f.options.sweeps && !(key && planned.plan.threads == most_threads)) continue;
    if (!supports_threads<Capped>(planned.plan.threads)) continue;
    CaseSetup setup = planned;
    setup.driver.case_name = f.case_name("locks", name, kScenario, setup.plan.threads);
    register_window_case(f.registry, setup, [setup] {
      return std::make_unique<harness::CombineWorkload<C>>(setup.plan.level, setup.calibration, setup.plan.threads,
                                                           handoff_reference_ns(setup));
    });
  }
}

}  // namespace

void register_lock_combine(const FamilyContext& f) {
  int most_threads = 0;
  for (const CaseSetup& s : f.setups)
    if (s.plan.level.name == kLevel) most_threads = std::max(most_threads, s.plan.threads);
  if (most_threads == 0) return;  // the run does not ask for `high`
  for_each_type(locks::OurCombiningLocks{},
                [&]<class C>() { register_combine<C>(f, C::name, /*key=*/true, most_threads); });
  using AllLocks = Concat<locks::OurLocks, peers::PeerLocks>;
  for_each_type(AllLocks{}, [&]<class L>() {
    if constexpr (!is_sweep_point_lock<L>)
      register_combine<locks::LockThenRun<L>, L>(f, L::name, L::name == kKeyPlainLock, most_threads);
  });
}

}  // namespace synclab::bench
