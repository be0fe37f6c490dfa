// ownership_trail.hpp — short-term fairness of a lock, read from the order in
// which threads acquired it.
//
// Jain's index over a whole window only says that every thread got its share
// by the end: a lock whose holder re-takes it a thousand times in a row
// before another thread gets a turn scores as well as a strict FIFO lock.
// The trail looks at the sequence of owners instead (docs/metrics.md):
//
//   handoff_ratio        acquisitions that changed owner / acquisitions: 1 for
//                        strict round-robin, (t−1)/t when every acquisition
//                        goes to a thread drawn at random, near 0 for a lock
//                        that batches
//   run_length_mean/max  consecutive acquisitions by one thread
//   fairness_jain_short  Jain's index over each block of kBlockPerThread × t
//                        consecutive acquisitions, averaged over the blocks
//
// The holder calls acquired() inside its critical section, so the trail's
// shared state is plain data ordered by the lock under test, like the rest
// of the protected data, and lives on the line the workload already writes
// to record the last owner. Each thread's own acquisition count sits on its
// own padded line and is written only by that thread, inside its critical
// section; the holder that closes a block reads every count, which is
// race-free because each count was written in a critical section that
// happened before the current one. So an acquisition costs a few plain
// writes to lines the holder already owns, plus one cross-thread read of t
// lines once per block.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "synclab/harness/metrics.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::harness {

class OwnershipTrail {
 public:
  // A block has this many acquisitions per thread: large enough that a
  // random order scores ≈ 0.99 (Binomial noise), small enough that a holder
  // re-taking the lock for a whole block scores 1/t.
  static constexpr std::uint64_t kBlockPerThread = 64;

  explicit OwnershipTrail(int threads)
      : counts_(static_cast<std::size_t>(std::max(threads, 1))),
        counts_at_block_start_(counts_.size(), 0),
        block_size_(kBlockPerThread * counts_.size()) {}

  // Records an acquisition by `owner` (0 … threads−1); true when the owner
  // changed, the very first acquisition included. Call with the lock held.
  bool acquired(int owner) {
    State& s = state_;
    const bool changed = owner != s.last_owner;
    if (changed) {
      if (s.last_owner >= 0) ++s.handoffs;
      s.max_run = std::max(s.max_run, s.run);
      s.run = 0;
      s.last_owner = owner;
    }
    ++s.run;
    ++s.acquisitions;
    ++counts_[static_cast<std::size_t>(owner)].value;
    if (++s.in_block == block_size_) close_block();
    return changed;
  }

  // handoff_ratio, run_length_mean, run_length_max and fairness_jain_short,
  // each present only when it was measured (the last one needs one complete
  // block). Read after the run.
  [[nodiscard]] Metrics metrics() const {
    const State& s = state_;
    Metrics m;
    const double acquisitions = static_cast<double>(s.acquisitions);
    if (s.acquisitions == 0) return m;
    put(m, "handoff_ratio", per(static_cast<double>(s.handoffs), acquisitions - 1));
    m.emplace_back("run_length_mean", acquisitions / static_cast<double>(s.handoffs + 1));
    m.emplace_back("run_length_max", static_cast<double>(std::max(s.max_run, s.run)));
    put(m, "fairness_jain_short", per(s.block_jain_sum, static_cast<double>(s.blocks)));
    return m;
  }

  [[nodiscard]] std::uint64_t acquisitions() const { return state_.acquisitions; }

 private:
  struct State {
    int last_owner = -1;
    std::uint64_t run = 0;
    std::uint64_t max_run = 0;
    std::uint64_t acquisitions = 0;
    std::uint64_t handoffs = 0;
    std::uint64_t in_block = 0;
    std::uint64_t blocks = 0;
    double block_jain_sum = 0;
  };
  void close_block() {
    double sum = 0, sum_sq = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      const double x = static_cast<double>(counts_[i].value - counts_at_block_start_[i]);
      counts_at_block_start_[i] = counts_[i].value;
      sum += x;
      sum_sq += x * x;
    }
    state_.block_jain_sum += sum * sum / (static_cast<double>(counts_.size()) * sum_sq);
    ++state_.blocks;
    state_.in_block = 0;
  }

  State state_;
  std::vector<padding::Padded<std::uint64_t>> counts_;
  std::vector<std::uint64_t> counts_at_block_start_;
  const std::uint64_t block_size_;
};

// A lock case's ownership figures: the trail's, and with two or more workers
// and a measured one-way latency, the handoff reading (metrics.hpp).
inline Metrics ownership_metrics(const OwnershipTrail& trail, const RunResult& run,
                                 const std::optional<double>& oneway_ns) {
  Metrics m = trail.metrics();
  if (oneway_ns && run.workers.size() >= 2) {
    const Metrics h = handoff_metrics(run, *oneway_ns);
    m.insert(m.end(), h.begin(), h.end());
  }
  return m;
}

}  // namespace synclab::harness
