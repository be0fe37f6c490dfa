// broken_locks.hpp — locks that are wrong on purpose.
//
// They exist to prove that the checks bite: each one is run through
// stress_mutual_exclusion (lock_stress.hpp) by tests/primitives/broken_lock*_test
// and must be caught. Never use them for anything else; they are not in any
// catalogue and are never benchmarked.
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"

namespace synclab::testing {

// BROKEN: test-then-set without an atomic read-modify-write.
//
// lock() waits until a relaxed load reads `false`, then does a *separate*
// relaxed store of `true`. Between the load and the store another thread can do
// the same load, so two threads both see the lock free and both enter. Every
// waiter spins on the load, so when the holder releases, all of them see
// `false` at about the same moment: on real hardware with at least two cores the
// window is hit quickly. (The relaxed load also gives no acquire, which is a
// second, independent bug; unlock() stores with release so that the missing RMW
// is what the test is about.)
//
// Must be caught by: the owner / lost-update check of stress_mutual_exclusion
// (tests/primitives/broken_lock_test.cpp expects owner_violations +
// lost_updates > 0). ThreadSanitizer also reports it, so under the thread
// sanitizer that test runs with TSAN_OPTIONS=report_bugs=0 and is judged by
// its own assertion.
class TestThenSetLock {
 public:
  static constexpr std::string_view name = "broken_test_then_set";

  TestThenSetLock() = default;
  TestThenSetLock(const TestThenSetLock&) = delete;
  TestThenSetLock& operator=(const TestThenSetLock&) = delete;
  TestThenSetLock(TestThenSetLock&&) = delete;
  TestThenSetLock& operator=(TestThenSetLock&&) = delete;

  void lock() noexcept {
    while (locked_.load(std::memory_order_relaxed)) {
      cpu_relax();
    }
    locked_.store(true, std::memory_order_relaxed);  // BROKEN: not atomic with the load
  }

  [[nodiscard]] bool try_lock() noexcept {
    if (locked_.load(std::memory_order_relaxed)) {
      return false;
    }
    locked_.store(true, std::memory_order_relaxed);  // BROKEN: same race
    return true;
  }

  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

// BROKEN: correct test-and-set acquisition, relaxed release.
//
// lock() is tas_spin's exchange(true, acquire), so mutual exclusion on the flag
// itself holds. unlock() stores `false` with memory_order_relaxed, so the next
// holder's acquire has no release to synchronise with: the previous critical
// section does not happen-before the next one, and the protected data is
// accessed by two threads without ordering, a data race. On x86 every store is
// a release in hardware and the compiler rarely moves the plain stores past it,
// so the owner and counter checks keep passing there; on weakly ordered CPUs
// the critical section's stores may become visible after the unlock.
//
// Must be caught by: ThreadSanitizer, which tracks happens-before from the
// memory orders themselves rather than the hardware's behaviour, and reports a
// data race on the protected fields. tests/primitives/broken_lock_tsan_test.cpp
// is registered (WILL_FAIL) only in the thread-sanitizer build.
class RelaxedUnlockLock {
 public:
  static constexpr std::string_view name = "broken_relaxed_unlock";

  RelaxedUnlockLock() = default;
  RelaxedUnlockLock(const RelaxedUnlockLock&) = delete;
  RelaxedUnlockLock& operator=(const RelaxedUnlockLock&) = delete;
  RelaxedUnlockLock(RelaxedUnlockLock&&) = delete;
  RelaxedUnlockLock& operator=(RelaxedUnlockLock&&) = delete;

  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      cpu_relax();
    }
  }

  [[nodiscard]] bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }

  void unlock() noexcept { locked_.store(false, std::memory_order_relaxed); }  // BROKEN: needs release

 private:
  std::atomic<bool> locked_{false};
};

static_assert(synclab::TryLockable<TestThenSetLock>);
static_assert(synclab::TryLockable<RelaxedUnlockLock>);

}  // namespace synclab::testing
