// context.hpp — what a results file must say about where its numbers came
// from: machine, topology, build, OS, counters, and how the run was driven.
// Each entry becomes a Google Benchmark custom context field.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "synclab/harness/futex_trace.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::harness {

using Context = std::vector<std::pair<std::string, std::string>>;

// Facts about this machine and this build that do not depend on the run,
// futex_context(process_futex_tracepoint()) included.
Context machine_context(const Topology& topo);

// Where the run's futex figures come from (futex_source.hpp):
//   futex_count_source  "tracepoint" (every case) or "wait_layer" (the
//                       cases whose primitives sleep only through it)
//   futex_tracepoint    "available: <events>" or "unavailable: <why>"
//   not_measured        without the tracepoint: a JSON object naming each
//                       futex metric that the other cases lack, and why
Context futex_context(const FutexTracepoint& tracepoint);

// What the hardware performance monitoring unit offers here, probed by
// opening a cycles counter; "available: …" or "unavailable: <why>".
std::string probe_pmu();

}  // namespace synclab::harness
