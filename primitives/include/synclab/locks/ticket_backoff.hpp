// ticket_backoff.hpp — FIFO ticket spin lock with proportional backoff.
//
// Algorithm: the ticket lock (ticket.hpp): lock() draws a ticket from `next_`
//   and waits until `serving_` equals it; unlock() advances `serving_`. A
//   waiter does not poll `serving_` continuously: after each look it pauses for
//   (my_ticket - serving) x kPausesPerWaiter relax instructions, i.e. for about
//   as many critical sections as there are holders ahead of it, then looks
//   again. Waiters far back in the line therefore read the shared line rarely,
//   and the line mostly changes hands between the holder and the next few
//   waiters.
// Source: Mellor-Crummey & Scott, "Algorithms for Scalable Synchronization on
//   Shared-Memory Multiprocessors", ACM TOCS 9(1), 1991, section 2.2 (ticket
//   lock with proportional backoff). Concurrency Kit has the same idea as
//   ck_ticket_pb.
// Constant (a starting point for a sweep, not a tuned value):
//   kPausesPerWaiter = 8  the delay unit per position in the line. The paper's
//            ideal unit is the time one holder keeps the lock (critical section
//            plus handoff). 8 relax instructions are ~80 cycles where PAUSE is
//            ~10 cycles (x86 before Skylake) and ~1100 cycles where it is ~140
//            (Skylake and later): from below a cache-line handoff to roughly a
//            short critical section (synclab's `short` level, cs_ns 50-200 ns).
//            The price of a unit that is too long is handoff latency: the next
//            waiter in line (distance 1) can notice the release up to
//            kPausesPerWaiter relax instructions late.
// Guarantees: mutual exclusion; FIFO in ticket order, hence starvation-free;
//   not reentrant; unlock() only by the holder. 32-bit counters that wrap;
//   correct while fewer than 2^32 threads wait at once.
// Oversubscription: as bad as the plain ticket lock. The lock can only go to
//   the next ticket; if its owner is preempted everyone waits for the scheduler.
//   Backoff reduces coherence traffic, not CPU time: waiters never sleep.
// Memory ordering: identical to ticket.hpp.
//   lock()   next_.fetch_add(relaxed): the ticket only fixes our place in line.
//            serving_.load(acquire): the load that sees our ticket reads the
//            previous holder's release store, so its critical section
//            happens-before ours. Loads that see other values order nothing,
//            but one load serves both purposes.
//   unlock() serving_.load(relaxed): only the holder writes serving_, and it
//            last read the value itself. serving_.store(release): publishes the
//            critical section to the next ticket.
//   try_lock() serving_.load(acquire), then next_.compare_exchange(s -> s+1,
//            relaxed): succeeds only if nobody holds or waits (next_ == serving_),
//            taking the ticket being served, exactly as in ticket.hpp.
// Layout: next_ and serving_ share one 8-byte word, as in ticket.hpp, so the two
//   locks differ only in the waiting policy.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"

namespace synclab::locks {

class TicketBackoff {
 public:
  static constexpr std::string_view name = "ticket_backoff";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr std::uint32_t kPausesPerWaiter = 8;

  TicketBackoff() = default;
  TicketBackoff(const TicketBackoff&) = delete;
  TicketBackoff& operator=(const TicketBackoff&) = delete;
  TicketBackoff(TicketBackoff&&) = delete;
  TicketBackoff& operator=(TicketBackoff&&) = delete;

  void lock() noexcept {
    const std::uint32_t ticket = next_.fetch_add(1, std::memory_order_relaxed);
    for (;;) {
      const std::uint32_t serving = serving_.load(std::memory_order_acquire);
      if (serving == ticket) {
        return;
      }
      // Holders ahead of us (including the current one); wraps correctly.
      const std::uint32_t ahead = ticket - serving;
      for (std::uint32_t i = 0; i < ahead * kPausesPerWaiter; ++i) {
        cpu_relax();
      }
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

  // Tickets handed out so far (relaxed; for tests and diagnostics only, e.g. to
  // see that a thread has taken its place in line).
  [[nodiscard]] std::uint32_t tickets_issued() const noexcept { return next_.load(std::memory_order_relaxed); }

 private:
  // Invariant: serving_ <= next_ (modulo 2^32); next_ - serving_ is the number of
  // threads holding or waiting for the lock.
  std::atomic<std::uint32_t> next_{0};     // next ticket to hand out
  std::atomic<std::uint32_t> serving_{0};  // ticket that owns the lock
};

static_assert(synclab::TryLockable<TicketBackoff>);
static_assert(sizeof(TicketBackoff) == 8);
static_assert(TicketBackoff::kPausesPerWaiter > 0);

}  // namespace synclab::locks
