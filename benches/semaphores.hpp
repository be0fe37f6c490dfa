#pragma once

#include <vector>

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// locks/futex_semaphore/... and locks/std_counting_semaphore/... (docs/semaphores.md).
void register_semaphore_cases(CaseRegistry& registry, const std::vector<CaseSetup>& setups, const harness::HwlocTopology& hw,
                             const harness::SuiteOptions& options);

}  // namespace synclab::bench
