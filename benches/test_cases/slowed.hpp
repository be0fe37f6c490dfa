// slowed.hpp — a lock made slower on purpose, to validate regression
// detection end to end (docs/regressions.md). Built only with
// -DSYNCLAB_TEST_SLOWDOWN=NAME:PERCENT: every case of the lock named NAME then
// runs Slowed<L>, whose lock() adds busy work worth PERCENT % of L's own
// uncontended lock+unlock time, measured once at start-up. The results
// context says so (`test_slowdown`), so such a build is never mistaken for a
// normal one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/harness/delay.hpp"

namespace synclab::bench::test_cases {

template <Lockable L>
class Slowed {
 public:
  static constexpr std::string_view name = L::name;

  void lock() {
    inner_.lock();
    harness::spin_iterations(extra_iterations_);
  }
  void unlock() { inner_.unlock(); }

  // Sets the extra work from L's measured uncontended cost; call before any case runs.
  static void calibrate(const harness::DelayCalibration& calibration, double percent) {
    constexpr std::uint64_t kPairs = 1'000'000;
    L probe;
    const std::uint64_t t0 = harness::now_ns();
    for (std::uint64_t i = 0; i < kPairs; ++i) {
      probe.lock();
      probe.unlock();
    }
    const double ns_per_pair = static_cast<double>(harness::now_ns() - t0) / kPairs;
    const auto extra_ns = static_cast<std::uint64_t>(ns_per_pair * percent / 100.0 + 0.5);
    extra_iterations_ = std::max<std::uint64_t>(1, calibration.iterations_for_ns(extra_ns));
  }

 private:
  static inline std::uint64_t extra_iterations_ = 0;
  L inner_;
};

}  // namespace synclab::bench::test_cases
