// tas_spin.hpp — test-and-set spin lock.
//
// Algorithm: lock() swaps `true` into a flag until the old value was `false`;
//   unlock() stores `false`. The minimal spin lock.
// Source: Rust Atomics and Locks, ch. 4 "A Minimal Implementation"; ch. 3
//   "Example: Locking" for try_lock.
// Guarantees: mutual exclusion; not fair (whichever core wins the line wins the
//   lock, so a waiter can starve); deadlock-free but not starvation-free; not
//   reentrant; unlock() only by the holder.
// Cost: every waiting iteration is an atomic RMW, which takes the cache line
//   exclusively even when it fails, so waiters keep stealing the line from the
//   holder (compare ttas_spin).
// Oversubscription: waiters never sleep; a preempted holder leaves every waiter
//   burning its whole time slice. Do not use when threads outnumber CPUs.
// Memory ordering:
//   lock()   exchange(acquire): the swap that reads `false` reads the previous
//            holder's release store, so its critical section happens-before ours.
//            A failed swap needs no ordering, but exchange has one ordering for
//            both outcomes; acquire costs nothing extra on x86 and little on ARM.
//   unlock() store(release): publishes our critical section to the next acquirer.
//   try_lock() the same acquire exchange, tried once.
// Layout: one byte; no padding, so the lock shares a line with whatever the user
//   puts beside it. Padding is a separate variant, to be measured.
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"

namespace synclab::locks {

class TasSpin {
 public:
  static constexpr std::string_view name = "tas_spin";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call

  TasSpin() = default;
  TasSpin(const TasSpin&) = delete;
  TasSpin& operator=(const TasSpin&) = delete;
  TasSpin(TasSpin&&) = delete;
  TasSpin& operator=(TasSpin&&) = delete;

  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      cpu_relax();
    }
  }

  [[nodiscard]] bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }

  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};  // true while held
};

static_assert(synclab::TryLockable<TasSpin>);
static_assert(sizeof(TasSpin) == 1);

}  // namespace synclab::locks
