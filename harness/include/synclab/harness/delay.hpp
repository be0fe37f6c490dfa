// delay.hpp — calibrated busy work, the unit of critical-section and think time.
//
// The contention model speaks in nanoseconds; the harness turns them into
// iterations of a loop the compiler must keep (an empty asm with a memory
// clobber), calibrated once per run. The loop does not touch memory, so it
// costs the same on every thread and is not itself a source of contention.
// Calibration is recorded in the results so runs can be compared honestly.
#pragma once

#include <cmath>
#include <cstdint>

namespace synclab::harness {

inline void spin_iterations(std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) asm volatile("" ::: "memory");
}

struct DelayCalibration {
  double iters_per_us = 0;
  [[nodiscard]] std::uint64_t iterations_for_ns(std::uint64_t ns) const {
    return static_cast<std::uint64_t>(std::llround(static_cast<double>(ns) * iters_per_us / 1000.0));
  }
};

// Times the loop several times and keeps the median rate; takes ~20 ms.
DelayCalibration calibrate_delay();

}  // namespace synclab::harness
