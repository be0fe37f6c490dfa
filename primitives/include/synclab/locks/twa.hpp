// twa.hpp — TWA: a ticket lock whose long-term waiters spin on a hashed,
// process-wide waiting array instead of the lock's grant field.
//
// Algorithm: a ticket lock (ticket.hpp: `ticket_` hands out places in line,
//   `grant_` names the one that holds the lock) plus one array of 4096
//   counters shared by every TWA lock in the process.
//   lock()   draw ticket t. If t == grant, the lock is ours. A waiter whose
//            distance t - grant is at most kLongTermThreshold (the immediate
//            successor) spins on `grant_` as in a ticket lock. A waiter further
//            back is long-term: it spins on waiting-array slot h(lock, t)
//            until the counter there changes, then re-reads `grant_`; once its
//            distance is within the threshold it spins on `grant_` too.
//   unlock() grant = k (k = previous grant + 1), then bump slot h(lock, k +
//            kLongTermThreshold): the waiter that has just become the
//            immediate successor stops waiting on the array. Only that one
//            waiter (and whoever shares its slot by hash collision) sees a
//            change, so a release invalidates the grant line for one spinner
//            plus the owner, not for every waiter as in a ticket lock.
//   Collisions (two waiters, of one lock or of different locks, on one slot)
//   are benign: a waiter that sees its counter change re-reads `grant_` and
//   goes back to waiting if it is still long-term.
// Source: Dice & Kogan, "TWA — Ticket Locks Augmented with a Waiting Array",
//   Euro-Par 2019 (doi 10.1007/978-3-030-29400-7_24; arXiv 1810.01573): the
//   algorithm of section 3 (Listing 1), with the paper's long-term threshold
//   of 1 and its 4096-entry array.
//   Checked against libvsync's twalock.h (MIT).
// Hash (the lab's choice; the paper leaves it open): h(lock, t) = (mix of the
//   lock's address + 17 t) mod 4096. Consecutive tickets of one lock land 17
//   slots (68 bytes) apart, so the one waiter an unlock wakes does not share
//   its line with the next long-term waiter; different locks start at
//   different offsets.
// Guarantees: mutual exclusion; FIFO in ticket order (starvation-free); not
//   reentrant; unlock() only by the holder; try_lock() never takes a ticket it
//   would have to wait for. Oversubscription: a FIFO spin lock, so a preempted
//   next-in-line stalls it like `ticket`.
// Memory ordering:
//   ticket_.fetch_add(relaxed): a ticket only fixes a place in line.
//   grant_.load(acquire) where it decides "the lock is ours": reads the
//     previous holder's release store, so its critical section happens-before
//     ours.
//   slot.load(acquire) / slot.fetch_add(release): the notification. The unlock
//     stores the grant, then bumps the slot; a waiter reads the slot, then the
//     grant (relaxed). If its slot read returns the bump, acquire/release make
//     the grant store visible to the grant read that follows; if it returns
//     an older value, the bump is still ahead of it and its spin will see it.
//     Either way no notification is lost.
//   grant_.store(release) in unlock(): the handoff; grant_.load(relaxed) there:
//     only the holder moves the grant.
//   try_lock(): grant_.load(acquire), then ticket_ CAS (g -> g+1, relaxed).
// Destroy after the last unlock (as std::mutex allows): after the grant store
//   unlock() touches only the process-wide array, using the lock's address
//   as a number.
// Layout: the lock is 8 bytes (ticket and grant on one line, as a ticket
//   lock). The waiting array is 16 KiB of 32-bit counters, 128-byte aligned,
//   in static storage.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::locks {

namespace twa_detail {

inline constexpr std::size_t kWaitingSlots = 4096;
inline constexpr std::uint32_t kTicketStride = 17;

struct alignas(128) WaitingArray {
  std::array<std::atomic<std::uint32_t>, kWaitingSlots> slots{};
};

inline WaitingArray waiting_array;

// Which slot ticket t of the lock at `lock` waits on.
[[nodiscard]] inline std::atomic<std::uint32_t>& slot_for(const void* lock, std::uint32_t ticket) noexcept {
  auto a = reinterpret_cast<std::uintptr_t>(lock);
  a ^= a >> 17;
  a *= 0x9E3779B97F4A7C15ull;  // Fibonacci hashing: spreads nearby lock addresses
  const auto start = static_cast<std::uint32_t>(a >> 40);
  return waiting_array.slots[(start + kTicketStride * ticket) % kWaitingSlots];
}

}  // namespace twa_detail

// Distance from the grant within which a waiter spins on the grant itself.
inline constexpr std::uint32_t kTwaLongTermThreshold = 1;

// How TWA waits, and whose slot an unlock bumps. TwaWaiting is the algorithm;
// the parameter exists for the tests' broken twin (synclab/testing/
// broken_twa.hpp), which notifies the wrong ticket's slot.
struct TwaWaiting {
  static constexpr std::uint32_t notify_distance = kTwaLongTermThreshold;
  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
  }
};

template <class Waiting = TwaWaiting>
class BasicTwa : Waiting {
 public:
  static constexpr std::string_view name = "twa";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call

  BasicTwa() = default;
  BasicTwa(const BasicTwa&) = delete;
  BasicTwa& operator=(const BasicTwa&) = delete;
  BasicTwa(BasicTwa&&) = delete;
  BasicTwa& operator=(BasicTwa&&) = delete;

  void lock() noexcept {
    const std::uint32_t ticket = ticket_.fetch_add(1, std::memory_order_relaxed);
    const std::uint32_t distance = ticket - grant_.load(std::memory_order_acquire);
    if (distance == 0) return;
    if (distance > kTwaLongTermThreshold) wait_long_term(ticket);
    waiting().spin_until([&] { return grant_.load(std::memory_order_acquire) == ticket; });
  }

  [[nodiscard]] bool try_lock() noexcept {
    std::uint32_t expected = grant_.load(std::memory_order_acquire);
    return ticket_.compare_exchange_strong(expected, expected + 1, std::memory_order_relaxed,
                                           std::memory_order_relaxed);
  }

  void unlock() noexcept {
    const std::uint32_t next = grant_.load(std::memory_order_relaxed) + 1;
    grant_.store(next, std::memory_order_release);
    stall_point(StallPoint::after_release, this);
    twa_detail::slot_for(this, next + Waiting::notify_distance).fetch_add(1, std::memory_order_release);
  }

  // For tests and diagnostics (relaxed): tickets drawn so far, and the slot
  // the waiter holding `ticket` watches while it is long-term.
  [[nodiscard]] std::uint32_t tickets_issued() const noexcept { return ticket_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint32_t slot_value(std::uint32_t ticket) const noexcept {
    return twa_detail::slot_for(this, ticket).load(std::memory_order_relaxed);
  }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  // Waits on the array until the grant is within the threshold of `ticket`.
  void wait_long_term(std::uint32_t ticket) noexcept {
    std::atomic<std::uint32_t>& slot = twa_detail::slot_for(this, ticket);
    std::uint32_t seen = slot.load(std::memory_order_acquire);
    while (ticket - grant_.load(std::memory_order_relaxed) > kTwaLongTermThreshold) {
      bool changed = false;
      waiting().spin_until([&] {
        const std::uint32_t now = slot.load(std::memory_order_acquire);
        changed = now != seen;
        seen = now;
        return changed;
      });
      if (!changed) return;  // only a broken twin's abandoned wait ends unchanged
    }
  }

  // Invariant: grant_ <= ticket_ (mod 2^32); the difference is the number of
  // threads holding or waiting for the lock.
  std::atomic<std::uint32_t> ticket_{0};  // next ticket to hand out
  std::atomic<std::uint32_t> grant_{0};   // ticket that owns the lock
};

using Twa = BasicTwa<>;

static_assert(sizeof(Twa) == 8);
static_assert(synclab::TryLockable<Twa>);

}  // namespace synclab::locks
