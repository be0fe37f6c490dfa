// futex_mutex3_spin.hpp — three-state futex mutex that spins briefly before
// sleeping.
//
// Algorithm: futex_mutex3 (0 unlocked, 1 locked, 2 locked with waiters) with a
//   slow path that first spins, with relaxed loads only, while the state is 1
//   and for at most SpinCount iterations, then tries the 0 -> 1 CAS once more,
//   and only then swaps in 2 and sleeps like futex_mutex3. It spins only while
//   the state is 1: a 2 means another waiter already gave up spinning, so the
//   lock is not about to be released soon enough to be worth it. It spins on a
//   load, not a CAS, so the spinning waiter does not take the line away from the
//   holder.
// Source: Rust Atomics and Locks, ch. 9 "Optimizing Further". SpinCount = 100
//   is the book's "mostly arbitrary" value, the one std::sync::Mutex uses on
//   Linux in Rust 1.66; other counts exist for the spin-count sweep.
// Guarantees: mutual exclusion; not fair (barging); not reentrant; unlock() only
//   by the holder. Oversubscription: spins at most SpinCount relax instructions
//   per lock() before sleeping, so a preempted holder costs waiters a bounded
//   amount of CPU.
// Cost: uncontended, identical to futex_mutex3 (two RMWs, no syscalls); a short
//   critical section on another core is usually over before the spin ends, so
//   the waiter takes the lock at state 1 and neither side makes a syscall.
// Memory ordering:
//   lock()   compare_exchange(0 -> 1, acquire / relaxed), in the fast path and
//            once after spinning: success reads the previous holder's release
//            swap; failure reads nothing we rely on.
//            load(relaxed) while spinning: only a hint to stop spinning; the
//            acquire is the CAS or swap that follows.
//            exchange(2, acquire): as in futex_mutex3; a thread that waited locks
//            into 2 so remaining waiters are never forgotten.
//   unlock() exchange(0, release): publishes the critical section; the old value
//            decides whether to wake.
//   try_lock() the fast-path CAS, once.
// Code layout: lock() and unlock() are small and inline; the contended path is
//   a separate [[gnu::noinline, gnu::cold]] function so it stays out of the
//   callers' hot code (the book's #[cold] / #[inline] box).
// Layout: one 32-bit word (the futex word), no padding.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/compile_time_name.hpp"
#include "synclab/concepts.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::locks {

template <std::uint32_t SpinCount = 100>
class FutexMutex3Spin {
 public:
  static constexpr std::string_view name =
      SpinCount == 100 ? static_name<compose_name("futex_mutex3_spin")>
                       : static_name<compose_name("futex_mutex3_spin", SpinCount)>;
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call
  // A spin count other than the default is a point of the spin-count sweep,
  // measured only when the run asks for sweeps.
  static constexpr bool sweep_point = SpinCount != 100;
  static constexpr std::uint32_t spin_count = SpinCount;

  FutexMutex3Spin() = default;
  FutexMutex3Spin(const FutexMutex3Spin&) = delete;
  FutexMutex3Spin& operator=(const FutexMutex3Spin&) = delete;
  FutexMutex3Spin(FutexMutex3Spin&&) = delete;
  FutexMutex3Spin& operator=(FutexMutex3Spin&&) = delete;

  void lock() noexcept {
    std::uint32_t expected = kUnlocked;
    if (!state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      lock_contended();
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    std::uint32_t expected = kUnlocked;
    return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() noexcept {
    const bool contended = state_.exchange(kUnlocked, std::memory_order_release) == kContended;
    stall_point(StallPoint::after_release, this);
    if (contended) {
      wait::futex_wake_one(state_);
    }
  }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kLocked = 1;     // held, nobody waiting
  static constexpr std::uint32_t kContended = 2;  // held, waiters possible

  [[gnu::noinline, gnu::cold]] void lock_contended() noexcept {
    std::uint32_t spins = 0;
    while (spins < SpinCount && state_.load(std::memory_order_relaxed) == kLocked) {
      ++spins;
      cpu_relax();
    }
    std::uint32_t expected = kUnlocked;
    if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
    while (state_.exchange(kContended, std::memory_order_acquire) != kUnlocked) {
      wait::futex_wait(state_, kContended);
    }
  }

  std::atomic<std::uint32_t> state_{kUnlocked};
};

static_assert(synclab::TryLockable<FutexMutex3Spin<>>);
static_assert(sizeof(FutexMutex3Spin<>) == 4);
static_assert(FutexMutex3Spin<>::name == "futex_mutex3_spin");
static_assert(FutexMutex3Spin<0>::name == "futex_mutex3_spin0");
static_assert(FutexMutex3Spin<10>::name == "futex_mutex3_spin10");
static_assert(FutexMutex3Spin<1000>::name == "futex_mutex3_spin1000");

}  // namespace synclab::locks
