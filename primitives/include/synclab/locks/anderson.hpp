// anderson.hpp — Anderson's array-based queue lock, with an admission guard
// that keeps it correct for any number of threads.
//
// Algorithm: an array of Capacity slots, each a `granted` flag on its own
//   128-byte block. lock() draws a ticket t from `next` and spins on slot
//   t % Capacity until it is granted, then clears the slot for its next user
//   and records t as the holder's ticket; unlock() grants slot (t + 1) %
//   Capacity. Every waiter spins on its own line, and a release touches only the
//   next waiter's line: one invalidation per handoff instead of one per waiter
//   (ticket.hpp). Initially slot 0 is granted, as if ticket 2^32 - 1 had just
//   released the lock.
// Source: T. E. Anderson, "The Performance of Spin Lock Alternatives for
//   Shared-Memory Multiprocessors", IEEE TPDS 1(1), 1990 (the array lock);
//   Concurrency Kit's ck_spinlock_anderson is the same design with a fixed
//   number of threads.
//
// Capacity and what happens beyond it:
//   In the published algorithm tickets t and t + Capacity share a slot. If more
//   than Capacity threads hold or wait at once, the newcomer spins on a slot
//   whose `granted` flag still belongs to ticket t: when it is granted both may
//   see it and enter together (mutual exclusion breaks), or one clears it before
//   the other sees it and a grant is lost (the lock hangs).
//   tests/support/include/synclab/testing/broken_queue_locks.hpp keeps that
//   unguarded version and tests/primitives/queue_lock_test.cpp shows the checks
//   catch it.
//   This lock cannot overflow. Before touching its slot, ticket t waits until
//   the holder's ticket h satisfies t - h <= Capacity, i.e. until ticket
//   t - Capacity, the previous user of the slot, has acquired the lock and
//   cleared the slot (it clears the slot before publishing h). While at most
//   Capacity threads wait behind the last acquirer the guard never waits;
//   beyond that the extra waiters spin on the shared `holder` line, the way
//   ticket-lock waiters do, and move to their own slot as it frees up. FIFO
//   order is kept either way.
//   Contract: any number of threads is correct; the design point (local
//   spinning for every waiter) holds up to Capacity waiting threads. The
//   default, 256, covers the harness's largest run (4 x PUs = 256 threads on a
//   64-PU machine).
//
// Guarantees: mutual exclusion; FIFO in ticket order, hence starvation-free; not
//   reentrant; unlock() only by the holder (same thread or not: the holder's
//   ticket is in the lock, not in the thread). 32-bit tickets wrap; Capacity is
//   a power of two so t % Capacity stays consistent across the wrap.
// Oversubscription: like every FIFO spin lock it collapses: the lock can only go
//   to the next ticket, and if that thread is preempted everyone waits for the
//   scheduler.
// Cost: uncontended lock() is one fetch_add plus two loads and two stores to
//   lines this thread usually already owns; unlock() one store. Each handoff
//   moves the `holder` line (written by every holder) and the next waiter's slot.
//
// Memory ordering:
//   lock()   next.fetch_add(relaxed): the ticket only fixes our place in line.
//            holder.load(acquire) (the guard): seeing h >= t - Capacity means
//            ticket t - Capacity has cleared our slot; acquire makes that
//            clear visible, so the slot cannot show us the stale grant that was
//            meant for t - Capacity.
//            slot.granted.load(acquire): the load that sees `true` reads the
//            previous holder's release store in unlock(), so its critical
//            section happens-before ours. This is the acquire of the lock.
//            slot.granted.store(false, relaxed): nobody else writes this slot
//            until ticket t + Capacity - 1 grants it again, which happens after
//            our own release; the release store of holder below publishes it.
//            holder.store(t, release): publishes the clear to the ticket that
//            will reuse our slot (the guard above pairs with it).
//   unlock() holder.load(relaxed): our own store; only holders write holder.
//            next slot granted.store(true, release): publishes the critical
//            section (and the clear of our own slot) to the next ticket.
//   try_lock() next.load(relaxed), holder.load(acquire), granted.load(acquire),
//            then next.compare_exchange(t -> t + 1, relaxed). It succeeds only
//            if `next` == h + 1 (no ticket after the last holder's, so nobody
//            waits) and slot t % Capacity is granted (the last holder has
//            released). A successful CAS from t means no ticket was drawn in
//            between, so the grant we saw is ticket t's and we own the lock. A
//            stale grant for t - Capacity cannot be seen: t - Capacity <= h, it
//            cleared the slot before publishing h, and the acquire on `holder`
//            orders that clear before our load of the slot. The CAS carries no
//            data, so it is relaxed. It never takes a ticket it would have to
//            wait for, so it cannot jump or break the queue.
//
// Layout: one heap block aligned to 128 bytes: `next` (RMW by every arriving
//   thread), `holder` (written by each holder, read by arrivals), then the
//   slots, each on its own 128-byte block. 128 rather than 64: Intel's L2
//   spatial prefetcher (Sandy Bridge onwards) fetches 64-byte lines in
//   128-byte-aligned pairs, so two slots in one pair interfere like false
//   sharing when neighbouring waiters spin and get granted (crossbeam's
//   CachePadded and folly's hardware_destructive_interference_size use 128 on
//   x86-64 for this reason; Apple M-series lines are 128 bytes). The block is
//   on the heap so the lock object itself is one pointer that can be embedded
//   anywhere without over-alignment; the price is one extra dependent load of a
//   pointer that never changes. Default capacity: (2 + 256) x 128 bytes,
//   about 32 KiB per lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"

namespace synclab::locks {

// How the lock waits, and whether it keeps the admission guard. AndersonWaiting
// is the algorithm; the parameter exists for the tests' broken twin
// (synclab/testing/broken_queue_locks.hpp), which drops the guard and can
// abandon its waiters. A stateless policy costs no byte (an empty base).
struct AndersonWaiting {
  static constexpr bool guards_admission = true;
  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
  }
};

template <std::uint32_t Capacity = 256, class Waiting = AndersonWaiting>
class Anderson : Waiting {
  static_assert(Capacity >= 2, "a slot per waiter needs at least the holder's and one waiter's slot");
  static_assert((Capacity & (Capacity - 1)) == 0,
                "a power of two: t % Capacity must stay consistent when 32-bit tickets wrap");
  static_assert(Capacity <= (std::uint32_t{1} << 30), "tickets are 32-bit");

 public:
  static constexpr std::string_view name = "anderson";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr std::uint32_t capacity = Capacity;
  static constexpr std::size_t kBlock = 128;  // see Layout

  Anderson() : shared_(std::make_unique<Shared>()) {
    // Slot 0 is granted; the lock starts as if ticket 2^32 - 1 had just released.
    shared_->slots[0].granted.store(true, std::memory_order_relaxed);
  }
  Anderson(const Anderson&) = delete;
  Anderson& operator=(const Anderson&) = delete;
  Anderson(Anderson&&) = delete;
  Anderson& operator=(Anderson&&) = delete;

  void lock() noexcept {
    Shared& s = *shared_;
    const std::uint32_t ticket = s.next.fetch_add(1, std::memory_order_relaxed);
    // Admission guard: wait until the previous user of our slot has cleared it.
    if (Waiting::guards_admission)
      waiting().spin_until([&] { return ticket - s.holder.load(std::memory_order_acquire) <= Capacity; });
    Slot& mine = s.slots[ticket & kMask];
    waiting().spin_until([&] { return mine.granted.load(std::memory_order_acquire); });
    take(s, mine, ticket);
  }

  [[nodiscard]] bool try_lock() noexcept {
    Shared& s = *shared_;
    std::uint32_t ticket = s.next.load(std::memory_order_relaxed);
    if (ticket != s.holder.load(std::memory_order_acquire) + 1) {
      return false;  // someone holds a later ticket or is waiting
    }
    Slot& mine = s.slots[ticket & kMask];
    if (!mine.granted.load(std::memory_order_acquire)) {
      return false;  // the last holder has not released
    }
    if (!s.next.compare_exchange_strong(ticket, ticket + 1, std::memory_order_relaxed,
                                        std::memory_order_relaxed)) {
      return false;  // someone drew a ticket meanwhile
    }
    take(s, mine, ticket);
    return true;
  }

  void unlock() noexcept {
    Shared& s = *shared_;
    const std::uint32_t ticket = s.holder.load(std::memory_order_relaxed);
    s.slots[(ticket + 1) & kMask].granted.store(true, std::memory_order_release);
  }

  // Tickets handed out so far (relaxed; for tests and diagnostics only, e.g. to
  // see that a thread has taken its place in line).
  [[nodiscard]] std::uint32_t tickets_issued() const noexcept {
    return shared_->next.load(std::memory_order_relaxed);
  }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  static constexpr std::uint32_t kMask = Capacity - 1;

  struct alignas(kBlock) Slot {
    std::atomic<bool> granted{false};  // true: the ticket mapped here may enter
  };

  struct Shared {
    // Invariant: holder + 1 <= next (modulo 2^32); next - holder - 1 threads wait.
    alignas(kBlock) std::atomic<std::uint32_t> next{0};  // next ticket to hand out
    // Ticket of the thread that last acquired the lock; written only by that
    // thread, after it cleared its slot.
    alignas(kBlock) std::atomic<std::uint32_t> holder{~std::uint32_t{0}};
    Slot slots[Capacity];  // each on its own 128-byte block
  };

  // Called once `slot` is granted to `ticket`: clear it for its next user, then
  // publish the holder's ticket (release: see the guard in lock()).
  static void take(Shared& s, Slot& slot, std::uint32_t ticket) noexcept {
    slot.granted.store(false, std::memory_order_relaxed);
    s.holder.store(ticket, std::memory_order_release);
  }

  std::unique_ptr<Shared> shared_;

  static_assert(sizeof(Slot) == kBlock && alignof(Slot) == kBlock);
  static_assert(offsetof(Shared, holder) == kBlock && offsetof(Shared, slots) == 2 * kBlock);
  static_assert(std::atomic<std::uint32_t>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);
};

static_assert(synclab::TryLockable<Anderson<>>);
static_assert(synclab::TryLockable<Anderson<2>>);
static_assert(sizeof(Anderson<>) == sizeof(void*));

}  // namespace synclab::locks
