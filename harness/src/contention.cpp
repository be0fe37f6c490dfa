#include "synclab/harness/contention.hpp"

#include <array>

namespace synclab::harness {
namespace {

// Kept in step with docs/contention.md.
constexpr std::array kLevels = {
    // Lock and unlock with nothing in between, one thread: the fast path.
    ContentionLevel{.name = "uncontended", .cs_ns = 0, .cs_lines = 1, .think_ns = 0, .single_thread = true},
    // Threads mostly think; the lock is rarely found taken.
    ContentionLevel{.name = "low", .cs_ns = 25, .cs_lines = 1, .think_ns = 2000},
    // Critical section a fifth of the cycle: queueing starts with a few threads.
    ContentionLevel{.name = "medium", .cs_ns = 100, .cs_lines = 2, .think_ns = 400},
    // No think time: every thread wants the lock all the time.
    ContentionLevel{.name = "high", .cs_ns = 50, .cs_lines = 2, .think_ns = 0},
    // Four threads per PU: lock holders get preempted, spinners burn their slice.
    ContentionLevel{.name = "oversubscribed", .cs_ns = 50, .cs_lines = 2, .think_ns = 100, .per_pu_factor = 4},
    // `high` at 0.5, 1, 2 and 4 threads per PU: where lock-holder preemption
    // and convoys set in, and what they cost in CPU time per operation.
    ContentionLevel{.name = "oversub_sweep", .cs_ns = 50, .cs_lines = 2, .think_ns = 0, .pu_sweep = true},
};

}  // namespace

std::span<const ContentionLevel> contention_levels() { return kLevels; }

std::optional<ContentionLevel> find_contention_level(std::string_view name) {
  for (const ContentionLevel& l : kLevels)
    if (l.name == name) return l;
  return std::nullopt;
}

}  // namespace synclab::harness
