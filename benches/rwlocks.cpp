// rwlocks.cpp — the rwlocks family: every reader-writer lock of ours and every
// peer, at every planned contention level and thread count, at each read
// share of harness::kRwReadPercents (docs/rwlocks.md). Adding a lock to a
// catalogue is all it takes to run it.
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
void register_case(const FamilyContext& f, const CaseSetup& planned, int read_percent) {
  CaseSetup setup = planned;
  setup.driver.case_name = harness::case_name("rwlocks", L::name, setup.plan, f.options.placement) +
                           "/reads:" + std::to_string(read_percent);
  setup.driver.duration = f.short_window();  // many cases; they converge fast
  register_window_case(f.registry, setup, [setup, read_percent] {
    return std::make_unique<harness::RwLockWorkload<L>>(setup.plan.level, setup.calibration, read_percent,
                                                        setup.plan.threads);
  });
}

}  // namespace

void register_rwlocks(const FamilyContext& f) {
  using AllRwLocks = Concat<rwlocks::OurRwLocks, peers::PeerRwLocks>;
  const std::size_t before = f.registry.names.size();
  for_each_type(AllRwLocks{}, [&]<class L>() {
    for (const CaseSetup& setup : f.setups)
      for (int read_percent : harness::kRwReadPercents)
        if (f.options.sweeps || harness::is_key_read_share(read_percent)) register_case<L>(f, setup, read_percent);
  });
  if (f.registry.names.size() > before && *peers::kRwLockPeersMissing != '\0')
    benchmark::AddCustomContext("rwlock_peers_missing", peers::kRwLockPeersMissing);
}

}  // namespace synclab::bench
