// padding.hpp — the cache padding and false sharing measurements
// (docs/padding.md).
//
//   distance         two threads on two PUs each write their own counter;
//                    the counters are `bytes` apart (0 = the same counter).
//                    Below the machine's interference distance the writes
//                    contend for one line (or one prefetch pair of lines) and
//                    every write waits for a transfer; above it they run at
//                    the speed of a private write. estimate_interference()
//                    turns a sweep into that distance.
//   ch7              Rust Atomics and Locks ch. 7 "Impact on Performance"
//                    (R-4 ... R-9): one thread loads a variable in a tight
//                    loop while a background thread loads, stores or fails a
//                    compare-exchange on the same variable, on its neighbour
//                    in the same line, or on a variable 128 bytes away.
//   padded counters  per-thread counters (relaxed fetch_add) in an array of
//                    Padded<atomic<uint64_t>, N>: what false sharing costs a
//                    real data structure, and what padding costs in memory.
//   padded locks     an array of Padded<{lock, count}, N>, each thread taking
//                    only its own lock: a dense array of small locks.
//
// The first two run on pinned_loops (no per-operation bookkeeping); the last
// two are driver workloads, so they carry every metric of the lock family.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/topology.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::harness {

// ---- padding/distance -------------------------------------------------------

// 0, 8, 16, ..., 256, then 320, 384, 512.
std::span<const std::size_t> distance_sweep();

struct DistancePoint {
  std::size_t bytes = 0;
  double ns_per_op = 0;    // time of one write of one thread
  double ops_per_sec = 0;  // writes of both threads per second
  std::uint64_t ops = 0;
};

// Two threads pinned to pu_a and pu_b (not pinned when hw is nullptr) write
// counters `bytes` apart (a multiple of 8, at most 512) for `window`. The
// first counter starts a 4 KiB page. Throws TopologyError, std::invalid_argument.
DistancePoint measure_distance(const HwlocTopology* hw, int pu_a, int pu_b, std::size_t bytes,
                               std::chrono::nanoseconds window);

struct InterferenceEstimate {
  std::optional<std::size_t> bytes;  // smallest distance from which no point is slowed down; empty if even the largest is
  double baseline_ns = 0;            // median ns_per_op of the four largest distances
  double max_slowdown = 0;           // worst ns_per_op / baseline over the sweep
};

// Pure: a distance is slowed down when its ns_per_op and that of the next
// shorter distance are both above threshold x baseline (false sharing slows
// every distance below the one where it ends; noise hits single points). 1.25
// sits above the point-to-point noise of a quiet machine (about 10 %) and
// below the smallest false-sharing slowdown seen on a virtual machine whose
// two vCPUs are rarely on a core at the same time (about 1.3x).
inline constexpr double kInterferenceThreshold = 1.25;
InterferenceEstimate estimate_interference(std::span<const DistancePoint> sweep,
                                           double threshold = kInterferenceThreshold);

struct InterferenceConstants {
  std::size_t destructive = 0;   // std::hardware_destructive_interference_size as compiled
  std::size_t constructive = 0;  // std::hardware_constructive_interference_size
  std::optional<std::size_t> coherency_line_size;  // sysfs, cpu0 L1d
  std::size_t reference = 128;   // crossbeam / folly on x86-64 and aarch64
};
InterferenceConstants interference_constants();

// Reads a sysfs coherency_line_size file; empty when absent or malformed.
std::optional<std::size_t> read_coherency_line_size(
    const std::string& path = "/sys/devices/system/cpu/cpu0/cache/index0/coherency_line_size");

// ---- padding/ch7 ------------------------------------------------------------

std::span<const std::string_view> ch7_background_ops();  // load, store, cas_fail
std::span<const std::string_view> ch7_targets();         // same, neighbour, padded

struct Ch7Result {
  double ns_per_load = 0;  // the measured thread's loads
  std::uint64_t loads = 0;
  double background_ops_per_sec = 0;  // 0 without a background thread
};

// The measured thread (pu_main) loads one variable; the background thread
// (pu_background) runs `background_op` on `target`. background_op "none"
// runs the measured thread alone. Throws std::invalid_argument for an
// unknown op or target, TopologyError when a thread cannot be pinned.
Ch7Result measure_ch7(const HwlocTopology* hw, int pu_main, int pu_background, std::string_view background_op,
                      std::string_view target, std::chrono::nanoseconds window);

// ---- padded arrays ----------------------------------------------------------

// n default-constructed Ts at a 256-byte-aligned address, so that element 0
// starts a line (and a line pair) whatever the padding.
template <class T>
class AlignedArray {
 public:
  static constexpr std::size_t kAlign = 256;
  explicit AlignedArray(std::size_t n)
      : n_(n), data_(static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t{kAlign}))) {
    for (std::size_t i = 0; i < n_; ++i) new (data_ + i) T();
  }
  AlignedArray(const AlignedArray&) = delete;
  AlignedArray& operator=(const AlignedArray&) = delete;
  ~AlignedArray() {
    for (std::size_t i = 0; i < n_; ++i) data_[i].~T();
    ::operator delete[](data_, std::align_val_t{kAlign});
  }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }

 private:
  std::size_t n_;
  T* data_;
};

// "" when the workload's own count of increments equals the driver's
// operations, otherwise the mismatch.
inline std::string count_mismatch(std::uint64_t counted, const RunResult& run) {
  if (counted == run.total_ops()) return {};
  return "count mismatch: " + std::to_string(counted) + " increments for " + std::to_string(run.total_ops()) +
         " operations";
}

// One relaxed fetch_add on the worker's own counter per operation.
template <std::size_t N>
class PaddedCountersWorkload {
 public:
  static constexpr bool counts_futex_calls = true;  // plain atomics: no futex call at all
  using Element = padding::Padded<std::atomic<std::uint64_t>, N>;
  static constexpr std::size_t bytes_per_element = sizeof(Element);

  explicit PaddedCountersWorkload(int threads) : counters_(static_cast<std::size_t>(threads)) {}

  void operation(WorkerContext& ctx) {
    counters_[static_cast<std::size_t>(ctx.index)]->fetch_add(1, std::memory_order_relaxed);
  }
  void think(WorkerContext&) {}

  [[nodiscard]] std::uint64_t total() const {
    std::uint64_t t = 0;
    for (std::size_t i = 0; i < counters_.size(); ++i) t += counters_[i]->load(std::memory_order_relaxed);
    return t;
  }

  [[nodiscard]] std::string verify(const RunResult& run) const { return count_mismatch(total(), run); }
  [[nodiscard]] Metrics extra_metrics(const RunResult&) const {
    return {{"bytes_per_element", static_cast<double>(bytes_per_element)}};
  }

 private:
  AlignedArray<Element> counters_;
};

// Each worker locks its own lock of the array, increments the count next to
// it (the layout of a lock that keeps its data beside it) and unlocks.
template <Lockable L, std::size_t N>
class PaddedLocksWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<L>;
  struct Entry {
    L lock;
    std::uint64_t count = 0;
  };
  using Element = padding::Padded<Entry, N>;
  static constexpr std::size_t bytes_per_element = sizeof(Element);

  explicit PaddedLocksWorkload(int threads) : entries_(static_cast<std::size_t>(threads)) {}

  void operation(WorkerContext& ctx) {
    Entry& e = *entries_[static_cast<std::size_t>(ctx.index)];
    e.lock.lock();
    ++e.count;
    e.lock.unlock();
  }
  void think(WorkerContext&) {}

  [[nodiscard]] std::uint64_t total() const {
    std::uint64_t t = 0;
    for (std::size_t i = 0; i < entries_.size(); ++i) t += entries_[i]->count;
    return t;
  }

  [[nodiscard]] std::string verify(const RunResult& run) const { return count_mismatch(total(), run); }
  [[nodiscard]] Metrics extra_metrics(const RunResult&) const {
    return {{"bytes_per_element", static_cast<double>(bytes_per_element)}};
  }

 private:
  AlignedArray<Element> entries_;
};

}  // namespace synclab::harness
