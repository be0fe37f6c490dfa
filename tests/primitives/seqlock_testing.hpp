// seqlock_testing.hpp — the torn-read check of the seqlock tests and the
// seqlock's broken twins.
//
// check_torn_reads runs `writers` threads storing checked values (a version,
// words derived from it, a checksum) and `readers` threads loading and
// verifying them, for a bounded time. A load that mixes two stores fails the
// checksum (torn); a load older than one the same reader saw before went
// back in time. Both must stay 0 for a correct seqlock.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <string_view>
#include <thread>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/seqlock/seqlock.hpp"

namespace synclab::testing {

struct CheckedValue {
  std::array<std::uint64_t, 6> words{};

  static constexpr std::uint64_t derived(std::uint64_t version, std::size_t i) {
    return (version * 0x9E3779B97F4A7C15ull) ^ (0xD6E8FEB86659FD93ull >> i) ^ (version << (i * 7 % 61));
  }
  static constexpr std::uint64_t checksum(const std::array<std::uint64_t, 6>& w) {
    std::uint64_t sum = 0x84222325CBF29CE4ull;
    for (std::size_t i = 0; i + 1 < w.size(); ++i) sum = (sum ^ w[i]) * 0x100000001B3ull;
    return sum;
  }
  static constexpr CheckedValue make(std::uint64_t version) {
    CheckedValue v;
    v.words[0] = version;
    for (std::size_t i = 1; i + 1 < v.words.size(); ++i) v.words[i] = derived(version, i);
    v.words.back() = checksum(v.words);
    return v;
  }
  [[nodiscard]] constexpr bool intact() const {
    for (std::size_t i = 1; i + 1 < words.size(); ++i)
      if (words[i] != derived(words[0], i)) return false;
    return words.back() == checksum(words);
  }
};

struct TornReadResult {
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t retries = 0;
  std::uint64_t torn = 0;       // loads that were not one whole stored value
  std::uint64_t went_back = 0;  // loads older than an earlier load on the same reader
};

// Writer w stores versions w+1, w+1+writers, ... so versions never repeat;
// with several writers a reader may legitimately see versions out of order,
// so went_back is only meaningful with one writer.
template <class S>
TornReadResult check_torn_reads(S& lock, int writers, int readers, std::chrono::milliseconds budget,
                                std::uint64_t max_writes_per_writer) {
  std::atomic<bool> stop{false};
  std::atomic<int> writers_left{writers};
  std::atomic<std::uint64_t> reads{0}, writes{0}, retries{0}, torn{0}, went_back{0};
  std::latch start(writers + readers + 1);
  std::vector<std::thread> pool;
  for (int w = 0; w < writers; ++w) {
    pool.emplace_back([&, w] {
      start.arrive_and_wait();
      std::uint64_t n = 0;
      for (; n < max_writes_per_writer && !stop.load(std::memory_order_relaxed); ++n)
        lock.store(CheckedValue::make(static_cast<std::uint64_t>(w) + 1 + n * static_cast<std::uint64_t>(writers)));
      writes.fetch_add(n, std::memory_order_relaxed);
      writers_left.fetch_sub(1, std::memory_order_release);
    });
  }
  for (int r = 0; r < readers; ++r) {
    pool.emplace_back([&] {
      start.arrive_and_wait();
      std::uint64_t n = 0, my_retries = 0, my_torn = 0, my_back = 0, last = 0;
      // Read until every writer is done, then once more.
      bool writers_done = false;
      while (!writers_done) {
        writers_done = writers_left.load(std::memory_order_acquire) == 0;
        const CheckedValue v = lock.load(my_retries);
        if (!v.intact()) ++my_torn;
        if (v.words[0] < last) ++my_back;
        last = v.words[0];
        ++n;
      }
      reads.fetch_add(n, std::memory_order_relaxed);
      retries.fetch_add(my_retries, std::memory_order_relaxed);
      torn.fetch_add(my_torn, std::memory_order_relaxed);
      went_back.fetch_add(my_back, std::memory_order_relaxed);
    });
  }
  start.arrive_and_wait();
  std::this_thread::sleep_for(budget);
  stop.store(true, std::memory_order_relaxed);
  for (auto& t : pool) t.join();
  return {reads.load(), writes.load(), retries.load(), torn.load(), went_back.load()};
}

// GCC warns that ThreadSanitizer does not model the twins' fences; nothing
// here relies on TSan seeing them (see seqlock/seqlock.hpp).
#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif

// BROKEN: a seqlock reader that forgets the second check: seqlock.hpp's
// SeqLock with load() replaced.
//
// It waits for an even sequence number, copies the words (atomically) and
// returns the copy without re-reading the sequence number. A store that
// starts during the copy goes unnoticed: the copy mixes two values. Must be
// caught by: check_torn_reads (torn > 0) in every build; everything is
// atomic, so ThreadSanitizer has nothing to say.
template <class T>
class SeqLockNoRecheck : public seqlock::SeqLock<T> {
  using Base = seqlock::SeqLock<T>;

 public:
  static constexpr std::string_view name = "broken_seqlock_no_recheck";

  T load(std::uint64_t& retries) const {
    while (this->seq_.load(std::memory_order_acquire) % 2 != 0) {
      ++retries;
      cpu_relax();
    }
    typename Base::Words words;
    for (std::size_t i = 0; i < Base::kWords; ++i) words[i] = this->words_[i].load(std::memory_order_relaxed);
    // BROKEN: no acquire fence and no second look at seq_; a write that began after the first look is missed.
    return Base::from_words(words);
  }
};

// BROKEN: a seqlock reader that copies the payload with plain loads:
// seqlock.hpp's SeqLock with load() replaced.
//
// The protocol is right (first look, copy, fence, second look, retry), and
// the writer stores atomically, but the reader's copy is made of ordinary
// loads of the words the writer stores to atomically: a data race, undefined
// behaviour even though a torn copy is always discarded. On x86-64 nothing
// visible goes wrong, so it is caught only by ThreadSanitizer: "WARNING:
// ThreadSanitizer: data race" (tests/primitives/seqlock_broken_tsan_test.cpp,
// run in tsan builds only).
template <class T>
class SeqLockPlainRead : public seqlock::SeqLock<T> {
  using Base = seqlock::SeqLock<T>;

 public:
  static constexpr std::string_view name = "broken_seqlock_plain_read";

  T load(std::uint64_t& retries) const {
    for (;;) {
      const std::uint64_t s0 = this->seq_.load(std::memory_order_acquire);
      if (s0 % 2 == 0) {
        typename Base::Words words;
        for (std::size_t i = 0; i < Base::kWords; ++i)  // BROKEN: plain loads racing with the writer
          words[i] = *reinterpret_cast<const volatile std::uint64_t*>(&this->words_[i]);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (this->seq_.load(std::memory_order_relaxed) == s0) return Base::from_words(words);
      }
      ++retries;
      cpu_relax();
    }
  }
};

#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace synclab::testing
