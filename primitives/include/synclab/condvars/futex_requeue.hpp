// condvars/futex_requeue.hpp — FUTEX_CMP_REQUEUE: wake some threads sleeping
// on one futex word and move the others, still asleep, onto another word.
//
// Semantics: if `from` still holds `expected` when the kernel checks it,
//   wakes up to `wake` threads sleeping on `from` and moves up to `requeue`
//   of the remaining ones to the queue of `to`, where they sleep until a
//   wake on `to`. Returns false, doing nothing, if `from` changed (EAGAIN):
//   the caller decides what to do then.
// Why: a notify_all that requeues its waiters onto the mutex wakes one of them
//   instead of the whole herd (Rust Atomics and Locks, ch. 9, box "Thundering
//   Herd Problem"). Linux only, like the rest of the wait layer.
// Counting: one call is one wake in wait::wait_counters(), so the harness's
//   futex_wakes_per_op sees it.
// Memory ordering: none, as for every futex call (wait/futex.hpp).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "synclab/wait/futex.hpp"

namespace synclab::condvars {

inline bool futex_cmp_requeue(std::atomic<std::uint32_t>& from, std::uint32_t expected, int wake, int requeue,
                              std::atomic<std::uint32_t>& to) noexcept {
  ++wait::wait_counters().wakes;
  // The kernel takes the requeue limit in the timeout argument's slot.
  return ::syscall(SYS_futex, wait::detail::futex_address(from), FUTEX_CMP_REQUEUE_PRIVATE, wake,
                   reinterpret_cast<void*>(static_cast<std::uintptr_t>(requeue)), wait::detail::futex_address(to),
                   expected) >= 0;
}

}  // namespace synclab::condvars
