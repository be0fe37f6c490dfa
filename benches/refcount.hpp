#pragma once

#include <vector>

#include "support/case_runner.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// refcount/<primitive>/<scenario>/t:N/place:P for every count of ours and
// every peer: uncontended (t:1), shared, private and cross_drop (t >= 2),
// weak_upgrade (weak-capable handles), load_store (atomic slots). The driver
// settings (sampling, counters, watchdog, window) are those of `setups`.
void register_refcount_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups,
                              const harness::HwlocTopology& hw, const harness::SuiteOptions& options);

}  // namespace synclab::bench
