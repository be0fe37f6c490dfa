#include "synclab/harness/delay.hpp"

#include <algorithm>
#include <array>

#include "synclab/harness/clock.hpp"

namespace synclab::harness {

DelayCalibration calibrate_delay() {
  constexpr std::uint64_t kIters = 2'000'000;
  std::array<double, 7> rates{};
  spin_iterations(kIters);  // warm up: frequency, caches, branch predictor
  for (double& r : rates) {
    const std::uint64_t t0 = now_ns();
    spin_iterations(kIters);
    const std::uint64_t t1 = now_ns();
    r = static_cast<double>(kIters) * 1000.0 / static_cast<double>(std::max<std::uint64_t>(t1 - t0, 1));
  }
  std::sort(rates.begin(), rates.end());
  return {rates[rates.size() / 2]};
}

}  // namespace synclab::harness
