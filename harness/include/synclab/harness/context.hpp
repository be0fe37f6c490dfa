// context.hpp — what a results file must say about where its numbers came
// from: machine, topology, build, OS, counters, and how the run was driven.
// Each entry becomes a Google Benchmark custom context field.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "synclab/harness/topology.hpp"

namespace synclab::harness {

using Context = std::vector<std::pair<std::string, std::string>>;

// Facts about this machine and this build that do not depend on the run.
Context machine_context(const Topology& topo);

// What the hardware performance monitoring unit offers here, probed by
// opening a cycles counter; "available: …" or "unavailable: <why>".
std::string probe_pmu();

}  // namespace synclab::harness
