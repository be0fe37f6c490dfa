// cohort.hpp — lock cohorting: a global lock over one local lock per cache or
// NUMA domain; the global lock stays in a domain while its threads pass the
// local lock among themselves (C-TKT-TKT: ticket locks at both levels).
//
// Algorithm:
//   lock()   take the local lock of the calling thread's domain (a ticket
//            lock); if the global lock came along with it (the previous local
//            holder passed it), done; otherwise take the global lock (a ticket
//            lock too), in competition with the other domains' local holders.
//   unlock() if another thread of this domain waits on the local lock and the
//            domain has passed the global lock fewer than MaxPasses times in a
//            row, keep the global lock and hand the local lock on, marking the
//            global lock as passed; otherwise release the local lock, then the
//            global one. While the global lock stays in a domain the protected
//            data stays in that domain's caches: handoffs cost a local line
//            transfer, not a cross-domain one.
//   Release order and lifetime: the global release is the last access of an
//   unlock, so the lock may be destroyed by whoever takes it next, right
//   after that thread's own unlock (as a std::mutex may). Releasing the
//   global lock first, as the paper's pseudo-code reads, would let a thread of
//   another domain take both levels, finish and destroy the lock before the
//   local store lands (tests/primitives/lifetime_test.cpp holds the unlocking
//   thread in between). A local successor that takes the local lock before
//   the global release finds owns_global false and queues for the global
//   lock like anyone else.
//   The two requirements of the paper: the global lock is thread-oblivious (a
//   ticket lock can be released by a thread other than the one that took it,
//   as long as that thread is ordered after it; here through the local lock),
//   and the local lock detects its cohort (a ticket lock knows it has waiters
//   when next != serving + 1; tickets are never abandoned, so a waiter seen is
//   a waiter that will take the lock).
// Source: Dice, Marathe & Shavit, "Lock Cohorting: A General Technique for
//   Designing NUMA Locks", PPoPP 2012 (and ACM TOPC 2015); C-TKT-TKT is one of
//   the paper's compositions. Concurrency Kit's ck_cohort is the same scheme
//   with pluggable locks.
// Pass bound: MaxPasses = 64 consecutive in-domain handoffs, then the global
//   lock is released even with local waiters. Why 64: a domain switch moves the
//   lock words and the protected data across the interconnect once (on the
//   order of 300 cycles per line between sockets, against ~100 within one);
//   amortised over 65 critical sections that is under 2 % of the crossing cost
//   per section, while another domain waits at most 65 critical sections per
//   domain ahead of it (with 100 ns – 1 us sections: 6.5 – 65 us, far below a
//   scheduler slice). Concurrency Kit defaults to 10 passes (fairer, less
//   locality); the bound is a template parameter for sweeps.
// Domains: from synclab/locks/cohort_domains.hpp, one domain unless a map is
//   installed (the benchmark binary installs one from hwloc; see
//   harness/include/synclab/harness/domain_map.hpp for the level chosen).
//   Domain ids at or above MaxDomains share local locks (id mod MaxDomains):
//   still correct, less locality. With a single domain the lock is a ticket
//   lock whose global level is taken once per 65 acquisitions under contention.
// Guarantees: mutual exclusion; FIFO within a domain, FIFO between domains at
//   the global level, so starvation-free; a waiting domain waits for at most
//   MaxPasses + 1 critical sections of each domain ahead of it. Not reentrant;
//   unlock() only by the holder (any thread that took the lock, from any
//   domain). Oversubscription: both levels are spinning FIFO locks, so a
//   preempted next-in-line stalls the lock like `ticket` does.
// Memory ordering:
//   local next.fetch_add(relaxed), global next.fetch_add(relaxed): a ticket
//     only fixes a place in line.
//   serving.load(acquire) (both levels): the load that sees our ticket reads
//     the previous holder's release store, so its critical section, and the
//     plain fields it wrote (owns_global, passes, holder domain), happen-before
//     ours. On a pass the new holder's ordering after the previous global
//     acquisition comes through the local lock; that is what lets it release a
//     global lock another thread took.
//   next.load(relaxed) in unlock(): a hint whether to pass. A stale "no waiter"
//     only costs locality (the late waiter takes the global lock itself); a
//     "waiter" is never wrong (tickets only grow and are never abandoned).
//   serving.load(relaxed) in unlock(): only the holder moves serving, so it
//     reads its own last value.
//   serving.store(release): publishes the critical section (both levels) and
//     the pass state (local level). The global store reads `serving` before
//     the local release (only the holder moves it), so nothing is read after
//     it either.
//   try_lock(): serving.load(acquire) then next.CAS(s -> s+1, relaxed) at each
//     level, as ticket.hpp; a failed global try gives the local lock back.
// Layout: the global lock, the holder's domain, and each domain's local lock
//   on their own 128-byte blocks, so in-domain handoffs never touch a line
//   the other domains spin on. 128 * (2 + MaxDomains) bytes (2.3 KiB default).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/compile_time_name.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/cohort_domains.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::locks {

inline constexpr std::uint32_t kCohortMaxPasses = 64;
inline constexpr std::uint32_t kCohortMaxDomains = 16;

template <std::uint32_t MaxPasses = kCohortMaxPasses, std::uint32_t MaxDomains = kCohortMaxDomains>
class Cohort {
 public:
  // "cohort" for the default bounds, "cohort_pass<N>" otherwise.
  static constexpr std::string_view name = MaxPasses == kCohortMaxPasses && MaxDomains == kCohortMaxDomains
                                               ? static_name<compose_name("cohort")>
                                               : static_name<compose_name("cohort_pass", MaxPasses)>;
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr std::uint32_t max_passes = MaxPasses;
  static constexpr std::uint32_t max_domains = MaxDomains;

  Cohort() = default;
  Cohort(const Cohort&) = delete;
  Cohort& operator=(const Cohort&) = delete;
  Cohort(Cohort&&) = delete;
  Cohort& operator=(Cohort&&) = delete;

  void lock() noexcept {
    const std::uint32_t d = my_domain();
    Local& local = locals_[d];
    const std::uint32_t ticket = local.next.fetch_add(1, std::memory_order_relaxed);
    wait_for_turn(local.serving, ticket);
    if (!local.owns_global) {
      const std::uint32_t global_ticket = global_.next.fetch_add(1, std::memory_order_relaxed);
      wait_for_turn(global_.serving, global_ticket);
    }
    holder_.domain = d;
  }

  [[nodiscard]] bool try_lock() noexcept {
    const std::uint32_t d = my_domain();
    Local& local = locals_[d];
    if (!try_ticket(local)) {
      return false;
    }
    // The local lock was free, so nobody passed the global lock with it:
    // owns_global is false (a pass leaves next ahead of serving).
    if (!try_ticket(global_)) {
      advance(local.serving);
      return false;
    }
    holder_.domain = d;
    return true;
  }

  void unlock() noexcept {
    Local& local = locals_[holder_.domain];
    const std::uint32_t mine = local.serving.load(std::memory_order_relaxed);
    const bool cohort_waits = local.next.load(std::memory_order_relaxed) != mine + 1;
    if (cohort_waits && local.passes < MaxPasses) {
      ++local.passes;
      local.owns_global = true;
      local.serving.store(mine + 1, std::memory_order_release);  // hands both levels on
      return;
    }
    local.passes = 0;
    local.owns_global = false;
    const std::uint32_t next_global = global_.serving.load(std::memory_order_relaxed) + 1;
    local.serving.store(mine + 1, std::memory_order_release);
    stall_point(StallPoint::after_release, this);
    global_.serving.store(next_global, std::memory_order_release);  // the last access
  }

  // For tests and diagnostics (relaxed snapshots): tickets drawn and not yet
  // served, i.e. holder plus waiters, on domain d's local lock and on the
  // global lock.
  [[nodiscard]] std::uint32_t local_tickets_out(std::uint32_t d) const noexcept {
    const Local& local = locals_[d % MaxDomains];
    return local.next.load(std::memory_order_relaxed) - local.serving.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint32_t global_tickets_out() const noexcept {
    return global_.next.load(std::memory_order_relaxed) - global_.serving.load(std::memory_order_relaxed);
  }

 private:
  struct alignas(128) Global {
    std::atomic<std::uint32_t> next{0};     // next ticket to hand out
    std::atomic<std::uint32_t> serving{0};  // ticket that owns the global lock
  };
  struct alignas(128) Local {
    std::atomic<std::uint32_t> next{0};
    std::atomic<std::uint32_t> serving{0};
    // Plain: written and read only by the holder of this local lock.
    bool owns_global = false;  // the global lock was passed along with the local one
    std::uint32_t passes = 0;  // consecutive passes since this domain took the global lock
  };
  struct alignas(128) Holder {
    std::uint32_t domain = 0;  // plain: written by each holder after acquiring, read at its unlock
  };

  static std::uint32_t my_domain() noexcept { return cohort_domains::current_domain() % MaxDomains; }

  static void wait_for_turn(const std::atomic<std::uint32_t>& serving, std::uint32_t ticket) noexcept {
    while (serving.load(std::memory_order_acquire) != ticket) {
      cpu_relax();
    }
  }

  template <class Level>
  static bool try_ticket(Level& level) noexcept {
    std::uint32_t expected = level.serving.load(std::memory_order_acquire);
    return level.next.compare_exchange_strong(expected, expected + 1, std::memory_order_relaxed,
                                              std::memory_order_relaxed);
  }

  static void advance(std::atomic<std::uint32_t>& serving) noexcept {
    serving.store(serving.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  Global global_;
  Holder holder_;
  std::array<Local, MaxDomains> locals_{};
};

static_assert(synclab::TryLockable<Cohort<>>);
static_assert(Cohort<>::name == "cohort");
static_assert(Cohort<3>::name == "cohort_pass3");
static_assert(sizeof(Cohort<>) == 128 * (2 + kCohortMaxDomains));

}  // namespace synclab::locks
