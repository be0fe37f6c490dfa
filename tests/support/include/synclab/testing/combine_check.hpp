// combine_check.hpp — the checks of a Combinable lock (synclab::Combinable),
// reporting a hang as a result instead of hanging.
//
// `threads` workers start together and call lock_combine(section) until the
// time budget runs out (or `calls_each` calls each, when it is set). The
// section is the check:
//   - exclusion: it enters with an atomic fetch_add (an overlap is counted,
//     and stays meaningful after a broken twin's teardown), increments a plain
//     counter (ThreadSanitizer sees any section that is not ordered after the
//     previous one) and returns the caller's index with the counter's new
//     value;
//   - delivery: the caller checks that the result names itself (the result of
//     its own section, not another's) and that the value is above the last one
//     it got (its section ran after its previous call's, and before the return);
//   - exactly once: at the end the counter must equal the calls that returned.
// A broken twin's teardown lets stuck callers run their sections at once, so
// its checks take PlainCounter = false: the counter is then an atomic read
// and written separately (relaxed), which still loses an update to an
// overlap, without a report from ThreadSanitizer about the teardown.
// The calling thread watches the calls completed; if they do not move for
// `stall_limit`, the run has stalled: it calls on_stall() (a broken twin's
// abandon_waiters()), stops the workers and reports stalled = true. If the
// workers still have not left kExitGrace later, it aborts: a stuck lock fails
// the test rather than stalling the run.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <thread>
#include <type_traits>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"

namespace synclab::testing {

struct CombineResult {
  std::uint64_t calls = 0;          // calls that returned, all workers
  std::uint64_t applied = 0;        // sections that ran (the plain counter)
  std::uint64_t overlaps = 0;       // sections that found another one running
  std::uint64_t misdelivered = 0;   // results naming another caller
  std::uint64_t out_of_order = 0;   // results not above the caller's previous one
  bool stalled = false;
  [[nodiscard]] bool clean() const {
    return !stalled && overlaps == 0 && misdelivered == 0 && out_of_order == 0 && applied == calls;
  }
};

struct CombineOutcome {
  int caller = -1;
  std::uint64_t value = 0;
};

template <bool PlainCounter = true, class Lock, class OnStall>
CombineResult check_combine(Lock& lock, int threads, std::chrono::milliseconds budget,
                            std::chrono::milliseconds stall_limit, std::uint64_t calls_each, OnStall on_stall) {
  constexpr std::chrono::seconds kExitGrace{10};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> overlaps{0};
  std::atomic<std::uint64_t> misdelivered{0};
  std::atomic<std::uint64_t> out_of_order{0};
  std::atomic<std::uint32_t> inside{0};
  std::atomic<int> finished{0};
  struct Plain {
    std::uint64_t v = 0;
    std::uint64_t bump() { return ++v; }
    [[nodiscard]] std::uint64_t get() const { return v; }
  };
  struct Relaxed {
    std::atomic<std::uint64_t> v{0};
    std::uint64_t bump() {
      const std::uint64_t n = v.load(std::memory_order_relaxed) + 1;
      v.store(n, std::memory_order_relaxed);
      return n;
    }
    [[nodiscard]] std::uint64_t get() const { return v.load(std::memory_order_relaxed); }
  };
  std::conditional_t<PlainCounter, Plain, Relaxed> counter;  // the lock alone orders it
  std::latch start(threads + 1);

  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      start.arrive_and_wait();
      std::uint64_t last = 0;
      for (std::uint64_t n = 0; !stop.load(std::memory_order_relaxed) && (calls_each == 0 || n < calls_each); ++n) {
        const CombineOutcome out = lock.lock_combine([&, i]() noexcept {
          if (inside.fetch_add(1, std::memory_order_relaxed) != 0) overlaps.fetch_add(1, std::memory_order_relaxed);
          for (int k = 0; k < 8; ++k) synclab::cpu_relax();
          const std::uint64_t value = counter.bump();
          inside.fetch_sub(1, std::memory_order_relaxed);
          return CombineOutcome{i, value};
        });
        if (out.caller != i) misdelivered.fetch_add(1, std::memory_order_relaxed);
        if (out.value <= last) out_of_order.fetch_add(1, std::memory_order_relaxed);
        last = out.value;
        calls.fetch_add(1, std::memory_order_relaxed);
      }
      finished.fetch_add(1, std::memory_order_release);
    });
  }

  using clock = std::chrono::steady_clock;
  start.arrive_and_wait();
  const auto end = clock::now() + budget;
  std::uint64_t last_calls = 0;
  int last_finished = 0;
  auto last_change = clock::now();
  auto stalled_at = clock::time_point{};
  CombineResult result;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const int now_finished = finished.load(std::memory_order_acquire);
    if (now_finished == threads) break;
    const auto now = clock::now();
    if (now >= end) stop.store(true, std::memory_order_relaxed);
    const std::uint64_t now_calls = calls.load(std::memory_order_relaxed);
    if (now_calls != last_calls || now_finished != last_finished) {
      last_calls = now_calls;
      last_finished = now_finished;
      last_change = now;
    } else if (!result.stalled && now - last_change >= stall_limit) {
      result.stalled = true;
      stalled_at = now;
      on_stall();
      stop.store(true, std::memory_order_relaxed);
    }
    if (result.stalled && now - stalled_at >= kExitGrace) {
      std::fprintf(stderr, "check_combine: %d of %d workers still stuck after a stall; treating it as a hang.\n",
                   threads - now_finished, threads);
      std::fflush(stderr);
      std::abort();
    }
  }
  for (auto& t : pool) t.join();
  result.calls = calls.load(std::memory_order_relaxed);
  result.applied = counter.get();
  result.overlaps = overlaps.load(std::memory_order_relaxed);
  result.misdelivered = misdelivered.load(std::memory_order_relaxed);
  result.out_of_order = out_of_order.load(std::memory_order_relaxed);
  return result;
}

}  // namespace synclab::testing
