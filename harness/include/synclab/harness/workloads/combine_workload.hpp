// combine_workload.hpp — the lock scenario's operation with the critical
// section handed over as a function: lock_combine(section), then think.
//
// The section is the lock workload's (lock_workload.hpp), written once as a
// lambda: record the acquisition in the OwnershipTrail on behalf of the
// calling worker, increment `cs_lines` shared cache lines, spin `cs_ns` of
// calibrated work, and return what it saw. A combining lock may run it on
// another thread (the combiner); every other lock runs it in place between
// lock() and unlock() (locks::LockThenRun). So the same section, built the
// same way, is measured through every lock.
//
// What it returns, and what is checked: the protected counter's value after
// this call's increment and whether the call changed the owner in the trail.
// The caller counts the handoff from that (a worker's context is never
// written by another thread), and checks that the counter it got back is
// above the last one it got: a result delivered to the wrong caller, or a
// call returned before its section ran, breaks that order sooner or later.
// verify() fails the case when the protected counter misses an operation
// (every section applied exactly once) or a result was out of order.
//
// handoff_ratio under combining: the trail sees the requesters in the order
// their sections ran, so an owner change is a change of requester, not a
// move of the lock or the data between cores: a combiner that serves the
// other worker's request keeps the lines in its own cache. The ratio reads
// the same as for a plain lock (how often consecutive sections belong to
// different threads); the figures should be read with that in mind.
//
// Layout: the lock, the protected data and the per-worker last-seen counters
// each start on their own padding block, as in the lock workload.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synclab/concepts.hpp"
#include "synclab/harness/contention.hpp"
#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/futex_source.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/ownership_trail.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::harness {

template <Combinable C>
class CombineWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<C>;
  static constexpr std::uint32_t kMaxCsLines = 8;

  CombineWorkload(const ContentionLevel& level, const DelayCalibration& calibration, int threads = 1,
                  std::optional<double> oneway_ns = std::nullopt)
      : data_(std::in_place, threads),
        last_seen_(static_cast<std::size_t>(std::max(threads, 1))),
        cs_lines_(std::min(level.cs_lines, kMaxCsLines)),
        cs_iterations_(calibration.iterations_for_ns(level.cs_ns)),
        think_iterations_(calibration.iterations_for_ns(level.think_ns)),
        oneway_ns_(oneway_ns) {}

  void operation(WorkerContext& ctx) {
    Protected& d = data_.value;
    const int index = ctx.index;
    const std::uint32_t lines = cs_lines_;
    const std::uint64_t iterations = cs_iterations_;
    const Outcome out = lock_.value.lock_combine([&d, index, lines, iterations]() noexcept {
      Outcome o;
      o.handoff = d.trail.acquired(index);
      for (std::uint32_t i = 0; i < lines; ++i) ++d.lines[i].value;
      o.count = d.lines[0].value;
      spin_iterations(iterations);
      return o;
    });
    if (out.handoff) ++ctx.handoffs;
    Seen& seen = last_seen_[static_cast<std::size_t>(index)].value;
    if (out.count <= seen.count) ++seen.out_of_order;
    seen.count = out.count;
  }

  void think(WorkerContext&) { spin_iterations(think_iterations_); }
  [[nodiscard]] bool counts_handoffs() const { return true; }

  // Every section applied exactly once, every result delivered to its caller.
  [[nodiscard]] std::string verify(const RunResult& run) const {
    const std::uint64_t counted = data_.value.lines[0].value;
    if (counted != run.total_ops())
      return "lock_combine: " + std::to_string(counted) + " protected increments for " +
             std::to_string(run.total_ops()) + " operations (a section lost, repeated or overlapped)";
    std::uint64_t out_of_order = 0;
    for (const auto& s : last_seen_) out_of_order += s.value.out_of_order;
    if (out_of_order != 0)
      return "lock_combine: " + std::to_string(out_of_order) +
             " results not above the caller's previous one (delivered to the wrong caller, or before the "
             "section ran)";
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    return ownership_metrics(data_.value.trail, run, oneway_ns_);
  }

 private:
  struct Outcome {
    std::uint64_t count = 0;
    bool handoff = false;
  };
  struct alignas(64) Line {
    std::uint64_t value = 0;
  };
  struct Protected {
    explicit Protected(int threads) : trail(threads) {}
    OwnershipTrail trail;
    std::array<Line, kMaxCsLines> lines{};
  };
  struct Seen {
    std::uint64_t count = 0;
    std::uint64_t out_of_order = 0;
  };

  padding::Padded<C> lock_;
  padding::Padded<Protected> data_;
  std::vector<padding::Padded<Seen>> last_seen_;
  const std::uint32_t cs_lines_;
  const std::uint64_t cs_iterations_;
  const std::uint64_t think_iterations_;
  const std::optional<double> oneway_ns_;
};

}  // namespace synclab::harness
