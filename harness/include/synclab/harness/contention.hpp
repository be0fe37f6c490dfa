// contention.hpp — the contention model shared by every family.
//
// A scenario fixes how hard threads fight over a primitive:
//   cs_ns        work done while holding it (calibrated delay), ns
//   cs_lines     shared cache lines written inside the critical section, so
//                the protected data moves between cores as real data would
//   think_ns     work done between two operations, outside it, ns
//   threads      `single` runs at t:1 only; `per_pu_factor` replaces the
//                thread list with factor × the PUs of the placement;
//                `pu_sweep` replaces it with each oversubscription factor of
//                the options (--synclab_oversubscription, default 0.5, 1, 2,
//                4) × the PUs: one case per factor, named by its thread count
// The named levels and their numbers are documented in docs/contention.md;
// change both together.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace synclab::harness {

struct ContentionLevel {
  std::string_view name;
  std::uint64_t cs_ns = 0;
  std::uint32_t cs_lines = 1;
  std::uint64_t think_ns = 0;
  bool single_thread = false;
  int per_pu_factor = 0;  // 0: use the requested thread counts
  bool pu_sweep = false;  // threads: every oversubscription factor × PUs
};

std::span<const ContentionLevel> contention_levels();
std::optional<ContentionLevel> find_contention_level(std::string_view name);

}  // namespace synclab::harness
