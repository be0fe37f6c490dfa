// semaphore_workload.hpp — one operation of the semaphore cases of the lock
// family: acquire a permit, do the critical-section work, release it, think
// (docs/semaphores.md).
//
// The semaphore starts with K permits (the case's /permits:K), so up to K
// workers may be inside at once. Inside, a worker counts itself in a shared
// `holders` counter (relaxed fetch_add: the value it returns is the number of
// holders including this one, and a correct semaphore orders the previous
// holder's fetch_sub before it through release/acquire), remembers the largest
// number it saw, then does the level's work: cs_ns of calibrated delay and
// cs_lines shared lines incremented (relaxed atomics, since K > 1 holders
// write them together), and counts itself out before releasing.
//
// With one permit the semaphore is a lock, and the holder also records its
// acquisition in an OwnershipTrail (handoff_ratio, run lengths, short-term
// Jain), plain data ordered by the semaphore; with more permits holders
// overlap and there is no single owner to follow.
//
// Layout: the semaphore, the holder count, the lines and the trail each start
// a block of padding::kDefaultPadding bytes, as in the lock family.
//
// After the window: the largest number of holders seen must not exceed K, no
// holder may be left inside, and exactly K permits must be available (drained
// with try_acquire and put back): a lost or duplicated permit fails the case.
// Nobody sleeps at the end of the window (every holder releases before it
// looks at the stop flag), so no end_window() is needed.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synclab/harness/contention.hpp"
#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/ownership_trail.hpp"
#include "synclab/padding/padded.hpp"
#include "synclab/semaphores/concepts.hpp"

namespace synclab::harness {

template <semaphores::CountingSemaphore S>
class SemaphoreWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<S>;
  static constexpr std::uint32_t kMaxCsLines = 8;

  SemaphoreWorkload(const ContentionLevel& level, const DelayCalibration& calibration, int threads, int permits)
      : permits_(permits),
        cs_lines_(std::min(level.cs_lines, kMaxCsLines)),
        cs_iterations_(calibration.iterations_for_ns(level.cs_ns)),
        think_iterations_(calibration.iterations_for_ns(level.think_ns)),
        semaphore_(permits),
        most_seen_(static_cast<std::size_t>(threads)) {
    if (permits == 1) trail_.value.emplace(threads);
  }

  void operation(WorkerContext& ctx) {
    semaphore_.acquire();
    const std::uint32_t inside = holders_.fetch_add(1, std::memory_order_relaxed) + 1;
    std::uint32_t& most = most_seen_[static_cast<std::size_t>(ctx.index)].value;
    if (inside > most) most = inside;
    if (trail_.value && trail_.value->acquired(ctx.index)) ++ctx.handoffs;
    for (std::uint32_t i = 0; i < cs_lines_; ++i) lines_[i].value.fetch_add(1, std::memory_order_relaxed);
    spin_iterations(cs_iterations_);
    holders_.fetch_sub(1, std::memory_order_relaxed);
    semaphore_.release();
  }

  void think(WorkerContext&) { spin_iterations(think_iterations_); }
  [[nodiscard]] bool counts_handoffs() const { return trail_.value.has_value(); }

  [[nodiscard]] std::uint32_t most_holders() const {
    std::uint32_t most = 0;
    for (const auto& m : most_seen_) most = std::max(most, m.value);
    return most;
  }

  // After the run, with every worker joined.
  [[nodiscard]] std::string verify(const RunResult&) {
    if (most_holders() > static_cast<std::uint32_t>(permits_))
      return "semaphore admitted " + std::to_string(most_holders()) + " holders at once with " +
             std::to_string(permits_) + " permits";
    if (holders_.load(std::memory_order_relaxed) != 0) return "a holder was left inside after the run";
    int available = 0;
    while (available <= permits_ && semaphore_.try_acquire()) ++available;
    for (int i = 0; i < available; ++i) semaphore_.release();
    if (available != permits_)
      return std::to_string(available) + " permits available after the run, " + std::to_string(permits_) + " expected";
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult&) const {
    Metrics m{{"permits", static_cast<double>(permits_)}, {"max_holders", static_cast<double>(most_holders())}};
    if (trail_.value) {
      const Metrics trail = trail_.value->metrics();
      m.insert(m.end(), trail.begin(), trail.end());
    }
    return m;
  }

 private:
  struct alignas(64) Line {
    std::atomic<std::uint64_t> value{0};
  };
  struct alignas(128) PerWorker {
    std::uint32_t value = 0;
  };

  const int permits_;
  const std::uint32_t cs_lines_;
  const std::uint64_t cs_iterations_;
  const std::uint64_t think_iterations_;
  alignas(padding::kDefaultPadding) S semaphore_;
  alignas(padding::kDefaultPadding) std::atomic<std::uint32_t> holders_{0};
  alignas(padding::kDefaultPadding) std::array<Line, kMaxCsLines> lines_{};
  padding::Padded<std::optional<OwnershipTrail>> trail_;
  std::vector<PerWorker> most_seen_;
};

}  // namespace synclab::harness
