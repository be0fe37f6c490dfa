// seqlock.hpp — a sequence lock over a small trivially copyable value:
// readers never write shared memory and never block the writer; they copy
// the value and retry if a write overlapped the copy.
//
// Algorithm (Rust Atomics and Locks, ch. 10 "Sequence Lock"; Linux seqlock_t;
//   orderings after H.-J. Boehm, "Can Seqlocks Get Along With Programming
//   Language Memory Models?", MSPC 2012):
//   seq: a 64-bit counter, odd while a write is in progress.
//   store(v)   claim the write: CAS seq from an even s to s+1 (writers wait,
//              spinning, while it is odd, so the odd value is also the
//              writers' mutual exclusion); copy v into the payload words;
//              publish with seq = s+2.
//   load()     read seq (s0); if odd, a write is in progress: retry. Copy
//              the payload words; read seq again; if it still equals s0, no
//              write overlapped the copy and the copy is one whole value;
//              otherwise retry.
// Why atomic words: the reader's copy races with the writer by design. With
//   plain loads that race is undefined behaviour in C++ even though the torn
//   copy is thrown away (the compiler may assume no race and, e.g., re-load
//   or split accesses), and ThreadSanitizer rightly reports it. So the
//   payload is an array of std::atomic<uint64_t> accessed with relaxed
//   loads and stores — on x86-64 and AArch64 these are plain MOV / LDR / STR,
//   exactly what a plain copy costs — and the ordering comes from the
//   sequence accesses and two fences:
//   - writer: the CAS to odd is followed by a RELEASE FENCE before the
//     relaxed data stores. If a reader's relaxed data load sees any store of
//     this write, that fence synchronises with the reader's acquire fence
//     (below), so the odd seq value happens-before the reader's second seq
//     read, which therefore reads s+1 or later: the copy is discarded. A
//     release store of seq would not do: release orders what comes BEFORE a
//     store, and here the data stores come after it.
//   - writer: the final seq = s+2 is a RELEASE store, after the data stores.
//   - reader: the first seq read is ACQUIRE: if it reads s+2 it
//     synchronises with that release store, so the whole write happens-before
//     the copy, which therefore sees those values or later ones (and later
//     ones are caught by the second check).
//   - reader: an ACQUIRE FENCE after the relaxed data loads, then a relaxed
//     second seq read. The fence keeps the second read after the data loads
//     and is the partner of the writer's release fence. (An acquire load of
//     seq would not do: acquire orders what comes AFTER a load, and the data
//     loads come before it.)
//   - the writers' CAS to odd is acquire: it reads the previous writer's
//     release s+2, so that write happens-before ours and our data stores
//     follow its stores in each word's modification order.
//   Boehm's paper derives this recipe and its alternatives (making every
//   data load acquire, or the second seq read a read-don't-modify-write)
//   and shows why the first-attempt "just make seq acquire/release" is wrong.
//   ThreadSanitizer does not model stand-alone fences; it has nothing to
//   miss here, because every shared access of the seqlock is atomic (a
//   relaxed atomic access is never a data race), so the fences stay in
//   every build and GCC's -Wtsan notice about them is silenced.
// Guarantees: a load() returns a value some store() wrote (or the initial
//   one), never a mix; loads never write shared memory, so readers scale and
//   never delay the writer. Readers are not wait-free: a reader retries for
//   as long as writes keep overlapping its copy (starvation under a writer
//   that never pauses), and spins while a writer is preempted mid-write.
//   Writers are serialized by the odd value (a spin: for rare writers, or
//   one writer, as the scheme intends).
// Counter wrap: 64 bits, never in practice; a 32-bit counter could let a
//   reader stalled across exactly 2^31 writes accept a torn copy.
// Layout: the counter and the payload words together, starting on a cache
//   line, so a small payload costs the reader one line.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "synclab/arch/cpu_relax.hpp"

namespace synclab::seqlock {

template <class T>
concept SeqLockPayload = std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T> &&
                         sizeof(T) % sizeof(std::uint64_t) == 0 && sizeof(T) > 0;

#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif

template <SeqLockPayload T>
class alignas(64) SeqLock {
 public:
  static constexpr std::string_view name = "seqlock";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr std::size_t kWords = sizeof(T) / sizeof(std::uint64_t);

  SeqLock() noexcept : SeqLock(T{}) {}
  explicit SeqLock(const T& initial) noexcept { write_words(to_words(initial)); }
  SeqLock(const SeqLock&) = delete;
  SeqLock& operator=(const SeqLock&) = delete;
  SeqLock(SeqLock&&) = delete;
  SeqLock& operator=(SeqLock&&) = delete;

  void store(const T& value) noexcept {
    const Words words = to_words(value);
    const std::uint64_t s = claim_write();
    std::atomic_thread_fence(std::memory_order_release);  // odd seq before any data store
    write_words(words);
    seq_.store(s + 2, std::memory_order_release);  // data stores before the even seq
  }

  // One whole stored value; `retries` grows by the attempts that were discarded.
  T load(std::uint64_t& retries) const noexcept {
    for (;;) {
      const std::uint64_t s0 = seq_.load(std::memory_order_acquire);
      if (s0 % 2 == 0) {
        Words words;
        for (std::size_t i = 0; i < kWords; ++i) words[i] = words_[i].load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);  // data loads before the re-check
        if (seq_.load(std::memory_order_relaxed) == s0) return from_words(words);
      }
      ++retries;
      cpu_relax();
    }
  }

  T load() const noexcept {
    std::uint64_t ignored = 0;
    return load(ignored);
  }

 protected:  // for the tests' broken twins, which replace load() (tests/primitives/seqlock_testing.hpp)
  using Words = std::array<std::uint64_t, kWords>;

  static Words to_words(const T& value) noexcept { return std::bit_cast<Words>(value); }
  static T from_words(const Words& words) noexcept { return std::bit_cast<T>(words); }

  // Returns the even value it replaced with s + 1.
  std::uint64_t claim_write() noexcept {
    std::uint64_t s = seq_.load(std::memory_order_relaxed);
    for (;;) {
      if (s % 2 == 0 && seq_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed))
        return s;
      if (s % 2 != 0) {  // another writer is in: wait for its even value
        cpu_relax();
        s = seq_.load(std::memory_order_relaxed);
      }
    }
  }

  void write_words(const Words& words) noexcept {
    for (std::size_t i = 0; i < kWords; ++i) words_[i].store(words[i], std::memory_order_relaxed);
  }

  std::atomic<std::uint64_t> seq_{0};
  std::array<std::atomic<std::uint64_t>, kWords> words_{};
};

#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace synclab::seqlock
