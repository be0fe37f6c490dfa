// semaphores.cpp — the counting semaphores in the lock family: every
// semaphore of ours and every peer, at every planned contention level, with 1
// and 2 permits (docs/semaphores.md). A case fails when more holders than
// permits were ever inside at once, or a permit was lost.
#include "semaphores.hpp"

#include <memory>
#include <string>

#include "synclab/harness/workloads/semaphore_workload.hpp"
#include "synclab/peers/semaphore_peers.hpp"
#include "synclab/semaphores/catalog.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {
namespace {

constexpr int kPermitCounts[] = {1, 2};

template <semaphores::CountingSemaphore S>
void register_semaphore(CaseRegistry& registry, const CaseSetup& setup, const harness::PlacementSpec& placement,
                        int permits) {
  CaseSetup named = setup;
  named.driver.case_name =
      harness::case_name("locks", S::name, setup.plan, placement) + "/permits:" + std::to_string(permits);
  if (!registry.add(named.driver.case_name)) return;
  register_window_case(
      named,
      [setup = named, permits] {
        return std::make_unique<harness::SemaphoreWorkload<S>>(setup.plan.level, setup.calibration,
                                                               setup.plan.threads, permits);
      },
      [](harness::SemaphoreWorkload<S>& w, const harness::RunResult& run, harness::Metrics& extra) {
        extra = w.extra_metrics(run);
        return w.verify();
      });
}

}  // namespace

void register_semaphore_cases(CaseRegistry& registry, const std::vector<CaseSetup>& setups, const harness::HwlocTopology&,
                              const harness::SuiteOptions& options) {
  using All = Concat<semaphores::OurSemaphores, peers::PeerSemaphores>;
  for_each_type(All{}, [&]<class S>() {
    for (const CaseSetup& setup : setups)
      for (int permits : kPermitCounts)
        if (permits == 1 || permits <= setup.plan.threads)
          register_semaphore<S>(registry, setup, options.placement, permits);
  });
}

}  // namespace synclab::bench
