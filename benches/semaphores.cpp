// semaphores.cpp — the counting semaphores in the lock family: every
// semaphore of ours and every peer, at every planned contention level, with 1
// and 2 permits (docs/semaphores.md). A case fails when more holders than
// permits were ever inside at once, or a permit was lost.
#include <memory>
#include <string>

#include "families.hpp"
#include "synclab/harness/workloads/semaphore_workload.hpp"
#include "synclab/peers/semaphore_peers.hpp"
#include "synclab/semaphores/catalog.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {
namespace {

constexpr int kPermitCounts[] = {1, 2};

template <semaphores::CountingSemaphore S>
void register_semaphore(const FamilyContext& f, const CaseSetup& planned, int permits) {
  CaseSetup setup = planned;
  setup.driver.case_name =
      harness::case_name("locks", S::name, setup.plan, f.options.placement) + "/permits:" + std::to_string(permits);
  register_window_case(f.registry, setup, [setup, permits] {
    return std::make_unique<harness::SemaphoreWorkload<S>>(setup.plan.level, setup.calibration, setup.plan.threads,
                                                           permits);
  });
}

}  // namespace

void register_semaphores(const FamilyContext& f) {
  using All = Concat<semaphores::OurSemaphores, peers::PeerSemaphores>;
  for_each_type(All{}, [&]<class S>() {
    for (const CaseSetup& setup : f.setups)
      for (int permits : kPermitCounts)
        if (permits == 1 || (f.options.sweeps && permits <= setup.plan.threads)) register_semaphore<S>(f, setup, permits);
  });
}

}  // namespace synclab::bench
