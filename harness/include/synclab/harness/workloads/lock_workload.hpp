// lock_workload.hpp — one operation of the lock family: acquire, do the
// critical-section work on shared data, release, then think.
//
// The protected data is plain memory (never atomics): the lock alone must
// order it, so the same workload doubles as a correctness check under
// ThreadSanitizer. Inside the section the holder records an owner change
// (a handoff) when the previous holder was another thread, and writes
// `cs_lines` cache lines of shared data so each handoff moves real lines.
// The lock lives on its own cache line, apart from the data it protects, so
// lock-word traffic and data traffic can be told apart in counters; putting
// them together is a layout variant, not the default.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "synclab/concepts.hpp"
#include "synclab/harness/contention.hpp"
#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"

namespace synclab::harness {

template <Lockable L>
class LockWorkload {
 public:
  static constexpr std::uint32_t kMaxCsLines = 8;

  LockWorkload(const ContentionLevel& level, const DelayCalibration& calibration)
      : cs_lines_(std::min(level.cs_lines, kMaxCsLines)),
        cs_iterations_(calibration.iterations_for_ns(level.cs_ns)),
        think_iterations_(calibration.iterations_for_ns(level.think_ns)) {}

  void operation(WorkerContext& ctx) {
    lock_.lock();
    if (data_.last_owner != ctx.index) {
      ++ctx.handoffs;
      data_.last_owner = ctx.index;
    }
    for (std::uint32_t i = 0; i < cs_lines_; ++i) ++data_.lines[i].value;
    spin_iterations(cs_iterations_);
    lock_.unlock();
  }

  void think(WorkerContext&) { spin_iterations(think_iterations_); }

  // Total increments of the first line: equals the operations performed when
  // the lock provides mutual exclusion. Read only after the run.
  [[nodiscard]] std::uint64_t protected_count() const { return data_.lines[0].value; }

 private:
  struct alignas(64) Line {
    std::uint64_t value = 0;
  };
  struct Protected {
    int last_owner = -1;
    std::array<Line, kMaxCsLines> lines{};
  };

  alignas(64) L lock_;
  alignas(64) Protected data_;
  const std::uint32_t cs_lines_;
  const std::uint64_t cs_iterations_;
  const std::uint64_t think_iterations_;
};

}  // namespace synclab::harness
