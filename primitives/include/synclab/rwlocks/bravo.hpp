// bravo.hpp — BRAVO: reader bias for any reader-writer lock, through a
// process-wide table of visible readers.
//
// Algorithm (Dice & Kogan, "BRAVO — Biased Locking for Reader-Writer Locks",
//   USENIX ATC 2019; arXiv 1810.01553; §3 and its Listing 1): a transform.
//   Bravo<U> is U (the underlying lock) plus two fields, a reader-bias flag
//   and an "inhibit until" time, and every Bravo lock of the process shares
//   one table of 4096 pointers, the visible readers table (the size of the
//   paper's user-space evaluation).
//   lock_shared()   fast path, while the bias is on: CAS the slot h(thread,
//                   lock) of the table from empty to this lock, then look at
//                   the bias again. Still on: the read lock is held, and U
//                   was never touched. Off (a writer revoked it in between):
//                   empty the slot again and take the slow path. The CAS fails
//                   when the slot is taken (another thread or lock hashed
//                   there): slow path too.
//                   slow path: U.lock_shared(); then, if the bias is off and
//                   the inhibit time has passed, turn it on (§3: only a
//                   reader holding U's read lock may, so no writer is inside).
//   unlock_shared() empty the slot if this thread holds the lock through it,
//                   else U.unlock_shared().
//   lock()          U.lock(); if the bias is on, revoke it: turn it off, then
//                   wait until no slot of the table holds this lock (the
//                   readers that got in through the fast path have left; new
//                   ones see the bias off and queue on U, which this writer
//                   holds). Inhibit the bias for N × the time the revocation
//                   took, N = 9 (§3: a writer then loses at most about
//                   1 / (N + 1) of its time to revocations).
//   unlock()        U.unlock().
// How unlock_shared() knows its path: the paper's lock returns the slot and
//   its unlock takes it back; RwLockable's unlock_shared() takes nothing, so
//   each thread keeps a bitmap of the table slots it fills (thread-local,
//   512 bytes, no initialisation guard). A slot it holds is its own for one
//   lock at a time: unlock_shared() takes the fast path when the slot's bit
//   is set and the slot holds this lock. A second read lock of the same lock
//   on the same thread, or a lock whose slot the thread already fills for
//   another lock, takes the slow path, so each unlock finds a path that was
//   taken. The hash mixes the address of that bitmap (the thread) with the
//   lock's address (the paper leaves the hash open).
// Guarantees: those of U, plus: a writer waits for the fast-path readers
//   already inside, and no new reader gets past the revoked bias, so a
//   writer-preferring U stays writer-preferring (rwlock_starvation_test);
//   readers are starved exactly when U starves them. Not reentrant (as U).
//   A revoking writer spins (cpu_relax, a yield every 1024 polls: the reader
//   it waits for may be preempted on an oversubscribed machine); everything
//   else waits as U does.
// Memory ordering:
//   The fast path is a store-load (Dekker) pattern: the reader stores into
//   its slot and then loads the bias; the writer stores the bias and then
//   loads the slots. At least one must see the other's store, or a reader
//   and a writer are both inside. Both sides use sequentially consistent
//   operations on the pair, and no separate fence: the reader's CAS and its
//   re-check of the bias are seq_cst, the writer's revocation is a seq_cst
//   exchange followed by seq_cst loads of the slots. In the single total
//   order of seq_cst operations, if the reader's re-check read "on" it came
//   before the writer's exchange, so the reader's CAS came before the
//   writer's scan, which then sees this lock in the slot (or the reader's
//   later emptying of it). Cost: on x86-64 the CAS is a locked instruction,
//   already a full barrier, and a seq_cst load is a plain load, so the
//   fast path pays nothing beyond the CAS (an atomic_thread_fence(seq_cst)
//   would add an mfence to every read); on AArch64 the CAS's store-release
//   (casal, or stlxr) is ordered before the following ldar. The writer uses
//   an exchange rather than a store because qemu-user on x86-64 lets a
//   store-release pass a later load-acquire (docs/architectures.md): an RMW
//   keeps the revocation right in the emulated arm64 tests too.
//   Happens-before for the data: a fast reader's emptying store is release
//   and the writer's scan loads are (seq_cst, so) acquire: the reader's
//   section happens-before the writer's. The bias is turned on with a
//   release store by a reader holding U's read lock, after the last writer
//   released U; a fast reader's re-check (acquire) reads it, so that
//   writer's section happens-before the fast reader's.
//   The first look at the bias in lock_shared() and the writer's test of it
//   after U.lock() are relaxed: the first is only a hint (the re-check
//   decides), the second reads a value only readers holding U's read lock
//   change, all of which happen-before the writer's U.lock().
//   inhibit_until_ is plain memory: written by the writer under U's write
//   lock, read by readers under U's read lock.
// Destroy after the last unlock (as std::shared_mutex allows): a fast reader's
//   unlock clears its bitmap bit first and then empties the slot, its last
//   access (to the table, not to the lock); every other unlock ends with U's,
//   which allows it when U does (rw_writer_pref and std::shared_mutex do).
// Time: the inhibit window is measured in ticks of a constant-rate counter
//   (bravo_detail::ticks(): the TSC, or AArch64's virtual counter), the
//   cheapest clock there is, since every slow-path read looks at it while the
//   bias is off. If the counters of two CPUs disagree a little, the bias comes
//   back a little early or late: the time only decides when, never whether a
//   reader may turn it on (only while holding U's read lock).
// Layout: U, then a one-byte bias and an 8-byte inhibit time (in ticks),
//   aligned: 24 bytes over rw_writer_pref's 8, 72 over std::shared_mutex's
//   56. The table is 32 KiB of pointers in static storage,
//   kDefaultPadding-aligned; eight slots
//   share a 64-byte line, so two readers of different slots can still share
//   a line (the paper's trade-off: a table shared by every lock keeps each
//   lock small).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <thread>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/compile_time_name.hpp"
#include "synclab/padding/padded.hpp"
#include "synclab/rwlocks/concepts.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::rwlocks {

namespace bravo_detail {

inline constexpr std::size_t kTableSlots = 4096;
static_assert((kTableSlots & (kTableSlots - 1)) == 0);

struct alignas(padding::kDefaultPadding) VisibleReaders {
  std::array<std::atomic<const void*>, kTableSlots> slots{};
};

inline VisibleReaders visible_readers;

// The table slots this thread fills: bit i while slot i holds a lock it read-locked through the fast path.
struct FilledSlots {
  std::uint64_t bits[kTableSlots / 64];
};

inline thread_local FilledSlots filled_slots{};

// The slot of the calling thread for `lock`: the address of the thread's bitmap stands for the thread.
[[nodiscard]] inline std::size_t slot_index(const void* lock) noexcept {
  std::uint64_t x = reinterpret_cast<std::uintptr_t>(&filled_slots) ^
                    (reinterpret_cast<std::uintptr_t>(lock) * 0x9E3779B97F4A7C15ull);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;  // a splitmix64 finaliser step: thread and lock bits both reach the top bits
  x ^= x >> 29;
  return static_cast<std::size_t>(x >> 32) % kTableSlots;
}

// A constant-rate counter read without a system call: the TSC on x86-64, the
// virtual counter on AArch64, steady_clock's nanoseconds elsewhere. Its unit
// never matters: the inhibit window is a multiple of a duration measured
// with the same counter. (steady_clock is 41 ns a read on the lab's x86-64
// VM, rdtsc 18 ns, and a slow-path read pays one while the bias is off.)
[[nodiscard]] inline std::int64_t ticks() noexcept {
#if defined(__x86_64__)
  return static_cast<std::int64_t>(__builtin_ia32_rdtsc());
#elif defined(__aarch64__)
  std::uint64_t v;
  asm volatile("mrs %0, cntvct_el0" : "=r"(v));
  return static_cast<std::int64_t>(v);
#else
  return std::chrono::steady_clock::now().time_since_epoch().count();
#endif
}

template <class U>
concept CountsFutexCalls = requires { requires U::counts_futex_calls; };

}  // namespace bravo_detail

// The paper's N: the bias stays off for N times as long as the last revocation took.
inline constexpr std::int64_t kBravoInhibitMultiplier = 9;

// DrainsVisibleReaders: whether a revoking writer waits for the fast-path
// readers to leave. Only the default is a correct lock; the tests' broken
// twin (synclab/testing/broken_rwlocks.hpp) turns it off.
template <RwLockable Underlying, bool DrainsVisibleReaders = true>
class Bravo {
 public:
  static constexpr std::string_view name = static_name<compose_name("bravo_", Underlying::name)>;
  // Bravo itself never sleeps: its futex calls are the underlying lock's.
  static constexpr bool counts_futex_calls = bravo_detail::CountsFutexCalls<Underlying>;

  Bravo() = default;
  Bravo(const Bravo&) = delete;
  Bravo& operator=(const Bravo&) = delete;
  Bravo(Bravo&&) = delete;
  Bravo& operator=(Bravo&&) = delete;

  void lock_shared() {
    if (bias_.load(std::memory_order_relaxed) && try_visible_read()) return;
    underlying_.lock_shared();
    if (!bias_.load(std::memory_order_relaxed) && bravo_detail::ticks() >= inhibit_until_)
      bias_.store(true, std::memory_order_release);
  }

  void unlock_shared() {
    const std::size_t i = bravo_detail::slot_index(this);
    std::uint64_t& word = bravo_detail::filled_slots.bits[i / 64];
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    std::atomic<const void*>& slot = bravo_detail::visible_readers.slots[i];
    if ((word & bit) != 0 && slot.load(std::memory_order_relaxed) == this) {
      word &= ~bit;
      slot.store(nullptr, std::memory_order_release);
    } else {
      underlying_.unlock_shared();
    }
    stall_point(StallPoint::after_release, this);
  }

  void lock() {
    underlying_.lock();
    if (bias_.load(std::memory_order_relaxed)) revoke_bias();
  }

  void unlock() {
    underlying_.unlock();
    stall_point(StallPoint::after_release, this);
  }

  // For tests and diagnostics (relaxed): whether readers may take the fast
  // path, and how many slots of the table hold this lock now.
  [[nodiscard]] bool reader_bias() const noexcept { return bias_.load(std::memory_order_relaxed); }
  [[nodiscard]] int visible_readers() const noexcept {
    int n = 0;
    for (const auto& slot : bravo_detail::visible_readers.slots) n += slot.load(std::memory_order_relaxed) == this;
    return n;
  }

 private:
  // The fast path: true if this thread now holds the read lock through its slot.
  bool try_visible_read() noexcept {
    const std::size_t i = bravo_detail::slot_index(this);
    std::atomic<const void*>& slot = bravo_detail::visible_readers.slots[i];
    const void* empty = nullptr;
    if (!slot.compare_exchange_strong(empty, this, std::memory_order_seq_cst, std::memory_order_relaxed))
      return false;
    if (!bias_.load(std::memory_order_seq_cst)) {  // a writer revoked the bias between our two looks
      slot.store(nullptr, std::memory_order_relaxed);  // we were never inside: nothing to publish
      return false;
    }
    bravo_detail::filled_slots.bits[i / 64] |= std::uint64_t{1} << (i % 64);
    return true;
  }

  // Called with U write-locked and the bias on.
  void revoke_bias() noexcept {
    bias_.exchange(false, std::memory_order_seq_cst);
    const std::int64_t start = bravo_detail::ticks();
    if constexpr (DrainsVisibleReaders) {
      for (const auto& slot : bravo_detail::visible_readers.slots) wait_while_visible(slot);
    }
    const std::int64_t end = bravo_detail::ticks();
    inhibit_until_ = end + (end - start) * kBravoInhibitMultiplier;
  }

  void wait_while_visible(const std::atomic<const void*>& slot) const noexcept {
    for (unsigned polls = 1; slot.load(std::memory_order_seq_cst) == this; ++polls) {
      cpu_relax();
      if (polls % 1024 == 0) std::this_thread::yield();
    }
  }

  Underlying underlying_;
  std::atomic<bool> bias_{false};
  std::int64_t inhibit_until_ = 0;  // in ticks(); under U (see the top comment)
};

}  // namespace synclab::rwlocks
