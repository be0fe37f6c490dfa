// progress_check.hpp — a lock check that reports a hang as a result instead
// of hanging: for queue locks, whose typical bug is a lost handoff.
//
// What it does: `threads` workers start together and repeatedly call
//   acquire(i), check exclusion, call release(i), until the time budget runs
//   out. The calling thread watches the number of completed critical sections;
//   if it does not move for `stall_limit`, the run has stalled: it calls
//   on_stall() (which must make every stuck waiter return, e.g. a broken lock's
//   abandon_waiters()), stops the workers and reports stalled = true.
//
// What it catches:
//   - a hang (lost handoff, lost grant): `stalled`. The stall limit is far above
//     any legitimate pause: even with every handoff costing a scheduler time
//     slice (a FIFO spin lock with more threads than CPUs), a correct lock
//     completes a critical section every few milliseconds;
//   - two threads inside at once: `violations`. The check is an atomic
//     counter (fetch_add on entry returns the number already inside), not
//     plain data, so that it stays meaningful, and free of sanitizer reports,
//     after on_stall() has let stuck waiters in. Data-race detection is
//     stress_mutual_exclusion's job (lock_stress.hpp).
//
// The stall check keeps running after the time budget, until every worker
// has left: a worker stranded by the others' last release is a hang too. If
// the workers still have not finished `kExitGrace` after on_stall(), it could
// not free them (or the lock under test is a correct one that hung, with a
// no-op on_stall()): the check prints what it saw and calls std::abort(), so a
// stuck lock still fails the test rather than stalling the run.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <thread>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"

namespace synclab::testing {

struct ProgressResult {
  std::uint64_t ops = 0;         // critical sections completed, all workers
  std::uint64_t violations = 0;  // entries that found another thread inside
  bool stalled = false;          // no critical section completed for stall_limit
};

namespace detail {
inline constexpr std::chrono::seconds kExitGrace{10};
inline constexpr std::chrono::milliseconds kPollInterval{2};
}  // namespace detail

// acquire(int worker) / release(int worker) take and release the lock under
// test for worker `worker` (0-based), e.g. with that worker's own node.
template <class Acquire, class Release, class OnStall>
ProgressResult check_progress(int threads, std::chrono::milliseconds budget, std::chrono::milliseconds stall_limit,
                              Acquire acquire, Release release, OnStall on_stall) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ops{0};
  std::atomic<std::uint64_t> violations{0};
  std::atomic<std::uint32_t> inside{0};
  std::atomic<int> finished{0};
  std::latch start(threads + 1);

  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      start.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        acquire(i);
        if (inside.fetch_add(1, std::memory_order_relaxed) != 0) {
          violations.fetch_add(1, std::memory_order_relaxed);
        }
        // A few relax instructions inside, so an overlap has time to show.
        for (int k = 0; k < 8; ++k) {
          synclab::cpu_relax();
        }
        inside.fetch_sub(1, std::memory_order_relaxed);
        release(i);
        ops.fetch_add(1, std::memory_order_relaxed);
      }
      finished.fetch_add(1, std::memory_order_release);
    });
  }

  using clock = std::chrono::steady_clock;
  start.arrive_and_wait();
  const auto end = clock::now() + budget;
  std::uint64_t last_ops = 0;
  int last_finished = 0;
  auto last_change = clock::now();
  auto stalled_at = clock::time_point{};
  ProgressResult result;
  // Watch until every worker is gone. Progress is a completed critical section
  // or a worker leaving; a stall is checked after the stop request too, since
  // a worker can be stranded by the others' last release.
  for (;;) {
    std::this_thread::sleep_for(detail::kPollInterval);
    const int now_finished = finished.load(std::memory_order_acquire);
    if (now_finished == threads) {
      break;
    }
    const auto now = clock::now();
    if (now >= end) {
      stop.store(true, std::memory_order_relaxed);
    }
    const std::uint64_t now_ops = ops.load(std::memory_order_relaxed);
    if (now_ops != last_ops || now_finished != last_finished) {
      last_ops = now_ops;
      last_finished = now_finished;
      last_change = now;
    } else if (!result.stalled && now - last_change >= stall_limit) {
      result.stalled = true;
      stalled_at = now;
      on_stall();
      stop.store(true, std::memory_order_relaxed);
    }
    if (result.stalled && now - stalled_at >= detail::kExitGrace) {
      std::fprintf(stderr,
                   "check_progress: %d of %d workers still stuck %lld s after a stall was detected; on_stall() "
                   "did not free them, treating it as a hang.\n",
                   threads - now_finished, threads, static_cast<long long>(detail::kExitGrace.count()));
      std::fflush(stderr);
      std::abort();
    }
  }
  for (auto& t : pool) {
    t.join();
  }
  result.ops = ops.load(std::memory_order_relaxed);
  result.violations = violations.load(std::memory_order_relaxed);
  return result;
}

// check_progress on a fresh lock of type L whose workers call lock() and
// unlock(); on a stall a broken twin's waiters are abandoned.
template <class L>
ProgressResult check_lock_progress(int threads, std::chrono::milliseconds budget) {
  L lock;
  return check_progress(
      threads, budget, std::chrono::seconds(1), [&](int) { lock.lock(); }, [&](int) { lock.unlock(); },
      [&] {
        if constexpr (requires { lock.abandon_waiters(); }) lock.abandon_waiters();
      });
}

// Fresh runs run(round) until caught(result) or `limit` has passed: a twin
// kept honest (no widened window) is caught by repetition. The last result
// and the number of rounds it took.
template <class Result>
struct CaughtAfter {
  Result last;
  int rounds = 0;
};

template <class Run, class Caught>
auto repeat_until_caught(Run run, Caught caught, std::chrono::seconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  CaughtAfter<decltype(run(0))> out;
  do {
    out.last = run(out.rounds);
    ++out.rounds;
  } while (!caught(out.last) && std::chrono::steady_clock::now() < give_up);
  return out;
}

}  // namespace synclab::testing
