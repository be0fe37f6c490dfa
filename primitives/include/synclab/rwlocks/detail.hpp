// rwlocks/detail.hpp — what the futex reader-writer locks of this directory
// share: the reader-count overflow abort, and the two halves of the 64-bit
// word in which rw_writer_counter and rw_writer_pref keep their state (low
// 32 bits) and their writer wake counter (high 32 bits).
//
// The reader count lives in the same 32-bit word as the write-locked sentinel
// (u32::MAX), so one reader too many would turn "four billion readers" into
// "write-locked" or wrap to "unlocked". The locks check before they increment
// (in the CAS loop, so nothing has been published yet) and abort: no program
// holds four billion read locks on purpose, and carrying on would break
// exclusion silently (Rust Atomics and Locks, ch. 9, the `assert!` in read()).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace synclab::rwlocks::detail {

// Prints one line and aborts.
[[noreturn]] inline void abort_on_reader_overflow(const char* primitive) noexcept {
  std::fprintf(stderr, "synclab: %s: too many readers\n", primitive);
  std::abort();
}

// One step of the writer wake counter, added to the whole word.
inline constexpr std::uint64_t kCounterOne = std::uint64_t{1} << 32;

[[nodiscard]] constexpr std::uint32_t state_of(std::uint64_t word) noexcept { return static_cast<std::uint32_t>(word); }
[[nodiscard]] constexpr std::uint32_t counter_of(std::uint64_t word) noexcept {
  return static_cast<std::uint32_t>(word >> 32);
}

}  // namespace synclab::rwlocks::detail
