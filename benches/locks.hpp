#pragma once

#include <vector>

#include "support/case_runner.hpp"

namespace synclab::bench {

void register_lock_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups,
                          const harness::SuiteOptions& options);
// A lock that is never released, to prove the watchdog stops a hung case.
void register_lock_test_cases(CaseRegistry& registry, const CaseSetup& setup, const harness::SuiteOptions& options);

}  // namespace synclab::bench
