#pragma once

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// ordering/<op>/<order>/t:1/place:P and, for operations on a shared
// variable, ordering/<op>/<order>/t:2/place:P (both threads run the same
// operation on the same variable).
void register_ordering_family(CaseRegistry& registry, const harness::HwlocTopology& hw,
                              const harness::SuiteOptions& options);

}  // namespace synclab::bench
