// lock_stress.hpp — a time-bounded mutual-exclusion stress check for any
// synclab::Lockable.
//
// What it does: `threads` workers start together on a latch and each repeatedly
//   takes the lock and, inside, checks and sets a plain `owner` field, updates
//   plain (non-atomic) fields in two different cache lines, checks that `owner`
//   is still itself, clears it and unlocks; until its op budget is met or the
//   time budget runs out. Afterwards the plain counters are compared with the
//   number of completed critical sections.
//
// What it catches:
//   - two threads inside at once, seen directly (owner_violations) or as
//     read-modify-write increments that overwrote each other (lost_updates);
//   - a missing release/acquire pairing, under ThreadSanitizer: the protected
//     fields are plain memory, so if one critical section does not
//     happen-before the next, TSan reports a data race on them. The two cache
//     lines make sure the report does not depend on which line the lock word
//     shares.
//   - a hang: if the workers have not all finished within budget + 20 s, the
//     check prints the lock's name and calls std::abort(); a stuck lock fails
//     the test instead of stalling the run.
//
// The owner / counter accesses are deliberately plain: they are racy only if
// the lock is broken, which is the point. Atomics are used only for the stop
// flag and for collecting the results. Compiler-only fences
// (atomic_signal_fence) keep the optimiser from folding the owner re-check into
// the store before it; they emit no instruction and add no happens-before.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "synclab/concepts.hpp"

namespace synclab::testing {

struct StressResult {
  std::uint64_t ops;               // critical sections completed, all threads
  std::uint64_t expected;          // value the protected counters must reach
  std::uint64_t owner_violations;  // times a thread saw another owner inside
  std::uint64_t lost_updates;      // expected - counter (worst of the two lines)
  bool timed_out;                  // time budget ran out before every op budget was met
};

namespace detail {

// The data the lock protects. Plain fields on purpose (see the top comment).
struct ProtectedData {
  // First line: the owner field and a counter.
  alignas(64) std::uint64_t owner = 0;  // id of the thread inside, 0 when none
  std::uint64_t counter = 0;
  // Second line: more plain writes, so a missing release is a race on a line
  // that is not the one holding `owner`.
  alignas(64) std::uint64_t last_writer = 0;
  std::uint64_t mirror = 0;
};

inline void compiler_fence() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }

inline constexpr std::chrono::seconds kHangGrace{20};

}  // namespace detail

template <synclab::Lockable L>
StressResult stress_mutual_exclusion(L& lock, int threads, std::chrono::milliseconds budget,
                                     std::uint64_t max_ops_per_thread) {
  detail::ProtectedData data;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> total_ops{0};
  std::atomic<std::uint64_t> total_violations{0};

  std::latch start(threads + 1);
  std::mutex done_mutex;
  std::condition_variable done_cv;
  int running = threads;

  auto worker = [&](std::uint64_t id) {
    std::uint64_t ops = 0;
    std::uint64_t violations = 0;
    start.arrive_and_wait();
    while (ops < max_ops_per_thread && !stop.load(std::memory_order_relaxed)) {
      lock.lock();
      if (data.owner != 0) {
        ++violations;
      }
      data.owner = id;
      detail::compiler_fence();
      data.counter = data.counter + 1;
      data.last_writer = id;
      data.mirror = data.mirror + 1;
      detail::compiler_fence();
      if (data.owner != id) {
        ++violations;
      }
      data.owner = 0;
      lock.unlock();
      ++ops;
    }
    total_ops.fetch_add(ops, std::memory_order_relaxed);
    total_violations.fetch_add(violations, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> guard(done_mutex);
      --running;
    }
    done_cv.notify_all();
  };

  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back(worker, static_cast<std::uint64_t>(i) + 1);
  }

  start.arrive_and_wait();
  bool timed_out = false;
  {
    std::unique_lock<std::mutex> guard(done_mutex);
    if (!done_cv.wait_for(guard, budget, [&] { return running == 0; })) {
      timed_out = true;
      stop.store(true, std::memory_order_relaxed);
      if (!done_cv.wait_for(guard, detail::kHangGrace, [&] { return running == 0; })) {
        const std::string_view lock_name = L::name;
        std::fprintf(stderr,
                     "stress_mutual_exclusion: lock \"%.*s\" did not let %d of %d threads finish within "
                     "%lld ms + %lld s after the stop request; treating it as a hang.\n",
                     static_cast<int>(lock_name.size()), lock_name.data(), running, threads,
                     static_cast<long long>(budget.count()), static_cast<long long>(detail::kHangGrace.count()));
        std::fflush(stderr);
        std::abort();
      }
    }
  }
  for (auto& t : pool) {
    t.join();
  }

  const std::uint64_t ops = total_ops.load(std::memory_order_relaxed);
  const std::uint64_t lowest = data.counter < data.mirror ? data.counter : data.mirror;
  return StressResult{
      .ops = ops,
      .expected = ops,
      .owner_violations = total_violations.load(std::memory_order_relaxed),
      .lost_updates = ops > lowest ? ops - lowest : 0,
      .timed_out = timed_out,
  };
}

}  // namespace synclab::testing
