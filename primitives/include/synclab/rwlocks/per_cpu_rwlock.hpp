// per_cpu_rwlock.hpp — the per-CPU ("big reader") reader-writer lock: one
// reader-writer lock per CPU; a reader takes the one of the CPU it runs on,
// shared; a writer takes all of them, exclusive.
//
// Algorithm (the "big reader" lock of Linux 2.4, include/linux/brlock.h, by
//   Ingo Molnar and David S. Miller; the per-processor reader locks of Hsieh &
//   Weihl, "Scalable reader-writer locks for parallel systems", IPPS 1992):
//   a reader touches only its CPU's lock, a line no
//   other CPU writes while only readers come, so reads scale with the CPUs;
//   a write costs one acquisition per CPU. Here each slot lock is a
//   rw_writer_pref (SlotLock), alone on a kDefaultPadding block, and a
//   writer gate (a three-state futex word: free, held, held with sleepers)
//   comes first:
//   lock()          take the gate (one writer at a time), then every slot
//                   in index order, exclusive (each waits for that slot's
//                   readers to leave and, being writer-preferring, keeps new
//                   ones out).
//   unlock()        release every slot, then the gate; wake gate sleepers.
//   lock_shared()   s = the slot of the CPU sched_getcpu() names; take s
//                   shared; then if the gate is free, done. If a writer holds
//                   it (it is still taking slots, or still releasing them),
//                   give s back, sleep until the gate changes, retry.
//   unlock_shared() release the slot this thread took, which it recorded.
// Migration: a thread may move to another CPU between lock_shared() and
//   unlock_shared(), so the unlock must not ask sched_getcpu() again (the
//   kernel's brlock disabled preemption instead, which user space cannot).
//   Each thread records (lock, slot) for the read locks it holds, in a
//   thread-local array of 16 entries with no initialisation guard; the
//   unlock releases the slot recorded for this lock and drops the entry. A
//   thread holding more than 16 per-CPU read locks at once, or one where
//   sched_getcpu() fails, uses a slot fixed for the thread (a hash of the
//   thread) and records nothing: its unlock, finding no entry, goes to the
//   same slot. A thread holding one lock twice may release either of its two
//   slots first; each unlock releases one slot this thread holds.
//   (rwlock_broken_test's twin asks sched_getcpu() again at unlock, and the
//   pinned migration check catches it.)
// Why the gate: without it, the first slot a writer releases can let a
//   reader in while the writer is still releasing the others, and that
//   reader, finding the lock unused, could destroy it under the writer.
//   With it, a reader is in only once it has seen the gate free, which the
//   writer's unlock does last; so the unlock is one release, as
//   std::shared_mutex's is (and writers queue on the gate rather than on the
//   slots).
// Guarantees: exclusion between a writer and anyone else (a writer holds
//   every slot, a reader holds one). Writer-preferring: a writer waiting on
//   a slot keeps new readers out of it, and readers of slots it has not
//   reached yet see the gate held and back out, so a stream of readers
//   cannot starve it (rwlock_starvation_test). Readers can be starved by a
//   stream of writers. Not fair among writers. Not reentrant (a second
//   lock_shared() behind a waiting writer may deadlock, as in
//   rw_writer_pref). Readers and writers sleep (futex) when they wait.
// Cost: reads: sched_getcpu() (glibc reads the CPU from rseq, no syscall),
//   one acquire CAS on the CPU's own line, a load of the gate (a line only
//   writers write), the thread-local record. Writes: the gate plus one lock
//   and one unlock per configured CPU (two futex wakes each, rw_writer_pref's
//   unlock), so writes cost more the more CPUs the machine has.
// Memory ordering:
//   Slots: rw_writer_pref's own (acquire CAS to take, release RMW to give
//     back): a writer's section happens-before a later reader's through the
//     slot the reader takes, and every reader's before the writer's through
//     the slot that reader held.
//   Gate: taken with an acquire CAS or exchange and released with a release
//     exchange, like futex_mutex3; a reader's check after taking its slot is
//     an acquire load. The check adds no exclusion (the slots provide it); it
//     orders the writer's last access to the lock, its release of the gate,
//     before whatever the reader does next, including destroying the lock.
//     Marking sleepers (1 -> 2) is relaxed: it orders nothing, it only makes
//     the release wake them, and a release after the mark finds 2 in the
//     same word (futex_wait returns at once if the word is no longer 2).
// Destroy after the last unlock (as std::shared_mutex allows): the writer's
//   gate exchange, a reader's slot release, are the last accesses (then only
//   futex wakes, syscalls on the address).
// Layout: the lock is 16 bytes (gate, slot count, pointer to the slots); the
//   slots are min(configured CPUs, 256) blocks of kDefaultPadding bytes on
//   the heap, allocated by the constructor. CPU c uses slot c mod count.
#pragma once

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "synclab/compile_time_name.hpp"
#include "synclab/padding/padded.hpp"
#include "synclab/rwlocks/concepts.hpp"
#include "synclab/rwlocks/rw_writer_pref.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::rwlocks {

namespace per_cpu_detail {

inline constexpr std::uint32_t kMaxSlots = 256;
inline constexpr std::size_t kRecordCapacity = 16;

struct HeldSlot {
  const void* lock;
  std::uint32_t slot;
};

// The per-CPU read locks this thread holds, and which slot each took.
struct HeldSlots {
  HeldSlot entries[kRecordCapacity];
  std::size_t count;
};

inline thread_local HeldSlots held_slots{};

[[nodiscard]] inline std::uint32_t configured_cpus() noexcept {
  const long n = sysconf(_SC_NPROCESSORS_CONF);
  return static_cast<std::uint32_t>(std::clamp<long>(n, 1, kMaxSlots));
}

// The slot of a thread that records nothing: fixed for the thread's lifetime.
[[nodiscard]] inline std::uint32_t thread_slot(std::uint32_t slots) noexcept {
  std::uint64_t x = reinterpret_cast<std::uintptr_t>(&held_slots) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 32;
  return static_cast<std::uint32_t>(x % slots);
}

// The slot recorded for `lock` by this thread, the entry dropped; without
// one, the thread's fixed slot.
[[nodiscard]] inline std::uint32_t take_recorded_slot(const void* lock, std::uint32_t slots) noexcept {
  HeldSlots& held = held_slots;
  for (std::size_t i = held.count; i-- > 0;) {
    if (held.entries[i].lock != lock) continue;
    const std::uint32_t slot = held.entries[i].slot;
    held.entries[i] = held.entries[--held.count];
    return slot;
  }
  return thread_slot(slots);
}

template <class U>
concept CountsFutexCalls = requires { requires U::counts_futex_calls; };

}  // namespace per_cpu_detail

// UnlocksRecordedSlot: whether unlock_shared() releases the slot its
// lock_shared() took. Only the default is a correct lock; the tests' broken
// twin (synclab/testing/broken_rwlocks.hpp) releases the slot of the CPU it
// runs on at unlock instead.
template <RwLockable SlotLock = RwWriterPref, bool UnlocksRecordedSlot = true>
class BasicPerCpuRwLock {
 public:
  static constexpr std::string_view name = static_name<compose_name("per_cpu_", SlotLock::name)>;
  // Sleeps only on its gate, through wait/futex.hpp, and in its slot locks.
  static constexpr bool counts_futex_calls = per_cpu_detail::CountsFutexCalls<SlotLock>;

  BasicPerCpuRwLock()
      : slot_count_(per_cpu_detail::configured_cpus()), slots_(new padding::Padded<SlotLock>[slot_count_]) {}
  BasicPerCpuRwLock(const BasicPerCpuRwLock&) = delete;
  BasicPerCpuRwLock& operator=(const BasicPerCpuRwLock&) = delete;
  BasicPerCpuRwLock(BasicPerCpuRwLock&&) = delete;
  BasicPerCpuRwLock& operator=(BasicPerCpuRwLock&&) = delete;

  void lock_shared() {
    for (;;) {
      const int cpu = sched_getcpu();
      per_cpu_detail::HeldSlots& held = per_cpu_detail::held_slots;
      const bool record = cpu >= 0 && held.count < per_cpu_detail::kRecordCapacity;
      const std::uint32_t slot =
          record ? static_cast<std::uint32_t>(cpu) % slot_count_ : per_cpu_detail::thread_slot(slot_count_);
      slots_[slot]->lock_shared();
      if (gate_.load(std::memory_order_acquire) == kGateFree) {
        if (record) held.entries[held.count++] = {this, slot};
        return;
      }
      slots_[slot]->unlock_shared();  // a writer is taking or releasing the slots: let it finish
      wait_for_gate();
    }
  }

  void unlock_shared() {
    std::uint32_t slot = per_cpu_detail::take_recorded_slot(this, slot_count_);
    if constexpr (!UnlocksRecordedSlot) slot = static_cast<std::uint32_t>(sched_getcpu()) % slot_count_;
    slots_[slot]->unlock_shared();
    stall_point(StallPoint::after_release, this);
  }

  void lock() {
    lock_gate();
    for (std::uint32_t i = 0; i < slot_count_; ++i) slots_[i]->lock();
  }

  void unlock() {
    for (std::uint32_t i = slot_count_; i-- > 0;) slots_[i]->unlock();
    const bool sleepers = gate_.exchange(kGateFree, std::memory_order_release) == kGateSleepers;
    stall_point(StallPoint::after_release, this);
    if (sleepers) wait::futex_wake_all(gate_);
  }

  // For tests and diagnostics.
  [[nodiscard]] std::uint32_t slot_count() const noexcept { return slot_count_; }

 protected:
  SlotLock& slot_lock(std::uint32_t i) noexcept { return *slots_[i]; }

 private:
  static constexpr std::uint32_t kGateFree = 0;
  static constexpr std::uint32_t kGateHeld = 1;
  static constexpr std::uint32_t kGateSleepers = 2;  // held, and someone may sleep on the gate

  void lock_gate() noexcept {
    std::uint32_t expected = kGateFree;
    if (gate_.compare_exchange_strong(expected, kGateHeld, std::memory_order_acquire, std::memory_order_relaxed))
      return;
    while (gate_.exchange(kGateSleepers, std::memory_order_acquire) != kGateFree)
      wait::futex_wait(gate_, kGateSleepers);
  }

  // Returns once the gate has been seen free (the caller then retries).
  void wait_for_gate() noexcept {
    for (std::uint32_t g = gate_.load(std::memory_order_relaxed); g != kGateFree;
         g = gate_.load(std::memory_order_relaxed)) {
      if (g == kGateHeld &&
          !gate_.compare_exchange_weak(g, kGateSleepers, std::memory_order_relaxed, std::memory_order_relaxed))
        continue;
      wait::futex_wait(gate_, kGateSleepers);
    }
  }

  std::atomic<std::uint32_t> gate_{kGateFree};
  std::uint32_t slot_count_;
  std::unique_ptr<padding::Padded<SlotLock>[]> slots_;
};

using PerCpuRwLock = BasicPerCpuRwLock<>;

static_assert(RwLockable<PerCpuRwLock>);
static_assert(sizeof(PerCpuRwLock) == 16);

}  // namespace synclab::rwlocks
