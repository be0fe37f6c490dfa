// rwlock_workload.hpp — one operation of the rwlocks family: a read (shared
// lock) or a write (exclusive lock) of shared data, chosen at random with a
// fixed read share, at one of the contention levels (contention.hpp).
//
// Each operation is a read with probability read_percent / 100, drawn from a
// per-worker generator seeded by the worker index, so a case makes the same
// sequence of choices on every run. A read takes the lock shared, checks
// that the protected lines all hold the same value, does the level's cs_ns
// of work, checks the lines again (unchanged) and releases. A write takes
// the lock exclusive, stores the next value into the first line, does the
// cs_ns of work, stores the same value into the other lines and releases. A
// reader that ever sees two different values, or a change during its
// section, overlapped a writer: the case fails. After the window the lines
// must all equal the number of writes, or two writers overlapped.
//
// The protected lines are plain memory (never atomics): the lock alone must
// order them, so under ThreadSanitizer a lock whose release / acquire
// pairing is wrong is reported as a data race. There are at least two lines
// (max(2, cs_lines), at most kMaxPatternLines), each on its own cache line,
// so a mixed pattern is visible and each write moves real lines.
//
// Waits: a writer's acquisition (lock() call to return) is timed on every
// write, because the tail and the maximum (starvation) are the point; a
// reader's is timed on one read in kReadSampleEvery, since reads can cost
// less than two clock reads. Owner changes between writers count as
// handoffs, and the writers' acquisitions feed an OwnershipTrail
// (handoff_ratio, run lengths, short-term Jain over write acquisitions).
// Extra metrics (extra_metrics): read_ops_per_sec, write_ops_per_sec,
// reader_wait_* and writer_wait_* percentiles (each present only when that
// kind of operation happened; none of the writer ones at reads:100).
//
// Layout: the lock and the protected data each start a block of
// padding::kDefaultPadding bytes, as in the lock family.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synclab/harness/clock.hpp"
#include "synclab/harness/contention.hpp"
#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/histogram.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/ownership_trail.hpp"
#include "synclab/padding/padded.hpp"
#include "synclab/rwlocks/concepts.hpp"

namespace synclab::harness {

// The read shares the family is measured at, in percent: read-mostly (99)
// and mixed (50) always, the others only with sweeps.
inline constexpr std::array<int, 4> kRwReadPercents = {100, 99, 90, 50};
inline constexpr bool is_key_read_share(int percent) { return percent == 99 || percent == 50; }

// A small deterministic generator (xorshift64*), one per worker.
class OpChooser {
 public:
  explicit OpChooser(int worker) : state_(0x9E3779B97F4A7C15ull * (static_cast<std::uint64_t>(worker) + 1)) {}

  // True with probability percent / 100.
  bool chance(int percent) {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return ((state_ * 0x2545F4914F6CDD1Dull) >> 32) % 100 < static_cast<std::uint64_t>(percent);
  }

 private:
  std::uint64_t state_;
};

template <rwlocks::RwLockable L>
class RwLockWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<L>;
  static constexpr std::uint32_t kMaxPatternLines = 8;
  static constexpr std::uint64_t kReadSampleEvery = 64;  // a power of two

  RwLockWorkload(const ContentionLevel& level, const DelayCalibration& calibration, int read_percent, int threads)
      : read_percent_(read_percent),
        pattern_lines_(std::clamp<std::uint32_t>(level.cs_lines, 2, kMaxPatternLines)),
        cs_iterations_(calibration.iterations_for_ns(level.cs_ns)),
        think_iterations_(calibration.iterations_for_ns(level.think_ns)) {
    data_.value.trail.emplace(threads);
    workers_.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) workers_.emplace_back(i);
  }

  void operation(WorkerContext& ctx) {
    Worker& me = workers_[static_cast<std::size_t>(ctx.index)];
    if (me.chooser.chance(read_percent_))
      read(me);
    else
      write(ctx, me);
  }

  void think(WorkerContext&) { spin_iterations(think_iterations_); }
  [[nodiscard]] bool counts_handoffs() const { return true; }  // between writers

  // Empty when every read saw one writer's complete pattern and the writes
  // add up; otherwise what went wrong. Call after the run.
  [[nodiscard]] std::string verify(const RunResult&) const {
    std::uint64_t overlaps = 0;
    for (const Worker& w : workers_) overlaps += w.overlaps;
    if (overlaps != 0)
      return "readers overlapped a writer: " + std::to_string(overlaps) + " reads saw a mixed or changing pattern";
    const std::uint64_t writes = total_writes();
    for (std::uint32_t i = 0; i < pattern_lines_; ++i)
      if (data_.value.lines[i].value != writes)
        return "writers overlapped: line " + std::to_string(i) + " holds " + std::to_string(data_.value.lines[i].value) +
               " after " + std::to_string(writes) + " writes";
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    LatencyHistogram read_wait;
    LatencyHistogram write_wait;
    std::uint64_t reads = 0;
    for (const Worker& w : workers_) {
      read_wait.merge(w.read_wait);
      write_wait.merge(w.write_wait);
      reads += w.reads;
    }
    Metrics m;
    put(m, "read_ops_per_sec", per_second(static_cast<double>(reads), run.elapsed_s));
    put(m, "write_ops_per_sec", per_second(static_cast<double>(total_writes()), run.elapsed_s));
    put_latency(m, "reader_wait", read_wait);
    put_latency(m, "writer_wait", write_wait);
    const Metrics trail = data_.value.trail->metrics();
    m.insert(m.end(), trail.begin(), trail.end());
    return m;
  }

  [[nodiscard]] std::uint64_t total_writes() const {
    std::uint64_t writes = 0;
    for (const Worker& w : workers_) writes += w.writes;
    return writes;
  }

 private:
  struct alignas(128) Worker {
    explicit Worker(int index) : chooser(index) {}
    OpChooser chooser;
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t overlaps = 0;
    LatencyHistogram read_wait;
    LatencyHistogram write_wait;
  };
  struct alignas(64) Line {
    std::uint64_t value = 0;
  };
  struct Protected {
    std::optional<OwnershipTrail> trail;  // of write acquisitions
    std::array<Line, kMaxPatternLines> lines{};
  };

  // True if every line holds `value`.
  [[nodiscard]] bool pattern_is(std::uint64_t value) const {
    for (std::uint32_t i = 0; i < pattern_lines_; ++i)
      if (data_.value.lines[i].value != value) return false;
    return true;
  }

  void read(Worker& me) {
    const bool timed = me.reads % kReadSampleEvery == 0;
    const std::uint64_t t0 = timed ? now_ns() : 0;
    lock_.value.lock_shared();
    if (timed) me.read_wait.record(now_ns() - t0);
    const std::uint64_t seen = data_.value.lines[0].value;
    bool consistent = pattern_is(seen);
    spin_iterations(cs_iterations_);
    // Compiler-only barrier: the second check must reload the lines even when
    // the work loop runs zero iterations. It emits nothing and orders nothing
    // between threads.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    consistent = pattern_is(seen) && consistent;
    lock_.value.unlock_shared();
    if (!consistent) ++me.overlaps;
    ++me.reads;
  }

  void write(WorkerContext& ctx, Worker& me) {
    const std::uint64_t t0 = now_ns();
    lock_.value.lock();
    me.write_wait.record(now_ns() - t0);
    Protected& data = data_.value;
    if (data.trail->acquired(ctx.index)) ++ctx.handoffs;
    const std::uint64_t next = data.lines[0].value + 1;
    data.lines[0].value = next;
    spin_iterations(cs_iterations_);  // a reader let in now sees line 0 ahead of the others
    for (std::uint32_t i = 1; i < pattern_lines_; ++i) data.lines[i].value = next;
    lock_.value.unlock();
    ++me.writes;
  }

  const int read_percent_;
  const std::uint32_t pattern_lines_;
  const std::uint64_t cs_iterations_;
  const std::uint64_t think_iterations_;
  padding::Padded<L> lock_;
  padding::Padded<Protected> data_;
  std::vector<Worker> workers_;
};

}  // namespace synclab::harness
