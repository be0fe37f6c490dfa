// ttas_spin.hpp — test-and-test-and-set spin lock.
//
// Algorithm: try one exchange; while that fails, spin on a plain (relaxed) load
//   until the flag reads free, then try the exchange again.
// Source: Rust Atomics and Locks, ch. 7 "Failing Compare-and-Exchange
//   Operations" (spin on a load, not on an RMW); Rudolph & Segall 1984 for the
//   original test-and-test-and-set.
// Guarantees: mutual exclusion; not fair, no FIFO order (starvation possible);
//   deadlock-free; not reentrant; unlock() only by the holder.
// Cost: waiters spin in their own shared copy of the line, so they no longer
//   steal it from the holder while it is held; every release still triggers a
//   burst of RMWs from all waiters at once (the thundering herd ttas_backoff
//   spreads out).
// Oversubscription: pure spinning, never sleeps; a preempted holder stalls all
//   waiters for their time slices.
// Memory ordering:
//   lock()   exchange(acquire): as in tas_spin, the successful swap reads the
//            previous holder's release store.
//            load(relaxed) in the waiting loop: it is only a hint that an
//            exchange may now succeed; nothing is read on the strength of it,
//            the acquire comes from the exchange that follows.
//   unlock() store(release): publishes the critical section.
//   try_lock() a relaxed pre-check (fail without taking the line exclusively),
//            then the acquire exchange.
// Fast path: the first attempt is the exchange, not a load, so an uncontended
//   lock() costs one RMW and one line transfer rather than a shared read
//   followed by an upgrade.
// Layout: one byte, no padding (padding is a separate, measured variant).
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"

namespace synclab::locks {

class TtasSpin {
 public:
  static constexpr std::string_view name = "ttas_spin";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call

  TtasSpin() = default;
  TtasSpin(const TtasSpin&) = delete;
  TtasSpin& operator=(const TtasSpin&) = delete;
  TtasSpin(TtasSpin&&) = delete;
  TtasSpin& operator=(TtasSpin&&) = delete;

  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) {
        cpu_relax();
      }
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
  }

  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};  // true while held
};

static_assert(synclab::TryLockable<TtasSpin>);
static_assert(sizeof(TtasSpin) == 1);

}  // namespace synclab::locks
