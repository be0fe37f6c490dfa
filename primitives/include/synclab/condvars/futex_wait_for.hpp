// condvars/futex_wait_for.hpp — a futex wait with a time limit, counted like
// every other futex call.
//
// Why the condition variables need it: their wait sleeps on a notification
// counter that wraps after 2^32 notifications. A waiter that loaded the
// counter, then was held off the CPU for exactly a multiple of 2^32
// notifications, would find the old value again and sleep with nothing left to
// wake it. Rust Atomics and Locks (ch. 9, "Condition Variable", tip) removes
// that last risk with a wait limited to a few seconds: sending four billion
// notifications takes far longer, and a condvar wait may return spuriously
// anyway, so a timeout is only one more spurious wake-up.
//
// Semantics: as wait::futex_wait (sleeps only while `word == expected`, may
// return early for any reason), and returns after `limit` at the latest. The
// limit is relative and measured on CLOCK_MONOTONIC (FUTEX_WAIT's rule).
// Counting: increments wait::wait_counters().waits, so the harness sees these
// calls in futex_waits_per_op like the wait layer's own.
// Expiries: a wait that ran out its limit is counted in timed_out_waits(), a
//   process-wide relaxed counter touched only on that rare path. For the
//   condition variables an expiry means a wake-up that never came: a lost
//   wake-up the guard recovered from, which tests and the bench's checks
//   report instead of letting it pass as a slow wait.
// Memory ordering: none, as for every futex call (wait/futex.hpp).
#pragma once

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>

#include "synclab/wait/futex.hpp"

namespace synclab::condvars {

// Waits that returned because their limit ran out, in the whole process.
[[nodiscard]] inline std::atomic<std::uint64_t>& timed_out_waits() noexcept {
  static std::atomic<std::uint64_t> expired{0};
  return expired;
}

inline void futex_wait_for(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                           std::chrono::nanoseconds limit) noexcept {
  ++wait::wait_counters().waits;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(limit);
  const timespec relative{static_cast<time_t>(seconds.count()), static_cast<long>((limit - seconds).count())};
  if (::syscall(SYS_futex, wait::detail::futex_address(word), FUTEX_WAIT_PRIVATE, expected, &relative, nullptr, 0) !=
          0 &&
      errno == ETIMEDOUT)
    timed_out_waits().fetch_add(1, std::memory_order_relaxed);
}

// The limit the condition variables use: long against any real wait (a
// wake-up it causes is a spurious one, which callers handle), short against
// the time 2^32 notifications take (minutes at the fastest notify rate).
inline constexpr std::chrono::seconds kCounterWrapGuard{4};

}  // namespace synclab::condvars
