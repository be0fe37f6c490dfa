#pragma once

#include <vector>

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// condvars/<primitive>/<scenario>/t:N/place:P — signalling latency, notify_one throughput, notify_all herd (docs/condvars.md).
void register_condvar_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups, const harness::HwlocTopology& hw,
                            const harness::SuiteOptions& options);

}  // namespace synclab::bench
