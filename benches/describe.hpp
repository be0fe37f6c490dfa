// describe.hpp — --synclab_describe: the run parameters this binary would use,
// as one JSON object on stdout, so scripts ask the binary instead of keeping
// copies (docs/results-format.md):
//
//   {"describe_version": 1, "pus": 2, "placement": "compact", "default_threads": [1, 2],
//    "levels": [{"name": "high", "cs_ns": 50, "cs_lines": 2, "think_ns": 0, "threads": "list"}, ...],
//    "custom_level": {...} (when --synclab_cs_ns/think_ns/cs_lines set one),
//    "families": {"locks": {"levels": [...], "custom_level": true}, ...}}
//
// "threads" says how a level picks its thread counts: "single" (t:1), "list"
// (the requested or default list), "per_pu:F" (F × PUs), "pu_sweep"
// (--synclab_oversubscription factors × PUs).
#pragma once

#include <string>

#include "families.hpp"

namespace synclab::bench {

inline constexpr int kDescribeVersion = 1;

std::string describe_json(const harness::Topology& topo, const harness::SuiteOptions& options);

}  // namespace synclab::bench
