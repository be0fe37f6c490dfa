#pragma once

#include <vector>

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// rwlocks/<primitive>/<contention>/t:N/place:P/reads:PCT — every reader-writer lock at each read share (docs/rwlocks.md).
void register_rwlock_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups, const harness::HwlocTopology& hw,
                           const harness::SuiteOptions& options);

}  // namespace synclab::bench
