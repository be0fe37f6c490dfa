#pragma once

#include <vector>

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// padding/distance/write/t:2/place:P/bytes:N (the sweep) and
// padding/distance/summary/t:2/place:P (interference_bytes), padding/ch7/...
// (R-4 ... R-9), padding/padded_counters/fetch_add/t:N/place:P/pad:W and
// padding/padded_locks/futex_mutex3/t:N/place:P/pad:W. Cases that need two
// PUs are left out where the placement has one. Records the compiler's and
// the kernel's idea of the line size in the results context.
void register_padding_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups,
                             const harness::HwlocTopology& hw, const harness::SuiteOptions& options);

}  // namespace synclab::bench
