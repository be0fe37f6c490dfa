// rwlocks/detail.hpp — what the futex reader-writer locks of this directory
// share: the reader-count overflow abort.
//
// The reader count lives in the same 32-bit word as the write-locked sentinel
// (u32::MAX), so one reader too many would turn "four billion readers" into
// "write-locked" or wrap to "unlocked". The locks check before they increment
// (in the CAS loop, so nothing has been published yet) and abort: no program
// holds four billion read locks on purpose, and carrying on would break
// exclusion silently (Rust Atomics and Locks, ch. 9, the `assert!` in read()).
#pragma once

#include <cstdio>
#include <cstdlib>

namespace synclab::rwlocks::detail {

// Prints one line and aborts.
[[noreturn]] inline void abort_on_reader_overflow(const char* primitive) noexcept {
  std::fprintf(stderr, "synclab: %s: too many readers\n", primitive);
  std::abort();
}

}  // namespace synclab::rwlocks::detail
