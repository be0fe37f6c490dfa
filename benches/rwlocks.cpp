// rwlocks.cpp — the rwlocks family: every reader-writer lock of ours and every
// peer, at every planned contention level and thread count, at each read
// share of harness::kRwReadPercents (docs/rwlocks.md). Adding a lock to a
// catalogue is all it takes to run it.
#include "rwlocks.hpp"

#include <memory>
#include <string>

#include "families.hpp"
#include "synclab/harness/workloads/rwlock_workload.hpp"
#include "synclab/peers/rwlock_peers.hpp"
#include "synclab/rwlocks/catalog.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {
namespace {

template <rwlocks::RwLockable L>
void register_case(CaseRegistry& registry, const CaseSetup& base, const harness::SuiteOptions& options,
                   int read_percent) {
  CaseSetup setup = base;
  setup.driver.case_name = harness::case_name("rwlocks", L::name, setup.plan, options.placement) +
                           "/reads:" + std::to_string(read_percent);
  setup.driver.duration = short_window(options);  // many cases; they converge fast
  if (!registry.add(setup.driver.case_name)) return;
  register_window_case(
      setup,
      [setup, read_percent] {
        return std::make_unique<harness::RwLockWorkload<L>>(setup.plan.level, setup.calibration, read_percent,
                                                            setup.plan.threads);
      },
      [](const harness::RwLockWorkload<L>& w, const harness::RunResult& run, harness::Metrics& extra) {
        extra = w.extra_metrics(run);
        return w.check();
      });
}

}  // namespace

void register_rwlock_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups, const harness::HwlocTopology&,
                            const harness::SuiteOptions& options) {
  using AllRwLocks = Concat<rwlocks::OurRwLocks, peers::PeerRwLocks>;
  const std::size_t before = registry.names.size();
  for_each_type(AllRwLocks{}, [&]<class L>() {
    for (const CaseSetup& setup : setups)
      for (int read_percent : harness::kRwReadPercents) register_case<L>(registry, setup, options, read_percent);
  });
  if (registry.names.size() > before && *peers::kRwLockPeersMissing != '\0')
    benchmark::AddCustomContext("rwlock_peers_missing", peers::kRwLockPeersMissing);
}

}  // namespace synclab::bench
