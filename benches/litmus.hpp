#pragma once

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// litmus/<test>/<ordering>/t:2 (t:4 for iriw)/place:P for every test and
// ordering of harness/workloads/litmus.hpp, and
// litmus/relaxed_spinlock/relaxed/t:2/place:P.
void register_litmus_family(CaseRegistry& registry, const harness::HwlocTopology& hw,
                            const harness::SuiteOptions& options);

}  // namespace synclab::bench
