// broken_semaphores.hpp — semaphores that are wrong on purpose.
//
// They exist to prove that the semaphore checks bite; they are in no catalogue
// and are never benchmarked.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/semaphores/concepts.hpp"

namespace synclab::testing {

// BROKEN: takes a permit with a load and a separate store. acquire() waits
// until a load reads a count above 0, then stores count - 1. Two threads can
// read the same count before either stores, both enter, and the count
// afterwards is one too high: from then on one more holder than permits is
// admitted for good. Every waiter spins on the load, so at a release they all
// see the new count at about the same moment and the window is hit quickly.
// (Atomics throughout, with acquire/release on the count: the bug is the
// missing read-modify-write, not a data race.)
//
// Must be caught by: the holder-count check (semaphore_testing.hpp,
// check_holders, and the bench workload's verify()): more holders inside at
// once than permits, and more permits available afterwards than were given.
// tests/primitives/semaphore_broken_test.cpp expects the check to fail.
class OverAdmittingSemaphore {
 public:
  static constexpr std::string_view name = "broken_over_admitting";

  static constexpr std::ptrdiff_t max() noexcept { return 0xFFFF; }

  explicit OverAdmittingSemaphore(std::ptrdiff_t initial) noexcept
      : count_(static_cast<std::uint32_t>(initial)) {}
  OverAdmittingSemaphore(const OverAdmittingSemaphore&) = delete;
  OverAdmittingSemaphore& operator=(const OverAdmittingSemaphore&) = delete;
  OverAdmittingSemaphore(OverAdmittingSemaphore&&) = delete;
  OverAdmittingSemaphore& operator=(OverAdmittingSemaphore&&) = delete;

  void acquire() noexcept {
    for (;;) {
      const std::uint32_t seen = count_.load(std::memory_order_acquire);
      if (seen > 0) {
        count_.store(seen - 1, std::memory_order_relaxed);  // BROKEN: not atomic with the load
        return;
      }
      cpu_relax();
    }
  }

  [[nodiscard]] bool try_acquire() noexcept {
    const std::uint32_t seen = count_.load(std::memory_order_acquire);
    if (seen == 0) return false;
    count_.store(seen - 1, std::memory_order_relaxed);  // BROKEN: same race
    return true;
  }

  void release() noexcept { count_.fetch_add(1, std::memory_order_release); }

 private:
  std::atomic<std::uint32_t> count_;
};

static_assert(semaphores::CountingSemaphore<OverAdmittingSemaphore>);

}  // namespace synclab::testing
