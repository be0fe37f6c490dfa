// futex_semaphore.hpp — a counting semaphore in one 32-bit futex word.
//
// Algorithm: the word holds the available permits in its low 16 bits and the
//   number of registered waiters in its high 16 bits, so every decision is
//   taken from the value a single atomic read-modify-write returned:
//   acquire()      CAS the count down while it is above 0. When it is 0,
//                  register as a waiter (add one to the high half) and loop:
//                  take a permit and unregister in one CAS (count - 1,
//                  waiters - 1) when the count is above 0, otherwise sleep on
//                  the word while it holds exactly the value seen.
//   try_acquire()  the first step only: false as soon as the count reads 0.
//   release()      add to the count; wake a waiter only if the value the add
//                  returned had waiters registered (no syscall otherwise).
//   A release changes the word, so a waiter that registered and saw 0 either
//   finds the new value when the kernel compares it (and does not sleep) or is
//   asleep already and counted in the value the release returned, which then
//   wakes it: no lost wake-up. A woken waiter that loses the permit to a
//   running thread goes back to sleep only if the count is 0 again, i.e. the
//   permit was taken, never lost.
// Source: Rust Atomics and Locks, ch. 10 "Semaphore" (a semaphore in a single
//   atomic on a futex) with the waiter bookkeeping of ch. 9 "Avoiding
//   Syscalls" (the digest's SEM and MX-2), packed into the futex word.
// Guarantees: never more than the count's worth of holders at once; permits
//   are never lost; not fair (a running thread can take a permit before a woken
//   waiter: barging); waiters sleep, so oversubscription costs wake latency,
//   not CPU. Uncontended acquire and release are one RMW each and no syscall.
//   At most max() = 65535 permits and 65535 threads waiting at once. A release
//   that would take the count above max() is a contract violation: it prints
//   one line and aborts, because the carry would corrupt the waiter half. A
//   65536th waiter aborts the same way: its registration would wrap the
//   waiter half to 0, and the next release would skip the wake the sleepers
//   need. (WaiterBits, the size of the waiter half, is a template parameter
//   so that tests reach that limit with a few threads; FutexSemaphore is the
//   16/16 split.)
// Memory ordering:
//   acquire()/try_acquire() take a permit with a CAS whose success ordering is
//     acquire: it reads a value written after the release that returned that
//     permit. Every change of the word is a read-modify-write, so that value
//     is part of the release's release sequence, and the release
//     synchronises-with the acquire: the previous holder's work happens-before
//     the new holder's. Failed CASes and waiter registration are relaxed: they
//     acquire nothing.
//   release() is a fetch_add with release ordering, for the pairing above.
//   Futex calls order nothing (wait/futex.hpp).
// Layout: one 32-bit word.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "synclab/semaphores/concepts.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::semaphores {

// WaiterBits: the high bits that count the waiters; the count has the rest.
template <unsigned WaiterBits = 16>
class BasicFutexSemaphore {
  static_assert(WaiterBits >= 1 && WaiterBits <= 30);

 public:
  static constexpr std::string_view name = "futex_semaphore";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call

  static constexpr std::ptrdiff_t max() noexcept { return kCountMask; }
  // The most threads that may wait at once.
  static constexpr std::uint32_t max_waiters() noexcept { return kMaxWaiters; }

  explicit BasicFutexSemaphore(std::ptrdiff_t initial) noexcept : word_(checked_initial(initial)) {}
  BasicFutexSemaphore(const BasicFutexSemaphore&) = delete;
  BasicFutexSemaphore& operator=(const BasicFutexSemaphore&) = delete;
  BasicFutexSemaphore(BasicFutexSemaphore&&) = delete;
  BasicFutexSemaphore& operator=(BasicFutexSemaphore&&) = delete;

  [[nodiscard]] bool try_acquire() noexcept {
    std::uint32_t seen = word_.load(std::memory_order_relaxed);
    while (count(seen) > 0) {
      if (word_.compare_exchange_weak(seen, seen - 1, std::memory_order_acquire, std::memory_order_relaxed))
        return true;
    }
    return false;
  }

  void acquire() noexcept {
    if (try_acquire()) return;
    acquire_as_waiter();
  }

  void release(std::ptrdiff_t update = 1) noexcept {
    const auto added = static_cast<std::uint32_t>(update);
    const std::uint32_t before = word_.fetch_add(added, std::memory_order_release);
    stall_point(StallPoint::after_release, this);
    if (count(before) + added > kCountMask) over_release();
    if (waiters(before) == 0) return;
    if (added == 1)
      wait::futex_wake_one(word_);
    else
      wait::futex_wake_all(word_);
  }

  // The permits available now; a snapshot, for tests and checks after a run.
  [[nodiscard]] std::ptrdiff_t available() const noexcept { return count(word_.load(std::memory_order_relaxed)); }

 private:
  static constexpr unsigned kCountBits = 32 - WaiterBits;
  static constexpr std::uint32_t kCountMask = (std::uint32_t{1} << kCountBits) - 1;
  static constexpr std::uint32_t kOneWaiter = std::uint32_t{1} << kCountBits;
  static constexpr std::uint32_t kMaxWaiters = (std::uint32_t{1} << WaiterBits) - 1;

  static constexpr std::uint32_t count(std::uint32_t word) noexcept { return word & kCountMask; }
  static constexpr std::uint32_t waiters(std::uint32_t word) noexcept { return word >> kCountBits; }

  static std::uint32_t checked_initial(std::ptrdiff_t initial) noexcept {
    if (initial < 0 || initial > max()) over_release();
    return static_cast<std::uint32_t>(initial);
  }

  [[noreturn]] static void over_release() noexcept {
    std::fprintf(stderr, "futex_semaphore: count above its maximum (%u permits)\n", kCountMask);
    std::abort();
  }

  [[noreturn]] static void too_many_waiters() noexcept {
    std::fprintf(stderr, "futex_semaphore: more than its maximum of %u waiters\n", kMaxWaiters);
    std::abort();
  }

  // Registered from the first RMW to the CAS that takes a permit, so every
  // release in between sees this thread in the waiter half.
  void acquire_as_waiter() noexcept {
    const std::uint32_t before = word_.fetch_add(kOneWaiter, std::memory_order_relaxed);
    if (waiters(before) == kMaxWaiters) too_many_waiters();
    std::uint32_t seen = before + kOneWaiter;
    for (;;) {
      if (count(seen) > 0) {
        if (word_.compare_exchange_weak(seen, seen - 1 - kOneWaiter, std::memory_order_acquire,
                                        std::memory_order_relaxed))
          return;
        continue;
      }
      wait::futex_wait(word_, seen);
      seen = word_.load(std::memory_order_relaxed);
    }
  }

  std::atomic<std::uint32_t> word_;
};

using FutexSemaphore = BasicFutexSemaphore<>;

static_assert(CountingSemaphore<FutexSemaphore>);
static_assert(sizeof(FutexSemaphore) == 4);
static_assert(FutexSemaphore::max() == 65535 && FutexSemaphore::max_waiters() == 65535);

}  // namespace synclab::semaphores
