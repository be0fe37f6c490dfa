// seqlock.cpp — the sequence lock's cases in the locks family: one writer and
// the other workers reading, at every planned contention level and thread
// count (docs/seqlock.md). Names: locks/seqlock/<level>/t:N/place:P/writers:W,
// W = 1 when two or more workers run, 0 for the single-reader fast path
// (registered at the single-thread level only).
#include "seqlock.hpp"

#include <memory>
#include <string>

#include "synclab/harness/workloads/seqlock_workload.hpp"
#include "synclab/seqlock/seqlock.hpp"

namespace synclab::bench {
namespace {

using OurSeqLock = seqlock::SeqLock<harness::SeqlockPayload>;

void register_case(CaseRegistry& registry, const CaseSetup& base, const harness::SuiteOptions& options) {
  CaseSetup setup = base;
  const int writers = setup.plan.threads > 1 ? 1 : 0;
  setup.driver.case_name = harness::case_name("locks", OurSeqLock::name, setup.plan, options.placement) +
                           "/writers:" + std::to_string(writers);
  if (!registry.add(setup.driver.case_name)) return;
  register_window_case(
      setup,
      [setup] {
        return std::make_unique<harness::SeqlockWorkload<OurSeqLock>>(setup.plan.level, setup.calibration,
                                                                      setup.plan.threads);
      },
      [](const harness::SeqlockWorkload<OurSeqLock>& w, const harness::RunResult& run, harness::Metrics& extra) {
        extra = w.extra_metrics(run);
        return w.check();
      });
}

}  // namespace

void register_seqlock_cases(CaseRegistry& registry, const std::vector<CaseSetup>& setups, const harness::HwlocTopology&,
                            const harness::SuiteOptions& options) {
  for (const CaseSetup& setup : setups) {
    // One worker only reads, so the levels would differ only in think time:
    // the read fast path is measured once, at the single-thread level.
    if (setup.plan.threads == 1 && !setup.plan.level.single_thread) continue;
    register_case(registry, setup, options);
  }
}

}  // namespace synclab::bench
