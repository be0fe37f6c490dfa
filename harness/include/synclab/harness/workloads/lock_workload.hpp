// lock_workload.hpp — one operation of the lock family: acquire, do the
// critical-section work on shared data, release, then think.
//
// The protected data is plain memory (never atomics): the lock alone must
// order it, so the same workload doubles as a correctness check under
// ThreadSanitizer, and verify() fails the case when the protected count
// misses an operation. Inside the section the holder records the
// acquisition in an OwnershipTrail (owner changes, run lengths, short-term
// fairness) and writes `cs_lines` cache lines of shared data so each handoff
// moves real lines.
//
// Layout: the lock and the protected data each start on their own block of
// padding::kDefaultPadding bytes (128 on x86-64: the adjacent-line prefetcher
// pairs lines), so lock-word traffic and data traffic can be told apart in
// counters; the constant is recorded in the results context.
//
// A node-passing queue lock (NodeLockable: MCS, CLH) is driven directly, each
// worker bringing its own node, so its cost can be read beside the same lock
// lifted to Lockable by the thread-local adapter.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "synclab/concepts.hpp"
#include "synclab/harness/contention.hpp"
#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/ownership_trail.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::harness {

// How a worker takes and releases a lock: directly for a Lockable, with the
// worker's own node for a NodeLockable.
template <class L>
struct LockAccess;

template <Lockable L>
struct LockAccess<L> {
  explicit LockAccess(int /*threads*/) {}
  void lock(L& l, int) { l.lock(); }
  void unlock(L& l, int) { l.unlock(); }
};

template <NodeLockable L>
  requires(!Lockable<L>)
struct LockAccess<L> {
  explicit LockAccess(int threads) : nodes(static_cast<std::size_t>(std::max(threads, 1))) {}
  void lock(L& l, int worker) { l.lock(nodes[static_cast<std::size_t>(worker)].value); }
  void unlock(L& l, int worker) { l.unlock(nodes[static_cast<std::size_t>(worker)].value); }
  std::vector<padding::Padded<typename L::node_type>> nodes;
};

template <class L>
concept DrivableLock = Lockable<L> || NodeLockable<L>;

template <DrivableLock L>
class LockWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<L>;
  static constexpr std::uint32_t kMaxCsLines = 8;

  // `oneway_ns`: the one-way cache-line latency between the case's PUs
  // (limits.hpp); with it, extra_metrics adds oneway_ns and handoff_efficiency.
  LockWorkload(const ContentionLevel& level, const DelayCalibration& calibration, int threads = 1,
               std::optional<double> oneway_ns = std::nullopt)
      : access_(threads),
        data_(std::in_place, threads),
        cs_lines_(std::min(level.cs_lines, kMaxCsLines)),
        cs_iterations_(calibration.iterations_for_ns(level.cs_ns)),
        think_iterations_(calibration.iterations_for_ns(level.think_ns)),
        oneway_ns_(oneway_ns) {}

  void operation(WorkerContext& ctx) {
    access_.lock(lock_.value, ctx.index);
    Protected& d = data_.value;
    if (d.trail.acquired(ctx.index)) ++ctx.handoffs;
    for (std::uint32_t i = 0; i < cs_lines_; ++i) ++d.lines[i].value;
    spin_iterations(cs_iterations_);
    access_.unlock(lock_.value, ctx.index);
  }

  void think(WorkerContext&) { spin_iterations(think_iterations_); }
  [[nodiscard]] bool counts_handoffs() const { return true; }

  // The protected counter must account for every operation.
  [[nodiscard]] std::string verify(const RunResult& run) const {
    const std::uint64_t counted = data_.value.lines[0].value;
    if (counted == run.total_ops()) return {};
    return "mutual exclusion violated: " + std::to_string(counted) + " protected increments for " +
           std::to_string(run.total_ops()) + " operations";
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    return ownership_metrics(data_.value.trail, run, oneway_ns_);
  }

 private:
  struct alignas(64) Line {
    std::uint64_t value = 0;
  };
  struct Protected {
    explicit Protected(int threads) : trail(threads) {}
    OwnershipTrail trail;
    std::array<Line, kMaxCsLines> lines{};
  };

  padding::Padded<L> lock_;
  LockAccess<L> access_;
  padding::Padded<Protected> data_;
  const std::uint32_t cs_lines_;
  const std::uint64_t cs_iterations_;
  const std::uint64_t think_iterations_;
  const std::optional<double> oneway_ns_;
};

}  // namespace synclab::harness
