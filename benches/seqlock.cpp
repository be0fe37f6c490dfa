// seqlock.cpp — the sequence lock's cases in the locks family: one writer and
// the other workers reading, at every planned contention level and thread
// count (docs/seqlock.md). Names: locks/seqlock/<level>/t:N/place:P/writers:W,
// W = 1 when two or more workers run, 0 for the single-reader fast path
// (registered at the single-thread level only).
#include <memory>
#include <string>

#include "families.hpp"
#include "synclab/harness/workloads/seqlock_workload.hpp"
#include "synclab/seqlock/seqlock.hpp"

namespace synclab::bench {

void register_seqlock(const FamilyContext& f) {
  using OurSeqLock = seqlock::SeqLock<harness::SeqlockPayload>;
  for (const CaseSetup& planned : f.setups) {
    // One worker only reads, so the levels would differ only in think time:
    // the read fast path is measured once, at the single-thread level.
    if (planned.plan.threads == 1 && !planned.plan.level.single_thread) continue;
    CaseSetup setup = planned;
    const int writers = setup.plan.threads > 1 ? 1 : 0;
    setup.driver.case_name = harness::case_name("locks", OurSeqLock::name, setup.plan, f.options.placement) +
                             "/writers:" + std::to_string(writers);
    register_window_case(f.registry, setup, [setup] {
      return std::make_unique<harness::SeqlockWorkload<OurSeqLock>>(setup.plan.level, setup.calibration,
                                                                     setup.plan.threads);
    });
  }
}

}  // namespace synclab::bench
