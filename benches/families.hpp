// families.hpp — --synclab_families: which families this process registers,
// and what the families that define their own scenarios (refcount, padding,
// ordering, litmus) share: their thread counts and their short window.
//
//   --synclab_families=locks,rwlocks,condvars,channels,limits,refcount,padding,ordering,litmus
//
// Default: every family. A case belongs to the family named by its first
// component; the selection narrows the registry's name filter, so listing,
// filtering and running all see the same cases. run_suite passes it to keep a
// profile short (e.g. the smoke profile without the long sweeps).
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "synclab/harness/suite_options.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

inline constexpr std::array<std::string_view, 9> kFamilies = {"locks",    "rwlocks", "condvars", "channels", "limits",
                                                              "refcount", "padding", "ordering", "litmus"};

struct FamilySelection {
  std::vector<std::string> families;  // empty: every family
  [[nodiscard]] bool selected(std::string_view family) const;
};

// Consumes --synclab_families=LIST from argv; call it before
// parse_suite_options, which rejects --synclab_ flags it does not know.
// Throws harness::UsageError for an unknown family or an empty list.
FamilySelection take_families_flag(int& argc, char** argv);

// `accept`, further restricted to the selected families.
std::function<bool(const std::string&)> restrict_to_families(FamilySelection selection,
                                                            std::function<bool(const std::string&)> accept);

// --synclab_threads capped to the placement's PUs, or 1, 2, 4, ... and the
// PU count (the lock family's default list).
std::vector<int> family_thread_counts(const harness::Topology& topo, const harness::SuiteOptions& options);

// The window of the padding, ordering and litmus cases: max(20 ms,
// duration / 4). They have many cases and converge fast.
std::chrono::nanoseconds short_window(const harness::SuiteOptions& options);

}  // namespace synclab::bench
