#pragma once

#include <vector>

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// channels/<primitive>/<shape>/t:N/place:P/cap:C/payload:B — every channel of ours and every peer (docs/channels.md).
void register_channel_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups, const harness::HwlocTopology& hw,
                            const harness::SuiteOptions& options);

}  // namespace synclab::bench
