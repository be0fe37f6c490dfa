// clock.hpp — the one clock of the harness: monotonic nanoseconds.
// steady_clock is CLOCK_MONOTONIC through the vDSO on Linux: no syscall, the
// same time base on every CPU, never stepped by NTP.
#pragma once

#include <chrono>
#include <cstdint>

namespace synclab::harness {

inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace synclab::harness
