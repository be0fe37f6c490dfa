#pragma once

#include <vector>

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// locks/seqlock/... — the sequence lock's readers and writer (docs/seqlock.md).
void register_seqlock_cases(CaseRegistry& registry, const std::vector<CaseSetup>& setups, const harness::HwlocTopology& hw,
                           const harness::SuiteOptions& options);

}  // namespace synclab::bench
