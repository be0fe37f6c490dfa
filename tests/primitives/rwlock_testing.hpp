// rwlock_testing.hpp — the checks of the reader-writer lock tests, written
// once against synclab::rwlocks::RwLockable and run on every lock of ours,
// every peer, and the broken twins (synclab/testing/broken_rwlocks.hpp).
//
//   stress_readers_and_writers  exclusion between a writer and everyone else,
//                               seen as a torn pattern in plain memory
//   readers_share               several readers really hold the lock at once
//   writer_behind_readers       a writer asleep behind readers is woken when
//                               they leave (lost wake-up = hang, detected)
//   writer_wait_under_reader_stream
//                               how long a writer waits against readers that
//                               keep the lock read-held without a gap
//   writer_after_a_migrated_read
//                               a reader moved to another CPU inside its
//                               read section leaves the lock free when it
//                               leaves (a writer gets in)
//   writer_gets_in              the lock is free: a writer gets in
//
// Every check bounds its own time. Where a broken lock can leave a thread
// stuck, the check reports the stall and calls a rescue so the test ends;
// where even that fails, it prints what it saw and aborts, so a hang fails
// the test instead of stalling the run.
#pragma once

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/rwlocks/concepts.hpp"
#include "synclab/testing/cpu_affinity.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

namespace synclab::testing {

// The exclusive mode alone, as a Lockable for stress_mutual_exclusion.
template <rwlocks::RwLockable L>
class ExclusiveOnly {
 public:
  static constexpr std::string_view name = L::name;
  void lock() { inner_.lock(); }
  void unlock() { inner_.unlock(); }

 private:
  L inner_;
};

namespace rw_detail {

using Clock = std::chrono::steady_clock;
inline constexpr std::chrono::seconds kHangGrace{20};
inline constexpr int kPatternLines = 4;

inline void compiler_fence() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }

// Spins (yielding: the tests share two loaded cores) until `done()` or the deadline.
template <class Done>
bool wait_until(Done done, Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Waits up to `limit` for `acquired`; if it stays false, calls rescue() and
// waits again, and if even that fails prints what hung and aborts (the
// writer thread could never be joined). Returns whether it came in time.
template <class Rescue>
bool writer_in_time_or_rescued(const std::atomic<bool>& acquired, std::chrono::milliseconds limit, Rescue rescue,
                               const char* check, std::string_view primitive) {
  const auto in = [&] { return acquired.load(std::memory_order_acquire); };
  if (wait_until(in, Clock::now() + limit)) return true;
  rescue();
  if (!wait_until(in, Clock::now() + kHangGrace)) {
    std::fprintf(stderr, "%s: %.*s: the rescue did not free the writer\n", check,
                 static_cast<int>(primitive.size()), primitive.data());
    std::fflush(stderr);
    std::abort();
  }
  return false;
}

}  // namespace rw_detail

struct RwStressResult {
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t overlaps = 0;      // reads that saw a half-written or changing pattern
  std::uint64_t lost_writes = 0;   // how far a final line is from the write count (writers overlapped)
};

// `threads` workers, each doing reads with probability read_percent / 100
// and writes otherwise, until max_ops_per_thread or the budget. A write puts
// the next value into line 0, yields the CPU for a moment, then into the
// other lines; a read checks all lines are equal, does a little work, and
// checks they have not changed. The lines are plain memory: the lock alone
// orders them (ThreadSanitizer checks that).
template <rwlocks::RwLockable L>
RwStressResult stress_readers_and_writers(L& lock, int threads, int read_percent, std::chrono::milliseconds budget,
                                          std::uint64_t max_ops_per_thread) {
  struct alignas(64) Line {
    std::uint64_t value = 0;
  };
  struct {
    Line lines[rw_detail::kPatternLines];
  } data;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> reads{0}, writes{0}, overlaps{0};
  std::atomic<int> running{threads};
  std::latch start(threads + 1);

  auto read_once = [&]() -> bool {
    lock.lock_shared();
    const std::uint64_t seen = data.lines[0].value;
    bool ok = true;
    for (const Line& l : data.lines) ok = ok && l.value == seen;
    for (int k = 0; k < 16; ++k) cpu_relax();
    rw_detail::compiler_fence();
    for (const Line& l : data.lines) ok = ok && l.value == seen;
    lock.unlock_shared();
    return ok;
  };
  auto write_once = [&](std::uint64_t op) {
    lock.lock();
    const std::uint64_t next = data.lines[0].value + 1;
    data.lines[0].value = next;
    rw_detail::compiler_fence();
    if (op % 8 == 0) std::this_thread::yield();  // sometimes leave the pattern half-written for a while
    for (int k = 0; k < 16; ++k) cpu_relax();
    rw_detail::compiler_fence();
    for (int i = 1; i < rw_detail::kPatternLines; ++i) data.lines[i].value = next;
    lock.unlock();
  };

  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::uint64_t r = 0, w = 0, bad = 0;
      std::uint64_t rng = 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(t + 1);
      start.arrive_and_wait();
      for (std::uint64_t op = 0; op < max_ops_per_thread && !stop.load(std::memory_order_relaxed); ++op) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        if (static_cast<int>(rng % 100) < read_percent) {
          if (!read_once()) ++bad;
          ++r;
        } else {
          write_once(op);
          ++w;
        }
      }
      reads.fetch_add(r, std::memory_order_relaxed);
      writes.fetch_add(w, std::memory_order_relaxed);
      overlaps.fetch_add(bad, std::memory_order_relaxed);
      running.fetch_sub(1, std::memory_order_release);
    });
  }
  start.arrive_and_wait();
  const auto deadline = rw_detail::Clock::now() + budget;
  rw_detail::wait_until([&] { return running.load(std::memory_order_acquire) == 0; }, deadline);
  stop.store(true, std::memory_order_relaxed);
  if (!rw_detail::wait_until([&] { return running.load(std::memory_order_acquire) == 0; },
                             deadline + rw_detail::kHangGrace)) {
    std::fprintf(stderr, "stress_readers_and_writers: %.*s: %d of %d workers still stuck %lld s after the budget\n",
                 static_cast<int>(L::name.size()), L::name.data(), running.load(), threads,
                 static_cast<long long>(rw_detail::kHangGrace.count()));
    std::fflush(stderr);
    std::abort();
  }
  for (auto& t : pool) t.join();
  RwStressResult result{reads.load(), writes.load(), overlaps.load(), 0};
  for (const Line& l : data.lines) {
    const std::uint64_t diff = l.value > result.writes ? l.value - result.writes : result.writes - l.value;
    if (diff > result.lost_writes) result.lost_writes = diff;
  }
  return result;
}

// True if `readers` threads were all inside the read lock at the same time
// within `limit` (each waits inside for the others, up to the limit).
template <rwlocks::RwLockable L>
bool readers_share(L& lock, int readers, std::chrono::milliseconds limit) {
  std::atomic<int> inside{0};
  std::atomic<int> saw_all{0};
  const auto deadline = rw_detail::Clock::now() + limit;
  std::vector<std::thread> pool;
  for (int i = 0; i < readers; ++i) {
    pool.emplace_back([&] {
      lock.lock_shared();
      inside.fetch_add(1, std::memory_order_relaxed);
      if (rw_detail::wait_until([&] { return inside.load(std::memory_order_relaxed) == readers; }, deadline))
        saw_all.fetch_add(1, std::memory_order_relaxed);
      lock.unlock_shared();
    });
  }
  for (auto& t : pool) t.join();
  return saw_all.load() == readers;
}

struct WriterBehindReaders {
  bool entered_while_read_held = false;  // the writer got in while a reader held the lock
  bool woken = false;                    // the writer got in after the reader left, within the limit
};

// The main thread takes a read lock; a writer thread calls lock() and is
// given `hold` to go to sleep; the reader leaves. The writer must not get in
// before that, and must get in within `limit` after. If it does not (a lost
// wake-up), rescue() must free it so the thread can be joined.
template <rwlocks::RwLockable L, class Rescue>
WriterBehindReaders writer_behind_readers(L& lock, std::chrono::milliseconds hold, std::chrono::milliseconds limit,
                                          Rescue rescue) {
  std::atomic<bool> reader_out{false};
  std::atomic<bool> acquired{false};
  std::atomic<bool> acquired_early{false};
  lock.lock_shared();
  std::thread writer([&] {
    lock.lock();
    if (!reader_out.load(std::memory_order_relaxed)) acquired_early.store(true, std::memory_order_relaxed);
    acquired.store(true, std::memory_order_release);
    lock.unlock();
  });
  std::this_thread::sleep_for(hold);
  reader_out.store(true, std::memory_order_relaxed);
  lock.unlock_shared();
  WriterBehindReaders result;
  result.woken = rw_detail::writer_in_time_or_rescued(acquired, limit, rescue, "writer_behind_readers", L::name);
  writer.join();
  result.entered_while_read_held = acquired_early.load();
  return result;
}

struct StreamResult {
  bool got_in = false;                  // the writer acquired before `limit`
  std::chrono::milliseconds waited{0};  // how long its lock() took
};

// `readers` threads keep the lock read-held without a gap: each stays inside
// until a reader that arrived after it is inside too (or `baton_timeout`
// passes), then leaves and comes straight back. A reader-preferring lock lets
// the newcomers in, so the lock is never free and a writer starves; a
// writer-preferring one stops them once the writer waits, the last reader
// inside times out and leaves, and the writer gets in.
template <rwlocks::RwLockable L>
StreamResult writer_wait_under_reader_stream(L& lock, int readers, std::chrono::milliseconds baton_timeout,
                                             std::chrono::milliseconds limit) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> arrivals{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < readers; ++i) {
    pool.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        lock.lock_shared();
        const std::uint64_t my_arrival = arrivals.fetch_add(1, std::memory_order_relaxed);
        const auto deadline = rw_detail::Clock::now() + baton_timeout;
        while (arrivals.load(std::memory_order_relaxed) == my_arrival + 1 && !stop.load(std::memory_order_relaxed) &&
               rw_detail::Clock::now() < deadline)
          std::this_thread::yield();
        lock.unlock_shared();
      }
    });
  }
  // Start the writer once the stream runs: several readers came and went.
  rw_detail::wait_until([&] { return arrivals.load(std::memory_order_relaxed) >= static_cast<std::uint64_t>(4 * readers); },
                        rw_detail::Clock::now() + limit);
  std::atomic<bool> acquired{false};
  const auto t0 = rw_detail::Clock::now();
  std::thread writer([&] {
    lock.lock();
    acquired.store(true, std::memory_order_release);
    lock.unlock();
  });
  StreamResult result;
  result.got_in = rw_detail::wait_until([&] { return acquired.load(std::memory_order_acquire); }, t0 + limit);
  result.waited = std::chrono::duration_cast<std::chrono::milliseconds>(rw_detail::Clock::now() - t0);
  stop.store(true, std::memory_order_relaxed);  // a starved writer gets in once the readers stop
  if (!rw_detail::wait_until([&] { return acquired.load(std::memory_order_acquire); },
                             rw_detail::Clock::now() + rw_detail::kHangGrace)) {
    std::fprintf(stderr, "writer_wait_under_reader_stream: %.*s: the writer is stuck with no reader left\n",
                 static_cast<int>(L::name.size()), L::name.data());
    std::fflush(stderr);
    std::abort();
  }
  writer.join();
  for (auto& t : pool) t.join();
  return result;
}

struct MigratedRead {
  bool migrated = false;  // the reader ran lock_shared() on one CPU and unlock_shared() on the other
  bool writer_got_in = false;  // a writer then acquired within the limit
};

// A reader thread pinned to `from` takes the read lock, pins itself to `to`
// (the kernel moves it before the call returns) and releases it. Then a
// writer must get in within `limit`; if it does not, rescue() must free it
// so the thread can be joined. `migrated` is false when the pinning did not
// put the reader where asked (the caller skips).
template <rwlocks::RwLockable L, class Rescue>
MigratedRead writer_after_a_migrated_read(L& lock, int from, int to, std::chrono::milliseconds limit,
                                          Rescue rescue) {
  MigratedRead result;
  std::thread reader([&] {
    const AffinityRestorer restore;
    if (!pin_current_thread(from) || sched_getcpu() != from) return;
    lock.lock_shared();
    const bool moved = pin_current_thread(to) && sched_getcpu() == to;
    lock.unlock_shared();
    result.migrated = moved;
  });
  reader.join();
  if (!result.migrated) return result;
  std::atomic<bool> acquired{false};
  std::thread writer([&] {
    lock.lock();
    acquired.store(true, std::memory_order_release);
    lock.unlock();
  });
  result.writer_got_in =
      rw_detail::writer_in_time_or_rescued(acquired, limit, rescue, "writer_after_a_migrated_read", L::name);
  writer.join();
  return result;
}

// Whether a writer on another thread gets the lock within `limit` (the
// lock left free); a writer still stuck after that aborts the test.
template <rwlocks::RwLockable L>
bool writer_gets_in(L& lock, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::atomic<bool> acquired{false};
  std::thread writer([&] {
    lock.lock();
    acquired.store(true, std::memory_order_release);
    lock.unlock();
  });
  const bool in_time = rw_detail::writer_in_time_or_rescued(acquired, limit, [] {}, "writer_gets_in", L::name);
  writer.join();
  return in_time;
}

}  // namespace synclab::testing
