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

namespace {

// Why the run's futex calls were not (all) traced.
std::string why_not_traced(const RunResult& run, const FutexTracepoint* tracepoint) {
  if (tracepoint == nullptr) return "futex syscalls were not traced in this run";
  if (!tracepoint->available) return "the futex syscall tracepoint is unavailable: " + tracepoint->reason;
  std::string first_error;
  for (const WorkerResult& w : run.workers)
    if (!w.traced_futex && first_error.empty()) first_error = w.futex_trace_error;
  return std::to_string(run.futex_trace_failed) + " of " + std::to_string(run.workers.size()) +
         " workers could not trace futex syscalls: " + first_error;
}

}  // namespace

void settle_futex_figures(RunResult& run, const FutexTracepoint* tracepoint, bool wait_layer_sees_all) {
  const bool tracing = tracepoint != nullptr && tracepoint->available;
  int traced = 0;
  for (const WorkerResult& w : run.workers) traced += w.traced_futex ? 1 : 0;
  if (tracing) run.futex_trace_failed = static_cast<int>(run.workers.size()) - traced;
  if (tracing && run.futex_trace_failed == 0) {
    run.futex_source = FutexSource::tracepoint;
    run.futex_source_reason.clear();
    for (WorkerResult& w : run.workers) {
      w.futex_waits = w.traced_futex->waits;
      w.futex_wakes = w.traced_futex->wakes;
    }
    return;
  }
  const std::string why = why_not_traced(run, tracepoint);
  run.futex_source = wait_layer_sees_all ? FutexSource::wait_layer : FutexSource::none;
  run.futex_source_reason =
      wait_layer_sees_all ? why : "the primitive may sleep outside synclab's counted wait layer, and " + why;
  for (WorkerResult& w : run.workers) {
    w.futex_waits = wait_layer_sees_all ? w.wait_layer_futex.waits : 0;
    w.futex_wakes = wait_layer_sees_all ? w.wait_layer_futex.wakes : 0;
  }
}

}  // namespace detail
}  // namespace synclab::harness
