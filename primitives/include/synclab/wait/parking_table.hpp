// parking_table.hpp — a process-wide parking lot: threads wait in a global
// hash table keyed by an address, so the thing they wait for (a one-byte
// lock, say) needs no room for a queue of its own.
//
// Design: WebKit's ParkingLot (Pizlo, "Locking in WebKit", 2016) and Rust's
//   parking_lot crate: a user-space futex keyed by address.
//   - kBuckets buckets, each on its own cache line, with a small internal lock
//     and a FIFO of waiter records; a key hashes to one bucket (Fibonacci
//     hashing of the address), and unrelated keys may share a bucket.
//   - A waiter record lives on the parked thread's stack and holds its own
//     32-bit futex word: each waiter sleeps on its own word, so a wake targets
//     exactly the thread chosen, never a herd.
//   - park(key, validate, since): under the bucket lock, validate() decides
//     whether to sleep at all (the caller re-checks its condition, e.g. "the
//     lock is still held and marked parked"); if so the record is appended and
//     the bucket lock released before sleeping. Whoever changes that condition
//     must take the same bucket lock to wake anyone, so a wake can never fall
//     between the check and the sleep.
//   - unpark_one(key, decide): under the bucket lock, removes the oldest
//     waiter for key and calls decide(result) with whether one was found,
//     whether more wait on the key, and how long the found one has waited
//     (since the `since` it parked with). decide() runs under the bucket lock,
//     so it can update the caller's state consistently with the queue (clear
//     a "parked" bit only when nobody is left), and returns a token handed to
//     the woken thread (e.g. "the lock is yours").
// The bucket lock: ttas_yield (locks/ttas_waiting.hpp). Its critical sections
//   are a few pointer updates and never sleep; a holder preempted inside one is
//   the danger, and yielding after a short spin gives it the CPU back.
// Wake-after-store: the waker stores 0 to the record's futex word (release)
//   after dropping the bucket lock, then issues FUTEX_WAKE on its address. The
//   woken thread may already have seen the 0, returned and reused that stack
//   memory: the wake then targets a live, mapped address nobody sleeps on, or
//   spuriously wakes an unrelated futex waiter there, which re-checks its
//   condition as every futex waiter must. No memory of the record is touched
//   after the store. (parking_lot's Linux ThreadParker makes the same argument.)
// Counting: every sleep and wake goes through wait/futex.hpp, so it is counted
//   per thread like the futex mutexes'.
// Memory ordering:
//   Queue fields (key, next, since, token) are plain and guarded by the bucket
//   lock, except `token` on the way out: the waker writes it, then stores the
//   futex word 0 with release; the parked thread reads the word with acquire
//   until 0, then reads the token. That release/acquire pair is also what a
//   lock handed off through a token relies on: everything the waker did before
//   unpark_one() happens-before the woken thread's return from park().
//   validate() and decide() run under the bucket lock, whose own
//   acquire/release orders them with each other.
// Capacity: 256 buckets, fixed (parking_lot grows its table with the thread
//   count; a lab with at most a few hundred threads keeps chains short enough).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "synclab/locks/ttas_waiting.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::wait {

struct UnparkResult {
  bool unparked = false;               // a waiter for the key was found and woken
  bool have_more = false;              // other waiters for the key remain queued
  std::chrono::nanoseconds waited{0};  // how long the woken one had waited (since its `since`)
};

class ParkingTable {
 public:
  using clock = std::chrono::steady_clock;
  using Token = std::uintptr_t;
  static constexpr std::size_t kBuckets = 256;

  // Sleeps until unparked, if validate() holds under the bucket lock. Returns
  // the waker's token, or nullopt if validate() said not to sleep.
  template <class Validate>
  std::optional<Token> park(const void* key, Validate&& validate, clock::time_point since) noexcept {
    Bucket& bucket = bucket_for(key);
    Waiter self;
    bucket.lock.lock();
    if (!validate()) {
      bucket.lock.unlock();
      return std::nullopt;
    }
    self.key = key;
    self.since = since;
    bucket.append(&self);
    bucket.lock.unlock();
    while (self.asleep.load(std::memory_order_acquire) != 0) {
      futex_wait(self.asleep, 1);
    }
    return self.token;
  }

  // Wakes the oldest waiter for key, if any; decide(const UnparkResult&)
  // returns its token and runs under the bucket lock.
  template <class Decide>
  UnparkResult unpark_one(const void* key, Decide&& decide) noexcept {
    Bucket& bucket = bucket_for(key);
    bucket.lock.lock();
    Waiter* found = bucket.remove_first(key);
    UnparkResult result;
    result.unparked = found != nullptr;
    result.have_more = result.unparked && bucket.contains(key);
    if (found != nullptr) {
      result.waited = clock::now() - found->since;
    }
    const Token token = decide(static_cast<const UnparkResult&>(result));
    if (found != nullptr) {
      found->token = token;
    }
    bucket.lock.unlock();
    if (found != nullptr) {
      wake(*found);
    }
    return result;
  }

  // Wakes every waiter for key with `token`; returns how many.
  std::size_t unpark_all(const void* key, Token token) noexcept {
    Bucket& bucket = bucket_for(key);
    bucket.lock.lock();
    Waiter* woken = nullptr;  // a private list, linked through `next`
    std::size_t count = 0;
    while (Waiter* w = bucket.remove_first(key)) {
      w->token = token;
      w->next = woken;
      woken = w;
      ++count;
    }
    bucket.lock.unlock();
    while (woken != nullptr) {
      Waiter* next = woken->next;  // read before the wake: the record may vanish after it
      wake(*woken);
      woken = next;
    }
    return count;
  }

  // Waiters queued for key right now (for tests and diagnostics).
  std::size_t parked_count(const void* key) noexcept {
    Bucket& bucket = bucket_for(key);
    bucket.lock.lock();
    std::size_t n = 0;
    for (const Waiter* w = bucket.head; w != nullptr; w = w->next) {
      n += w->key == key ? 1 : 0;
    }
    bucket.lock.unlock();
    return n;
  }

  [[nodiscard]] static std::size_t bucket_index(const void* key) noexcept {
    // Fibonacci hashing: multiply by 2^64 / phi, keep the top 8 bits.
    const auto a = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key));
    return static_cast<std::size_t>((a * 0x9E3779B97F4A7C15ULL) >> (64 - 8));
  }

 private:
  static_assert(kBuckets == 256, "bucket_index keeps 8 bits");

  struct Waiter {
    const void* key = nullptr;
    Waiter* next = nullptr;
    clock::time_point since{};
    Token token = 0;
    std::atomic<std::uint32_t> asleep{1};  // this thread's futex word; 0 once woken
  };

  struct alignas(64) Bucket {
    locks::TtasYield lock;
    Waiter* head = nullptr;
    Waiter* tail = nullptr;

    void append(Waiter* w) noexcept {
      w->next = nullptr;
      if (tail == nullptr) {
        head = w;
      } else {
        tail->next = w;
      }
      tail = w;
    }

    Waiter* remove_first(const void* key) noexcept {
      Waiter* prev = nullptr;
      for (Waiter* w = head; w != nullptr; prev = w, w = w->next) {
        if (w->key != key) {
          continue;
        }
        (prev == nullptr ? head : prev->next) = w->next;
        if (tail == w) {
          tail = prev;
        }
        return w;
      }
      return nullptr;
    }

    [[nodiscard]] bool contains(const void* key) const noexcept {
      for (const Waiter* w = head; w != nullptr; w = w->next) {
        if (w->key == key) {
          return true;
        }
      }
      return false;
    }
  };

  static void wake(Waiter& w) noexcept {
    w.asleep.store(0, std::memory_order_release);
    futex_wake_one(w.asleep);  // address only; see "Wake-after-store" above
  }

  Bucket& bucket_for(const void* key) noexcept { return buckets_[bucket_index(key)]; }

  std::array<Bucket, kBuckets> buckets_{};
};

// The one table of the process.
inline constinit ParkingTable parking_table{};

}  // namespace synclab::wait
