// broken_rwlocks.hpp — reader-writer locks that are wrong on purpose.
//
// They exist to prove that the rwlock checks bite: each is run by
// tests/primitives/rwlock_broken_test.cpp (and the harness's
// rwlock_workload_test) and must be caught. Never use them for anything
// else; they are in no catalogue and never benchmarked.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/rwlocks/bravo.hpp"
#include "synclab/rwlocks/concepts.hpp"
#include "synclab/rwlocks/detail.hpp"
#include "synclab/rwlocks/per_cpu_rwlock.hpp"
#include "synclab/rwlocks/rw_writer_pref.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::testing {

// BROKEN: rw_writer_pref with the seed's read-unlock test, `== 1` instead of
// `== 3` (seeds-digest §6.1): the real lock (rwlocks/rw_writer_pref.hpp)
// with its WakingReaderState parameter set to 1.
//
// The add returns the old value, and a reader's unlock never sees 1 (that
// would be "no reader, a writer waiting" before its own decrement). So the
// last reader never wakes the writer asleep on the wake counter: a writer
// that raised the waiting bit and went to sleep behind the readers is never
// woken. The state stays odd (1), so every later reader sleeps too: the lock
// is dead. Only another writer's unlock would wake it, and there is none.
//
// The failure is deterministic once the writer is asleep before the last
// reader leaves: hold a read lock, start a writer, give it time to sleep,
// release. Must be caught by: the hang detector of
// writer_behind_readers (rwlock_testing.hpp), which then calls
// rescue_sleeping_writers() — a test-only change of the wake counter and a
// wake — so the stuck writer returns and the test can end.
class RwWriterPrefSeedTypo : public rwlocks::BasicRwWriterPref</*WakingReaderState=*/1> {
 public:
  static constexpr std::string_view name = "broken_rw_writer_pref_seed_typo";

  // Test only: wakes every writer asleep on the wake counter.
  void rescue_sleeping_writers() noexcept {
    word_.fetch_add(rwlocks::detail::kCounterOne, std::memory_order_release);
    wait::futex_wake_all(word_, wait::Half::high);
  }
};

// BROKEN: a reader that never looks at the writer.
//
// The writer side is sound: a writer takes a flag with an exchange and then
// waits for the reader count to drain. But lock_shared() only increments the
// reader count; it never checks the writer flag (the correct version checks
// it after the increment and backs out, as Concurrency Kit's ck_rwlock
// does). So a reader walks in while a writer is writing: readers overlap a
// writer, the very thing a reader-writer lock exists to prevent.
//
// Must be caught by: the overlap check of stress_readers_and_writers
// (rwlock_testing.hpp) and of the bench workload (RwLockWorkload::check):
// a reader sees the writer's pattern half-written. ThreadSanitizer reports
// the same overlap as a data race, so under TSan the negative test runs with
// report_bugs=0 and is judged by its own assertion.
class RwReaderIgnoresWriter {
 public:
  static constexpr std::string_view name = "broken_rw_reader_ignores_writer";

  RwReaderIgnoresWriter() = default;
  RwReaderIgnoresWriter(const RwReaderIgnoresWriter&) = delete;
  RwReaderIgnoresWriter& operator=(const RwReaderIgnoresWriter&) = delete;
  RwReaderIgnoresWriter(RwReaderIgnoresWriter&&) = delete;
  RwReaderIgnoresWriter& operator=(RwReaderIgnoresWriter&&) = delete;

  void lock() noexcept {
    while (writer_.exchange(true, std::memory_order_acquire)) cpu_relax();
    while (readers_.load(std::memory_order_acquire) != 0) cpu_relax();
  }
  void unlock() noexcept { writer_.store(false, std::memory_order_release); }

  void lock_shared() noexcept { readers_.fetch_add(1, std::memory_order_acquire); }  // BROKEN: ignores writer_
  void unlock_shared() noexcept { readers_.fetch_sub(1, std::memory_order_release); }

 private:
  std::atomic<bool> writer_{false};
  std::atomic<std::uint32_t> readers_{0};
};

// BROKEN: BRAVO whose revoking writer does not wait for the visible readers
// to leave: the real lock (rwlocks/bravo.hpp) over rw_writer_pref with its
// DrainsVisibleReaders parameter off.
//
// The writer turns the reader bias off, so no new reader takes the fast path,
// but the readers already inside through the table are still reading when
// the writer starts writing. (Its revocation also takes no time, so the bias
// comes back at once and most readers are fast-path readers.)
//
// Must be caught by: the overlap check of stress_readers_and_writers (a
// reader sees a half-written pattern), and writer_behind_readers with the
// reader on the fast path (the writer gets in while the reader is inside).
class BravoWriterSkipsDrain : public rwlocks::Bravo<rwlocks::RwWriterPref, /*DrainsVisibleReaders=*/false> {
 public:
  static constexpr std::string_view name = "broken_bravo_writer_skips_drain";
};

// rw_writer_pref with a test-only reset, as the slot lock of the broken
// per-CPU lock below, so a test can free what the twin leaves stuck.
class RescuableRwWriterPref : public rwlocks::RwWriterPref {
 public:
  // Test only: forgets the readers and the waiting bit (not a writer holding
  // the lock), bumps the wake counter and wakes every sleeper.
  void forget_readers() noexcept {
    std::uint64_t w = word_.load(std::memory_order_relaxed);
    while (rwlocks::detail::state_of(w) != kWriteLocked &&
           !word_.compare_exchange_weak(w, (w & kCounterBits) + rwlocks::detail::kCounterOne,
                                        std::memory_order_release, std::memory_order_relaxed)) {
    }
    wait::futex_wake_all(word_, wait::Half::high);
    wait::futex_wake_all(word_, wait::Half::low);
  }
};

// BROKEN: the per-CPU lock whose reader unlocks the slot of the CPU it runs
// on at unlock time, instead of the slot it took: the real lock
// (rwlocks/per_cpu_rwlock.hpp) with its UnlocksRecordedSlot parameter off
// (over RescuableRwWriterPref, the slot lock with a rescue).
//
// Right as long as the reader never migrates. A reader that moves from CPU a
// to CPU b inside its read section leaves slot a read-held forever and takes
// one reader too many off slot b (whose count wraps): the next writer waits
// on one of them for good.
//
// Must be caught by: writer_after_a_migrated_read (rwlock_testing.hpp),
// which pins the reader to one CPU for lock_shared() and another for
// unlock_shared(); its hang detector then calls rescue() so the writer ends.
class PerCpuUnlocksCurrentCpuSlot
    : public rwlocks::BasicPerCpuRwLock<RescuableRwWriterPref, /*UnlocksRecordedSlot=*/false> {
 public:
  static constexpr std::string_view name = "broken_per_cpu_unlocks_current_cpu_slot";

  // Test only: frees every slot no writer holds, so a writer stuck on one
  // proceeds. Last slot first: the writer, once woken, takes the later slots,
  // and must find them repaired (on a wrapped count its CAS would make the
  // state look write-locked, which no rescue can tell from a holder).
  void rescue() noexcept {
    for (std::uint32_t i = slot_count(); i-- > 0;) slot_lock(i).forget_readers();
  }
};

static_assert(synclab::rwlocks::RwLockable<RwWriterPrefSeedTypo>);
static_assert(synclab::rwlocks::RwLockable<RwReaderIgnoresWriter>);
static_assert(synclab::rwlocks::RwLockable<BravoWriterSkipsDrain>);
static_assert(synclab::rwlocks::RwLockable<PerCpuUnlocksCurrentCpuSlot>);

}  // namespace synclab::testing
