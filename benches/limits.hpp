#pragma once

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// limits/atomics/<op>, limits/syscall/<op> and limits/c2c/pingpong for every
// pair of PUs the placement may use.
void register_limits_family(CaseRegistry& registry, const harness::HwlocTopology& hw,
                            const harness::SuiteOptions& options);

}  // namespace synclab::bench
