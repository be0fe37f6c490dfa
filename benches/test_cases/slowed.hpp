// slowed.hpp — a lock made slower on purpose, to validate regression
// detection end to end (docs/regressions.md). Built only with
// -DSYNCLAB_TEST_SLOWDOWN=NAME:PERCENT: every case of the lock named NAME then
// runs Slowed<L>, whose lock() adds busy work worth PERCENT % of the lock
// family's uncontended operation with L (lock, protected writes, unlock, the
// driver's loop), measured once at start-up, so the planted effect is PERCENT %
// of what the case reports. The results context says so (`test_slowdown`),
// so such a build is never mistaken for a normal one.
//
// UnderTest<L> is L in every other build, and for every other lock.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/harness/contention.hpp"
#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/workloads/lock_workload.hpp"

namespace synclab::bench::test_cases {

#ifdef SYNCLAB_TEST_SLOWDOWN_LOCK
inline constexpr std::string_view kSlowedLock = SYNCLAB_TEST_SLOWDOWN_LOCK;
inline constexpr double kSlowdownPercent = SYNCLAB_TEST_SLOWDOWN_PERCENT;
#else
inline constexpr std::string_view kSlowedLock;
inline constexpr double kSlowdownPercent = 0;
#endif

template <Lockable L>
class Slowed {
 public:
  static constexpr std::string_view name = L::name;
  static constexpr bool counts_futex_calls = requires { requires L::counts_futex_calls; };  // as L

  void lock() {
    inner_.lock();
    harness::spin_iterations(extra_iterations_);
  }
  void unlock() { inner_.unlock(); }

  // Sets the extra work from the measured uncontended operation with L; idempotent.
  static void calibrate(const harness::DelayCalibration& calibration) {
    if (extra_iterations_ != 0) return;
    constexpr std::uint64_t kOps = 1'000'000;
    harness::LockWorkload<L> workload(*harness::find_contention_level("uncontended"), calibration, 1);
    harness::WorkerContext ctx;
    const std::uint64_t t0 = harness::now_ns();
    for (std::uint64_t i = 0; i < kOps; ++i) {
      workload.operation(ctx);
      workload.think(ctx);
    }
    const double ns_per_op = static_cast<double>(harness::now_ns() - t0) / kOps;
    const auto extra_ns = static_cast<std::uint64_t>(std::llround(ns_per_op * kSlowdownPercent / 100.0));
    extra_iterations_ = std::max<std::uint64_t>(1, calibration.iterations_for_ns(extra_ns));
    benchmark::AddCustomContext("test_slowdown", std::string(L::name) + ":" +
                                                     std::to_string(static_cast<int>(kSlowdownPercent)) + "%");
  }

 private:
  static inline std::uint64_t extra_iterations_ = 0;
  L inner_;
};

template <class L>
constexpr bool is_slowed() {
  if constexpr (Lockable<L>) return !kSlowedLock.empty() && L::name == kSlowedLock;
  return false;
}

template <class L, bool = is_slowed<L>()>
struct UnderTestOf {
  using type = L;
};
template <class L>
struct UnderTestOf<L, true> {
  using type = Slowed<L>;
};
template <class L>
using UnderTest = typename UnderTestOf<L>::type;

// Calibrates UnderTest<L> when it is the slowed lock; nothing otherwise.
template <class L>
void prepare(const harness::DelayCalibration& calibration) {
  if constexpr (is_slowed<L>()) Slowed<L>::calibrate(calibration);
}

}  // namespace synclab::bench::test_cases
