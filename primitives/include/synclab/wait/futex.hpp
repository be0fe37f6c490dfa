// futex.hpp — the futex wait layer: block on a 32-bit atomic word, wake others.
//
// Source: Rust Atomics and Locks, ch. 8 "Futex" (the raw Linux calls) and ch. 9
//   intro (the wait / wake_one / wake_all vocabulary the locks are written in).
//
// Semantics:
//   futex_wait(word, expected) sleeps only if `word` still holds `expected` when
//     the kernel checks it (atomically with queueing the thread), so a wake that
//     follows a change of the word can never be lost. It returns on a wake, when
//     the value differs, on EINTR, or spuriously: callers always re-check their
//     condition in a loop.
//   futex_wake_one / futex_wake_all wake one / every thread sleeping on `word`.
//   FUTEX_*_PRIVATE: the words are never shared between processes, which lets
//     the kernel skip the mm lookup.
//
// Memory ordering: none. The syscalls give no happens-before that a lock may
//   rely on; every primitive gets its ordering from its own acquire/release
//   operations on the word (ch. 9, Figure 9-1). Waiting is only an optimisation
//   over spinning, never part of the correctness argument.
//
// Counting: each call increments a plain per-thread counter (no atomic, no
//   shared cache line, so counting does not perturb what is measured). The
//   harness reads a worker's counters on that worker's own thread at the end of
//   a run and reports futex_waits_per_op / futex_wakes_per_op; tests read them
//   to check the syscall cost that defines each mutex of the ladder.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cstdint>

namespace synclab::wait {

// The kernel reads the word through a plain pointer: the atomic must be exactly
// a 32-bit integer in memory.
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint64_t>) == sizeof(std::uint64_t));
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// One 32-bit half of a 64-bit word: the low half holds bits 0-31.
enum class Half { low, high };

// Number of futex syscalls issued by one thread.
struct WaitCounters {
  std::uint64_t waits = 0;
  std::uint64_t wakes = 0;
};

inline thread_local WaitCounters tls_wait_counters;

// The calling thread's counters. Take a copy before and after the code under
// test and subtract; they are never reset by the wait layer itself.
[[nodiscard]] inline WaitCounters& wait_counters() noexcept { return tls_wait_counters; }

namespace detail {
[[gnu::always_inline]] inline std::uint32_t* futex_address(std::atomic<std::uint32_t>& word) noexcept {
  return reinterpret_cast<std::uint32_t*>(&word);
}
[[gnu::always_inline]] inline std::uint32_t* futex_address(std::atomic<std::uint64_t>& word, Half half) noexcept {
  constexpr bool low_first = std::endian::native == std::endian::little;
  return reinterpret_cast<std::uint32_t*>(&word) + ((half == Half::low) == low_first ? 0 : 1);
}
}  // namespace detail

// Sleeps while `word == expected`. May return early for any reason; loop.
inline void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept {
  ++tls_wait_counters.waits;
  ::syscall(SYS_futex, detail::futex_address(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

inline void futex_wake_one(std::atomic<std::uint32_t>& word) noexcept {
  ++tls_wait_counters.wakes;
  ::syscall(SYS_futex, detail::futex_address(word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

inline void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept {
  ++tls_wait_counters.wakes;
  ::syscall(SYS_futex, detail::futex_address(word), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
}

// The same on one half of a 64-bit word: sleeps while that half == expected.
inline void futex_wait(std::atomic<std::uint64_t>& word, Half half, std::uint32_t expected) noexcept {
  ++tls_wait_counters.waits;
  ::syscall(SYS_futex, detail::futex_address(word, half), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

inline void futex_wake_one(std::atomic<std::uint64_t>& word, Half half) noexcept {
  ++tls_wait_counters.wakes;
  ::syscall(SYS_futex, detail::futex_address(word, half), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

inline void futex_wake_all(std::atomic<std::uint64_t>& word, Half half) noexcept {
  ++tls_wait_counters.wakes;
  ::syscall(SYS_futex, detail::futex_address(word, half), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
}

}  // namespace synclab::wait
