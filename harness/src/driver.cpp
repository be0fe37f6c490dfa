#include "synclab/harness/driver.hpp"

#include <cstdio>
#include <cstdlib>

namespace synclab::harness {

std::uint64_t RunResult::total_ops() const {
  std::uint64_t sum = 0;
  for (const WorkerResult& w : workers) sum += w.ops;
  return sum;
}

std::string RunResult::first_error() const {
  for (const WorkerResult& w : workers)
    if (!w.error.empty()) return w.error;
  return {};
}

namespace detail {

void await_workers_or_fire(const DriverConfig& cfg, const std::atomic<int>& finished, int workers) {
  const auto deadline = std::chrono::steady_clock::now() + cfg.watchdog_grace;
  while (finished.load(std::memory_order_acquire) < workers) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr,
                   "synclab_bench: watchdog: case %s: %d of %d workers still running %.1f s after the window "
                   "ended (a primitive that never releases, or a lost wake-up)\n",
                   cfg.case_name.c_str(), workers - finished.load(std::memory_order_relaxed), workers,
                   std::chrono::duration<double>(cfg.watchdog_grace).count());
      std::fflush(stderr);
      std::_Exit(kWatchdogExitStatus);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace detail
}  // namespace synclab::harness
