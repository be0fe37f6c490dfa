// parking_lot.hpp — a one-byte lock whose waiters sleep in the global parking
// table (wait/parking_table.hpp): WebKit's WTF::Lock / Rust parking_lot's
// RawMutex design.
//
// State: one byte, two bits. kLocked: held. kParked: threads may be queued in
//   the parking table under this lock's address. The kParked bit is set by a
//   waiter before it parks and cleared only under the bucket lock, by an
//   unlock that has just seen the queue become empty.
// Algorithm:
//   lock()   CAS 0 -> kLocked. Slow path: whenever kLocked is clear, CAS it
//            in (barging: a running thread may take the lock ahead of parked
//            ones). While it is held and nobody is parked, spin up to
//            kSpinLimit polls (a short critical section on another CPU ends
//            within that). Then set kParked and park, with the check "still
//            kLocked | kParked" made under the bucket lock. On waking: if the
//            token says the lock was handed over, we own it; otherwise loop
//            (spin budget renewed).
//   unlock() CAS kLocked -> 0: nobody parked, no table access. Slow path
//            (kParked set): unpark the oldest waiter and, under the bucket
//            lock, decide:
//            - eventual fairness: if that waiter has waited at least
//              kTimeSlice, hand it the lock directly: the lock stays kLocked
//              (kParked stays iff others remain), so no barging thread can take
//              it in between;
//            - otherwise release: store kParked if others remain, else 0; the
//              woken thread competes with running ones.
// Source: F. Pizlo, "Locking in WebKit" (webkit.org blog, 2016): WTF::Lock and
//   ParkingLot; Amanieu d'Antras, parking_lot crate (RawMutex, fair unlock on
//   a timeout); Rust Atomics and Locks, ch. 9, for the futex vocabulary.
// Time slice: kTimeSlice = 0.5 ms. Barging is what makes the lock fast (the
//   running thread keeps the lock and its cache lines, no context switch per
//   handoff); a direct handoff costs a wake-up and a context switch (a few us)
//   during which the lock is held by a thread that is not running yet. Handing
//   off only to a waiter that has waited 0.5 ms bounds that cost to about 1 %
//   of lock time, while still bounding how long a parked thread can be
//   overtaken: a little over half a millisecond plus its wake-up latency.
//   parking_lot uses a random 0 – 1 ms timer per bucket (mean 0.5 ms); here the
//   age of the oldest waiter is used, so the bound is per waiter. Its age
//   counts from its first park in this lock() call, not from its latest one.
// Spin limit: kSpinLimit = 100 polls with PAUSE, as futex_mutex3_spin and
//   ttas_park (wait_policy.hpp explains the number); WTF::Lock spins 40 times
//   with yields instead.
// Guarantees: mutual exclusion; not FIFO (barging), but eventually fair as
//   above; not reentrant; unlock() only by the holder. Waiters sleep, so
//   oversubscription costs wake-ups, not CPU time.
// Cost: uncontended lock/unlock is two CAS and no table access, no syscall.
// Memory ordering:
//   lock()   compare_exchange(s -> s | kLocked, acquire / relaxed): success
//            reads the previous holder's release store (or its release CAS),
//            so that critical section happens-before ours.
//            compare_exchange(s -> s | kParked, relaxed): a mark, published to
//            unlock() through the RMW order on the byte; it orders no data.
//            load(relaxed) in validate(): read under the bucket lock, which is
//            what orders it against unlock()'s decision.
//            A handed-off lock is acquired through the parking table's token
//            handover (release store of the waiter's futex word by the waker,
//            acquire load by the waiter; see parking_table.hpp), so the
//            previous critical section happens-before ours without any access
//            to the lock byte.
//   unlock() compare_exchange(kLocked -> 0, release): publishes the section.
//            In decide(): store(kParked or 0, release) publishes the section to
//            the next barging CAS; on a handoff store(kLocked, relaxed) (or no
//            store) only drops the parked mark: the lock is not being released,
//            the section is published through the token. While kLocked |
//            kParked is set and we hold it, no other thread's RMW on the byte
//            can succeed (barging needs kLocked clear, marking needs kParked
//            clear), so plain stores do not lose updates.
//   try_lock() load(relaxed), then the acquire CAS while kLocked is clear.
// Layout: one byte. The waiters' queue lives in the global table.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/wait/parking_table.hpp"

namespace synclab::locks {

// Locks received by direct handoff on the calling thread (a plain per-thread
// counter, read like wait::wait_counters(); for tests and diagnostics).
inline thread_local std::uint64_t tls_parking_handoffs_received = 0;

class ParkingLot {
 public:
  static constexpr std::string_view name = "parking_lot";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call
  static constexpr std::chrono::microseconds kTimeSlice{500};
  static constexpr std::uint32_t kSpinLimit = 100;

  ParkingLot() = default;
  ParkingLot(const ParkingLot&) = delete;
  ParkingLot& operator=(const ParkingLot&) = delete;
  ParkingLot(ParkingLot&&) = delete;
  ParkingLot& operator=(ParkingLot&&) = delete;

  void lock() noexcept {
    std::uint8_t expected = 0;
    if (!state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      lock_slow();
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    std::uint8_t s = state_.load(std::memory_order_relaxed);
    while ((s & kLocked) == 0) {
      if (state_.compare_exchange_weak(s, static_cast<std::uint8_t>(s | kLocked), std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  void unlock() noexcept {
    std::uint8_t expected = kLocked;
    if (!state_.compare_exchange_strong(expected, 0, std::memory_order_release, std::memory_order_relaxed)) {
      unlock_slow();
    }
  }

  // Locks the calling thread has received by handoff since it started.
  [[nodiscard]] static std::uint64_t handoffs_received() noexcept { return tls_parking_handoffs_received; }

 protected:  // for the tests' broken twin, which replaces unlock() (synclab/testing/broken_parking.hpp)
  static constexpr std::uint8_t kLocked = 1;
  static constexpr std::uint8_t kParked = 2;
  static constexpr wait::ParkingTable::Token kTokenRetry = 0;
  static constexpr wait::ParkingTable::Token kTokenHandedOff = 1;

  [[gnu::noinline, gnu::cold]] void lock_slow() noexcept {
    std::uint32_t spins = 0;
    std::optional<wait::ParkingTable::clock::time_point> first_parked;
    for (;;) {
      std::uint8_t s = state_.load(std::memory_order_relaxed);
      if ((s & kLocked) == 0) {
        if (state_.compare_exchange_weak(s, static_cast<std::uint8_t>(s | kLocked), std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          return;
        }
        continue;
      }
      if ((s & kParked) == 0) {
        if (spins < kSpinLimit) {
          ++spins;
          cpu_relax();
          continue;
        }
        if (!state_.compare_exchange_weak(s, static_cast<std::uint8_t>(s | kParked), std::memory_order_relaxed,
                                          std::memory_order_relaxed)) {
          continue;
        }
      }
      if (!first_parked) {
        first_parked = wait::ParkingTable::clock::now();
      }
      const auto token = wait::parking_table.park(
          this, [&] { return state_.load(std::memory_order_relaxed) == (kLocked | kParked); }, *first_parked);
      if (token == kTokenHandedOff) {
        ++tls_parking_handoffs_received;
        return;
      }
      spins = 0;
    }
  }

  [[gnu::noinline, gnu::cold]] void unlock_slow() noexcept {
    wait::parking_table.unpark_one(this, [&](const wait::UnparkResult& r) {
      if (r.unparked && r.waited >= kTimeSlice) {
        if (!r.have_more) {
          state_.store(kLocked, std::memory_order_relaxed);
        }
        return kTokenHandedOff;
      }
      state_.store(r.have_more ? kParked : std::uint8_t{0}, std::memory_order_release);
      return kTokenRetry;
    });
  }

  std::atomic<std::uint8_t> state_{0};
};

static_assert(synclab::TryLockable<ParkingLot>);
static_assert(sizeof(ParkingLot) == 1);

}  // namespace synclab::locks
