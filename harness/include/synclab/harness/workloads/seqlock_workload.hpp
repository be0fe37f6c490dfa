// seqlock_workload.hpp — the seqlock cases of the locks family: one writer
// storing a checked 64-byte value over and over, readers loading it.
//
// Roles: with two or more workers, worker 0 is the writer and every other
// worker a reader; with one worker it is a reader and nothing writes (the
// read fast path). Between two operations every worker thinks for the
// level's think_ns, so the level sets how often the writer writes (at
// `high` it never pauses, the worst case for readers). The level's cs_ns is
// not used: a seqlock write is the copy of the value, there is no user work
// inside it.
//
// The value is 8 words: the version (the writer's store count), six words
// derived from the version, and a checksum of the first seven. A reader
// recomputes all of it: a copy mixing two stores (a torn read) fails the
// check, and so does a version lower than one the same reader saw before
// (a load that went back in time). Either fails the case.
//
// Extra metrics (extra_metrics): read_ops_per_sec, write_ops_per_sec and
// read_retries_per_read (copies discarded because a write overlapped or was
// in progress, per completed load; absent when nobody read).
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <string>
#include <vector>

#include "synclab/harness/contention.hpp"
#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::harness {

struct SeqlockPayload {
  std::array<std::uint64_t, 8> words{};

  static constexpr std::uint64_t derived(std::uint64_t version, std::size_t i) {
    std::uint64_t z = version + 0x9E3779B97F4A7C15ull * (i + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    return z ^ (z >> 31);
  }
  static constexpr std::uint64_t checksum(const std::array<std::uint64_t, 8>& w) {
    std::uint64_t sum = 0xC2B2AE3D27D4EB4Full;
    for (std::size_t i = 0; i + 1 < w.size(); ++i) sum = (sum ^ w[i]) * 0x100000001B3ull + i;
    return sum;
  }
  static constexpr SeqlockPayload make(std::uint64_t version) {
    SeqlockPayload p;
    p.words[0] = version;
    for (std::size_t i = 1; i + 1 < p.words.size(); ++i) p.words[i] = derived(version, i);
    p.words.back() = checksum(p.words);
    return p;
  }
  [[nodiscard]] constexpr std::uint64_t version() const { return words[0]; }
  // True if the words are one whole make(version()).
  [[nodiscard]] constexpr bool intact() const {
    for (std::size_t i = 1; i + 1 < words.size(); ++i)
      if (words[i] != derived(words[0], i)) return false;
    return words.back() == checksum(words);
  }
};

// S: store(const SeqlockPayload&) and load(std::uint64_t& retries), such as
// seqlock::SeqLock<SeqlockPayload>.
template <class S>
concept SeqlockOf = requires(S& s, const SeqlockPayload& p, std::uint64_t& retries) {
  s.store(p);
  { s.load(retries) } -> std::same_as<SeqlockPayload>;
};

template <SeqlockOf S>
class SeqlockWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<S>;
  SeqlockWorkload(const ContentionLevel& level, const DelayCalibration& calibration, int threads)
      : has_writer_(threads > 1), think_iterations_(calibration.iterations_for_ns(level.think_ns)) {
    workers_.resize(static_cast<std::size_t>(threads));
    lock_.store(SeqlockPayload::make(0));  // version 0, intact: what a reader sees before the first write
  }

  void operation(WorkerContext& ctx) {
    Worker& me = workers_[static_cast<std::size_t>(ctx.index)];
    if (has_writer_ && ctx.index == 0) {
      lock_.store(SeqlockPayload::make(++me.writes));
      return;
    }
    const SeqlockPayload p = lock_.load(me.retries);
    if (!p.intact()) ++me.torn;
    if (p.version() < me.last_version) ++me.went_back;
    me.last_version = p.version();
    ++me.reads;
  }

  void think(WorkerContext&) { spin_iterations(think_iterations_); }

  // Empty when every load returned one whole stored value, never an older
  // one than before on the same reader; otherwise what went wrong.
  [[nodiscard]] std::string verify(const RunResult&) const {
    std::uint64_t torn = 0, went_back = 0;
    for (const Worker& w : workers_) {
      torn += w.torn;
      went_back += w.went_back;
    }
    if (torn != 0) return "torn reads: " + std::to_string(torn) + " loads returned a mix of two stores";
    if (went_back != 0) return "stale reads: " + std::to_string(went_back) + " loads returned an older version";
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    std::uint64_t reads = 0, writes = 0, retries = 0;
    for (const Worker& w : workers_) {
      reads += w.reads;
      writes += w.writes;
      retries += w.retries;
    }
    Metrics m;
    put(m, "read_ops_per_sec", per_second(static_cast<double>(reads), run.elapsed_s));
    put(m, "write_ops_per_sec", per_second(static_cast<double>(writes), run.elapsed_s));
    put(m, "read_retries_per_read", per(static_cast<double>(retries), static_cast<double>(reads)));
    return m;
  }

 private:
  struct alignas(128) Worker {
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t retries = 0;
    std::uint64_t torn = 0;
    std::uint64_t went_back = 0;
    std::uint64_t last_version = 0;
  };

  const bool has_writer_;
  const std::uint64_t think_iterations_;
  alignas(padding::kDefaultPadding) S lock_;
  std::vector<Worker> workers_;
};

}  // namespace synclab::harness
