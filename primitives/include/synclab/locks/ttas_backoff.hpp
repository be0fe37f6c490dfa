// ttas_backoff.hpp — test-and-test-and-set spin lock with bounded exponential
// backoff.
//
// Algorithm: as ttas_spin, but a waiter that saw the lock free and still lost
//   the exchange (someone else won the burst) waits 2^k PAUSE instructions
//   before looking again, doubling k after every lost race up to a cap. Between
//   backoffs it spins on a relaxed load like ttas_spin.
// Source: Anderson, "The Performance of Spin Lock Alternatives for Shared-Memory
//   Multiprocessors", IEEE TPDS 1(1), 1990 (exponential backoff on collision);
//   Rust Atomics and Locks, ch. 4 tip: execute the spin hint several times
//   between attempts, and benchmark it.
// Constants (a starting point, to be swept, not tuned here):
//   kMinPauses = 1     first backoff after the first lost race.
//   kMaxPauses = 1024  cap: at ~140 cycles per PAUSE (Skylake and later) that is
//                      ~150k cycles (~40 us at 3.5 GHz); at ~10 cycles per PAUSE
//                      (older x86) ~10k cycles. Enough to spread a burst of
//                      waiters, short enough not to leave the lock idle for long.
//   The backoff is deterministic (no jitter); waiters that collide together
//   back off together, which a randomised variant could be measured against.
// Guarantees: mutual exclusion; not fair (a backed-off waiter easily loses to a
//   newcomer); deadlock-free; not reentrant; unlock() only by the holder.
// Oversubscription: never sleeps; backoff reduces line traffic, not CPU time.
// Memory ordering:
//   lock()   exchange(acquire): reads the previous holder's release store.
//            load(relaxed) while waiting: a hint only; the acquire is the
//            exchange's.
//   unlock() store(release): publishes the critical section.
//   try_lock() relaxed pre-check, then one acquire exchange.
// Layout: one byte, no padding (padding is a separate, measured variant).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"

namespace synclab::locks {

class TtasBackoff {
 public:
  static constexpr std::string_view name = "ttas_backoff";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr std::uint32_t kMinPauses = 1;
  static constexpr std::uint32_t kMaxPauses = 1024;

  TtasBackoff() = default;
  TtasBackoff(const TtasBackoff&) = delete;
  TtasBackoff& operator=(const TtasBackoff&) = delete;
  TtasBackoff(TtasBackoff&&) = delete;
  TtasBackoff& operator=(TtasBackoff&&) = delete;

  void lock() noexcept {
    // Uncontended: one RMW, no backoff state.
    if (!locked_.exchange(true, std::memory_order_acquire)) {
      return;
    }
    std::uint32_t pauses = kMinPauses;
    for (;;) {
      // Wait for the holder to leave, looking only at our shared copy.
      while (locked_.load(std::memory_order_relaxed)) {
        cpu_relax();
      }
      if (!locked_.exchange(true, std::memory_order_acquire)) {
        return;
      }
      // Saw it free and still lost: other waiters are racing for the same
      // release. Back off so the next attempts are spread out.
      for (std::uint32_t i = 0; i < pauses; ++i) {
        cpu_relax();
      }
      if (pauses < kMaxPauses) {
        pauses *= 2;
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

static_assert(synclab::TryLockable<TtasBackoff>);
static_assert(sizeof(TtasBackoff) == 1);
static_assert((TtasBackoff::kMaxPauses & (TtasBackoff::kMaxPauses - 1)) == 0, "cap must be a power of two");

}  // namespace synclab::locks
