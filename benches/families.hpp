// families.hpp — the families of the benchmark binary, which contention
// levels each one runs, and what every family's registration is handed.
//
//   --synclab_families=locks,rwlocks,condvars,channels,limits,refcount,reclaim,padding,ordering,litmus
//
// Default: every family. A case belongs to the family named by its first
// component; the selection narrows the registry's name filter, so listing,
// filtering and running all see the same cases.
//
// One contention model for every family: a family either runs a named level
// as the model defines it (locks, rwlocks: critical section, lines, think
// time), or maps the level onto scenarios of its own (the table in
// docs/contention.md), or does not take it. A level a family does not take
// is skipped for that family; asking for it explicitly together with that
// family explicitly is a usage error, so nothing is ignored silently.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/case_runner.hpp"
#include "synclab/harness/suite_options.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::bench {

// What a family's registration is handed.
struct FamilyContext {
  CaseRegistry& registry;
  const harness::HwlocTopology& hw;
  const harness::SuiteOptions& options;
  std::vector<CaseSetup> setups;         // the model's planned (level, threads) cases
  harness::DriverConfig base;            // sampling, counters, watchdog, the options' window
  harness::DelayCalibration calibration;

  // True when this run asks for the named level.
  [[nodiscard]] bool runs(std::string_view level) const;
  // --synclab_threads capped to the placement's PUs, or 1, 2, 4, … and the PU count.
  [[nodiscard]] std::vector<int> thread_counts() const;
  // The placement's PUs, in its order.
  [[nodiscard]] std::vector<int> pus() const;
  // The window of families with many cases that converge fast (rwlocks,
  // channels, padding, ordering, litmus): max(20 ms, duration / 4).
  [[nodiscard]] std::chrono::nanoseconds short_window() const;
  // A driver case of a scenario the family defines itself:
  // family/primitive/scenario/t:N/place:P, pinned by the placement policy.
  [[nodiscard]] CaseSetup scenario(std::string_view family, std::string_view primitive, std::string_view scenario,
                                   int threads, bool oversubscribed = false) const;
  // The name of a case a family measures itself (no driver).
  [[nodiscard]] std::string case_name(std::string_view family, std::string_view primitive, std::string_view scenario,
                                      int threads) const;
};

struct Family {
  std::string_view name;
  std::span<const std::string_view> levels;  // the named levels it maps onto scenarios; empty: runs every level
  bool custom_level;                         // runs --synclab_cs_ns/think_ns/cs_lines levels
  void (*register_cases)(const FamilyContext&);

  [[nodiscard]] bool takes(std::string_view level) const;
  // Its levels, every named level of the model when it runs them all.
  [[nodiscard]] std::vector<std::string_view> level_names() const;
};

// Every family of this binary, in registration order (family_table.cpp).
std::span<const Family> all_families();

struct FamilySelection {
  std::vector<std::string> families;  // empty: every family
  [[nodiscard]] bool selected(std::string_view family) const;
};

// Consumes --synclab_families=LIST from argv; call it before
// parse_suite_options, which rejects --synclab_ flags it does not know.
// Throws harness::UsageError for an unknown family or an empty list.
FamilySelection take_families_flag(int& argc, char** argv);

// Throws harness::UsageError when a family named in the selection cannot run
// a level named in --synclab_contention (or the custom level).
void check_levels(const FamilySelection& selection, const harness::SuiteOptions& options);

// `accept`, further restricted to the selected families.
std::function<bool(const std::string&)> restrict_to_families(FamilySelection selection,
                                                            std::function<bool(const std::string&)> accept);

}  // namespace synclab::bench
