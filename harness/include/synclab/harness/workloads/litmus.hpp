// litmus.hpp — memory-model litmus tests run on real threads, with outcome
// histograms (docs/ordering.md has the tables).
//
// Tests (x, y start at 0; r* are the loaded values):
//   sb     store buffering   T0: x=1; r0=y        T1: y=1; r1=x
//   mp     message passing   T0: x=1 (data); y=1 (flag)   T1: r0=y; r1=x
//   lb     load buffering    T0: r0=x; y=1        T1: r1=y; x=1
//   iriw   independent reads of independent writes (4 threads)
//                            T0: x=1   T1: y=1   T2: r0=x; r1=y   T3: r2=y; r3=x
//   2+2w   two writes each   T0: x=1; y=2         T1: y=1; x=2
//                            (outcome: the final x and y)
// Orderings: relaxed (every access relaxed), rel_acq (stores release, loads
// acquire; mp's data accesses relaxed), seq_cst (every access seq_cst).
//
// An outcome is its values in order: "r0r1" ("10" = r0 1, r1 0), "r0r1r2r3"
// for iriw, "xy" for 2+2w. forbidden: the C++ memory model rules the outcome
// out for that ordering (it is a bug if seen). non-SC: sequential consistency
// rules it out but the ordering allows it (seen or not depends on the
// hardware: sb's "00" shows on x86-64 under relaxed and rel_acq; mp "10",
// lb "11", iriw "1010" and 2+2w "11" cannot show on x86-64's TSO but may on
// arm64).
//
// How a trial is lined up: the threads meet on a spin barrier (a shared
// generation counter); thread 0 then publishes a start time a microsecond
// ahead on the timestamp counter, and each thread runs instance i of the
// round at start + i x step + its own random jitter of up to ~20 ns, so
// instance i of every thread starts at nearly the same instant with a
// randomised offset (16 instances per round; 256 when threads share PUs, as
// iriw's four do on a two-PU machine: a round then costs context switches and
// the lining up is lost anyway). Each instance has its own x and y, on
// separate lines; after a second barrier thread 0 reads every thread's
// registers, counts the outcomes and resets the variables.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synclab/harness/topology.hpp"

namespace synclab::harness {

std::span<const std::string_view> litmus_tests();   // sb, mp, lb, iriw, 2+2w
std::span<const std::string_view> litmus_orders();  // relaxed, rel_acq, seq_cst

// Threads a test needs (4 for iriw, 2 otherwise). Throws std::invalid_argument.
int litmus_threads(std::string_view test);
// Every possible outcome of a test, in a stable order.
std::vector<std::string> litmus_outcomes(std::string_view test);
// Pure tables: whether an outcome is forbidden under `order` / non-SC.
bool litmus_forbidden(std::string_view test, std::string_view order, std::string_view outcome);
bool litmus_non_sc(std::string_view test, std::string_view outcome);

struct LitmusConfig {
  const HwlocTopology* pinner = nullptr;  // nullptr: threads are not pinned
  std::vector<int> pus;                   // one per thread (repeats when oversubscribed)
  std::chrono::nanoseconds window = std::chrono::milliseconds(50);
  std::uint64_t max_trials = 0;  // 0: until the window ends
  std::uint64_t seed = 0x5eed;
};

struct LitmusResult {
  std::vector<std::pair<std::string, std::uint64_t>> outcomes;  // every possible one, litmus_outcomes order
  std::uint64_t trials = 0;
  std::uint64_t forbidden = 0;  // trials whose outcome the model forbids for this ordering
  std::uint64_t non_sc = 0;     // trials whose outcome SC forbids and this ordering allows
  double elapsed_s = 0;
  [[nodiscard]] std::uint64_t count(std::string_view outcome) const;
};

// Runs `test` under `order` for cfg.window (or cfg.max_trials). cfg.pus must
// have litmus_threads(test) entries. Throws std::invalid_argument,
// TopologyError.
LitmusResult run_litmus(std::string_view test, std::string_view order, const LitmusConfig& cfg);

// Rust Atomics and Locks ch. 7 "An Experiment": a spin lock whose
// operations are all relaxed, with only compiler fences (atomic_signal_fence)
// around a load + store increment of a relaxed counter. The memory model
// allows lost increments; x86-64 hardware cannot lose them (its exchange is
// a full barrier and stores are not reordered with older stores); the book
// saw about 0.4 % lost on an Apple M1. Every thread of cfg.pus runs it.
struct RelaxedSpinlockResult {
  std::uint64_t increments = 0;  // critical sections completed
  std::uint64_t counter = 0;     // the counter's final value
  std::uint64_t lost = 0;        // increments - counter
  double elapsed_s = 0;
};
RelaxedSpinlockResult run_relaxed_spinlock(const LitmusConfig& cfg);

}  // namespace synclab::harness
