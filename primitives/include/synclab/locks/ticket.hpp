// ticket.hpp — FIFO ticket spin lock.
//
// Algorithm: lock() draws a ticket by incrementing `next_` and spins until
//   `serving_` equals it; unlock() advances `serving_` by one, handing the lock
//   to the next ticket in line.
// Source: Mellor-Crummey & Scott, "Algorithms for Scalable Synchronization on
//   Shared-Memory Multiprocessors", ACM TOCS 9(1), 1991 (the ticket lock, with
//   its analysis); Rust Atomics and Locks, ch. 4 for the acquire/release pairing.
// Guarantees: mutual exclusion; FIFO in ticket order, hence starvation-free;
//   not reentrant; unlock() only by the holder. Counters are 32-bit and wrap;
//   correct as long as fewer than 2^32 threads wait at once.
// Cost: every waiter spins on the same `serving_` line, and every unlock
//   invalidates all of their copies (no local spinning, unlike MCS).
// Oversubscription: the worst lock here. The lock can only go to the next
//   ticket; if that waiter is preempted, every other thread (holder included,
//   once it comes back for a new ticket) spins until the scheduler runs it
//   again. Handoffs then cost time slices, not nanoseconds.
// Memory ordering:
//   lock()   next_.fetch_add(relaxed): the ticket only fixes our place in the
//            line; no data is read on the strength of it. The atomicity alone
//            makes every ticket unique.
//            serving_.load(acquire): the load that sees our ticket reads the
//            value the previous holder stored with release in unlock(), so the
//            previous critical section happens-before ours. This is the acquire
//            of the lock.
//   unlock() serving_.load(relaxed): only the holder ever writes serving_ (and
//            only the holder of ticket t can move it from t to t+1), so the
//            holder already knows its value; it last read it itself in lock(),
//            and coherence returns that same value.
//            serving_.store(release): publishes our critical section to the
//            owner of the next ticket. A plain store, not a fetch_add: with a
//            single writer no RMW is needed.
//   try_lock() serving_.load(acquire) then next_.compare_exchange(s -> s+1):
//            if next_ still equals the `serving_` we read, nobody is waiting or
//            holding and the ticket we take is the one being served (serving_
//            only grows and never passes next_, so a successful CAS from s
//            means serving_ was still s at that moment). The acquire
//            on the load pairs with the release in unlock() exactly as in lock();
//            the CAS on next_ carries no data and is relaxed.
// Layout: next_ and serving_ share one 8-byte word and one cache line; waiters
//   reading serving_ and newcomers incrementing next_ therefore contend on the
//   same line. A split-line layout is a separate variant, to be measured.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"

namespace synclab::locks {

class Ticket {
 public:
  static constexpr std::string_view name = "ticket";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call

  Ticket() = default;
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;
  Ticket(Ticket&&) = delete;
  Ticket& operator=(Ticket&&) = delete;

  void lock() noexcept {
    const std::uint32_t ticket = next_.fetch_add(1, std::memory_order_relaxed);
    while (serving_.load(std::memory_order_acquire) != ticket) {
      cpu_relax();
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    std::uint32_t expected = serving_.load(std::memory_order_acquire);
    return next_.compare_exchange_strong(expected, expected + 1, std::memory_order_relaxed,
                                         std::memory_order_relaxed);
  }

  void unlock() noexcept {
    const std::uint32_t current = serving_.load(std::memory_order_relaxed);
    serving_.store(current + 1, std::memory_order_release);
  }

 private:
  // Invariant: serving_ <= next_ (modulo 2^32); next_ - serving_ is the number of
  // threads holding or waiting for the lock.
  std::atomic<std::uint32_t> next_{0};     // next ticket to hand out
  std::atomic<std::uint32_t> serving_{0};  // ticket that owns the lock
};

static_assert(synclab::TryLockable<Ticket>);
static_assert(sizeof(Ticket) == 8);

}  // namespace synclab::locks
