// semaphore_testing.hpp — the holder-count check the semaphore tests share.
//
// `threads` workers start together and, until the budget runs out, acquire a
// permit, count themselves in (an atomic holder counter: fetch_add returns how
// many are already inside), stay a moment, count themselves out and release.
// The result has the most holders ever inside at once and the permits
// available afterwards (drained with try_acquire, then given back). A correct
// semaphore started with K permits gives most_holders <= K and exactly K
// available; a hang (a permit lost while threads wait) trips the watchdog.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <string_view>
#include <thread>
#include <vector>

#include "condvar_testing.hpp"
#include "synclab/arch/cpu_relax.hpp"
#include "synclab/semaphores/concepts.hpp"

namespace synclab::testing {

struct HolderCheck {
  std::uint64_t acquisitions = 0;
  std::uint32_t most_holders = 0;
  int available_after = 0;
};

template <semaphores::CountingSemaphore S>
HolderCheck check_holders(S& semaphore, int permits, int threads, std::chrono::milliseconds budget) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint32_t> holders{0};
  std::atomic<std::uint32_t> most{0};
  std::atomic<std::uint64_t> acquisitions{0};
  std::latch start(threads + 1);
  HangWatchdog dog(kHangLimit, S::name, "holder-count check");
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      std::uint64_t mine = 0;
      std::uint32_t most_seen = 0;
      start.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        semaphore.acquire();
        const std::uint32_t inside = holders.fetch_add(1, std::memory_order_relaxed) + 1;
        if (inside > most_seen) most_seen = inside;
        for (int k = 0; k < 16; ++k) cpu_relax();  // a moment inside, so overlaps can show
        holders.fetch_sub(1, std::memory_order_relaxed);
        semaphore.release();
        ++mine;
      }
      acquisitions.fetch_add(mine, std::memory_order_relaxed);
      std::uint32_t m = most.load(std::memory_order_relaxed);
      while (most_seen > m && !most.compare_exchange_weak(m, most_seen, std::memory_order_relaxed)) {
      }
    });
  }
  start.arrive_and_wait();
  std::this_thread::sleep_for(budget);
  stop.store(true, std::memory_order_relaxed);
  for (auto& t : pool) t.join();
  HolderCheck result{acquisitions.load(), most.load(), 0};
  while (result.available_after <= permits && semaphore.try_acquire()) ++result.available_after;
  for (int i = 0; i < result.available_after; ++i) semaphore.release();
  return result;
}

}  // namespace synclab::testing
