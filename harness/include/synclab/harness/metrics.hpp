// metrics.hpp — a finished run turned into the numbers of the results
// contract (docs/metrics.md defines each one). Pure: no clock, no I/O.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "synclab/harness/driver.hpp"

namespace synclab::harness {

// Name/value pairs in a stable order; latency fields are present only when
// latency was sampled, futex fields always (zero for primitives that never sleep),
// `<event>_per_op` for each perf event whose value is known for every worker,
// `counter_scaling_min` whenever any event was counted, and
// `counter_groups_failed` when a worker could not open a group the probe opened.
using Metrics = std::vector<std::pair<std::string, double>>;

Metrics summarize(const RunResult& run);

// The physical-limit reading of a contended lock case: `oneway_ns`, the
// one-way cache-line transfer latency measured between the PUs the case used
// (limits.hpp, reference_oneway), and `handoff_efficiency` = handoffs per
// second × that latency in seconds: the fraction of one-transfer-per-handoff
// the lock reached (≤ about 1; docs/metrics.md says what bounds it lower).
Metrics handoff_metrics(const RunResult& run, double oneway_ns);

}  // namespace synclab::harness
