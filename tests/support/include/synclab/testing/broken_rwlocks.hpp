// broken_rwlocks.hpp — reader-writer locks that are wrong on purpose.
//
// They exist to prove that the rwlock checks bite: each is run by
// tests/primitives/rwlock_broken_test.cpp (and the harness's
// rwlock_workload_test) and must be caught. Never use them for anything
// else; they are in no catalogue and never benchmarked.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/rwlocks/concepts.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::testing {

// BROKEN: rw_writer_pref exactly as the seed prints it, with the read-unlock
// test `== 1` instead of `== 3` (seeds-digest §6.1).
//
// fetch_sub returns the old value, and a reader's unlock never sees 1 (that
// would be "no reader, a writer waiting" before its own decrement). So the
// last reader never bumps the writer wake counter: a writer that raised the
// waiting bit and went to sleep behind the readers is never woken. The state
// stays odd (1), so every later reader sleeps too: the lock is dead. Only
// another writer's unlock would wake it, and there is none.
//
// The failure is deterministic once the writer is asleep before the last
// reader leaves: hold a read lock, start a writer, give it time to sleep,
// release. Must be caught by: the hang detector of
// writer_behind_readers (rwlock_testing.hpp), which then calls
// rescue_sleeping_writers() — a test-only bump of the wake counter — so the
// stuck writer returns and the test can end.
class RwWriterPrefSeedTypo {
 public:
  static constexpr std::string_view name = "broken_rw_writer_pref_seed_typo";

  RwWriterPrefSeedTypo() = default;
  RwWriterPrefSeedTypo(const RwWriterPrefSeedTypo&) = delete;
  RwWriterPrefSeedTypo& operator=(const RwWriterPrefSeedTypo&) = delete;
  RwWriterPrefSeedTypo(RwWriterPrefSeedTypo&&) = delete;
  RwWriterPrefSeedTypo& operator=(RwWriterPrefSeedTypo&&) = delete;

  void lock_shared() noexcept {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    for (;;) {
      if (s % 2 == 0) {
        if (state_.compare_exchange_weak(s, s + 2, std::memory_order_acquire, std::memory_order_relaxed)) return;
      } else {
        wait::futex_wait(state_, s);
        s = state_.load(std::memory_order_relaxed);
      }
    }
  }

  void unlock_shared() noexcept {
    if (state_.fetch_sub(2, std::memory_order_release) == 1) wake_one_writer();  // BROKEN: must be == 3
  }

  void lock() noexcept {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    for (;;) {
      if (s <= 1) {
        if (state_.compare_exchange_weak(s, kWriteLocked, std::memory_order_acquire, std::memory_order_relaxed)) return;
        continue;
      }
      if (s % 2 == 0) {
        if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_relaxed, std::memory_order_relaxed)) continue;
      }
      const std::uint32_t w = writer_wake_counter_.load(std::memory_order_acquire);
      s = state_.load(std::memory_order_relaxed);
      if (s >= 2) {
        wait::futex_wait(writer_wake_counter_, w);
        s = state_.load(std::memory_order_relaxed);
      }
    }
  }

  void unlock() noexcept {
    state_.store(0, std::memory_order_release);
    wake_one_writer();
    wait::futex_wake_all(state_);
  }

  // Test only: wakes every writer asleep on the wake counter.
  void rescue_sleeping_writers() noexcept {
    writer_wake_counter_.fetch_add(1, std::memory_order_release);
    wait::futex_wake_all(writer_wake_counter_);
  }

 private:
  static constexpr std::uint32_t kWriteLocked = std::numeric_limits<std::uint32_t>::max();

  void wake_one_writer() noexcept {
    writer_wake_counter_.fetch_add(1, std::memory_order_release);
    wait::futex_wake_one(writer_wake_counter_);
  }

  std::atomic<std::uint32_t> state_{0};
  std::atomic<std::uint32_t> writer_wake_counter_{0};
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

static_assert(synclab::rwlocks::RwLockable<RwWriterPrefSeedTypo>);
static_assert(synclab::rwlocks::RwLockable<RwReaderIgnoresWriter>);

}  // namespace synclab::testing
