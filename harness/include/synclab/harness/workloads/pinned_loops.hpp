// pinned_loops.hpp — tight measurement loops on pinned threads, for the
// measurements that are too short for the workload driver's per-operation
// bookkeeping (padding, ordering): one loop per thread, each pinned to its
// PU, all released together, stopped together after a fixed window.
//
// Each loop is called with a batch size and runs that many operations; the
// stop flag is read once per batch (after it: every loop runs at least one),
// so the measured code is the batch and nothing else. The stop flag sits alone on a 128-byte block and is written
// once: reading it costs a hit in the reader's own cache.
//
// keep(value) and keep_address(pointer) are the optimisation barriers of the
// measured loops (the C++ form of Rust's black_box, Rust Atomics and Locks
// ch. 7): an empty asm that claims to read its operand, so the compiler must
// compute the value (perform the load) each time, and cannot assume what is
// behind the address.
#pragma once

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "synclab/harness/clock.hpp"
#include "synclab/harness/topology.hpp"

namespace synclab::harness {

template <class T>
[[gnu::always_inline]] inline void keep(const T& value) noexcept {
  asm volatile("" : : "r"(value));
}

[[gnu::always_inline]] inline void keep_address(const void* p) noexcept { asm volatile("" : : "r"(p) : "memory"); }

struct LoopCounts {
  std::vector<std::uint64_t> ops;  // per loop
  double elapsed_s = 0;            // the window as measured by the controller
  [[nodiscard]] std::uint64_t total() const {
    std::uint64_t t = 0;
    for (std::uint64_t n : ops) t += n;
    return t;
  }
};

inline constexpr std::uint64_t kLoopBatch = 256;

// Runs loops[i] on a thread pinned to pus[i] (not pinned when hw is nullptr)
// for `window`. Throws TopologyError if a thread cannot be pinned.
inline LoopCounts run_pinned_loops(const HwlocTopology* hw, std::span<const int> pus,
                                   const std::vector<std::function<void(std::uint64_t)>>& loops,
                                   std::chrono::nanoseconds window) {
  struct alignas(128) Stop {
    std::atomic<bool> flag{false};
  };
  Stop stop;
  const std::size_t n = loops.size();
  LoopCounts counts;
  counts.ops.assign(n, 0);
  std::vector<std::string> errors(n);
  std::barrier start(static_cast<std::ptrdiff_t>(n + 1));
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        if (hw != nullptr) hw->pin_current_thread(pus[i]);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      start.arrive_and_wait();
      if (!errors[i].empty()) return;
      std::uint64_t done = 0;
      do {  // at least one batch, even if this thread starts late
        loops[i](kLoopBatch);
        done += kLoopBatch;
      } while (!stop.flag.load(std::memory_order_relaxed));
      counts.ops[i] = done;
    });
  }
  start.arrive_and_wait();
  const std::uint64_t t0 = now_ns();
  std::this_thread::sleep_for(window);
  stop.flag.store(true, std::memory_order_relaxed);
  const std::uint64_t t1 = now_ns();
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors)
    if (!e.empty()) throw TopologyError(e);
  counts.elapsed_s = static_cast<double>(t1 - t0) * 1e-9;
  return counts;
}

}  // namespace synclab::harness
