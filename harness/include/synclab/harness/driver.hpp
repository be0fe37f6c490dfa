// driver.hpp — the fixed-duration workload driver.
//
// Every worker is pinned, waits on one barrier, then performs operations
// until the main thread raises the stop flag after the measured window. So
// every thread contends for the whole window (a fixed per-thread count would
// let fast threads finish early and leave an uncontended tail), and the
// numbers are per window: operations, per-thread counts, sampled latency,
// OS and wait-layer counters, futex syscall counts when the tracepoint is
// available, and perf event counts when a counter plan is given. Each worker
// opens its own events after it is pinned and before the barrier, enables
// them right after it and disables them as soon as it sees the stop flag;
// nothing is read inside the loop. So the futex calls of the barrier and of
// the stop flag's wake-ups are never counted, only the workload's.
//
// The run's futex figures come from the tracepoint when every worker traced
// them, else from the wait layer when the workload declares that the wait
// layer sees all its futex calls, else there are none (futex_source.hpp).
//
// The stop flag is written once and read with relaxed loads: it is the only
// shared line every worker reads in its loop, it stays Shared in all caches
// until the single store, and the results travel back through join(), which
// orders everything the workers wrote before the main thread reads it.
//
// A worker that does not stop within the grace period after the window (a
// lock that is never released, a lost wake-up) fires the watchdog: it prints
// one line naming the case and ends the process with status 3, because a
// thread stuck in someone else's primitive cannot be cancelled safely.
#pragma once

#include <atomic>
#include <barrier>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "synclab/harness/clock.hpp"
#include "synclab/harness/futex_source.hpp"
#include "synclab/harness/futex_trace.hpp"
#include "synclab/harness/histogram.hpp"
#include "synclab/harness/os_counters.hpp"
#include "synclab/harness/perf_counters.hpp"
#include "synclab/harness/placement.hpp"
#include "synclab/harness/topology.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::harness {

inline constexpr int kWatchdogExitStatus = 3;

struct DriverConfig {
  std::string case_name;
  PinPlan plan;                               // one entry per worker
  const HwlocTopology* pinner = nullptr;      // nullptr: workers are not pinned
  std::chrono::nanoseconds duration = std::chrono::milliseconds(300);
  bool sample_latency = true;
  std::uint32_t sample_every = 64;            // a power of two
  std::chrono::milliseconds watchdog_grace = std::chrono::seconds(10);
  const CounterPlan* counters = nullptr;      // nullptr or empty: no perf events
  std::uint64_t repetition = 0;               // picks the hardware group when the plan rotates
  // Counts each worker's futex syscalls when available; nullptr: not traced.
  const FutexTracepoint* futex_trace = &process_futex_tracepoint();
};

// Handed to the workload's operation; the workload records owner changes here.
// A workload is any type with operation(WorkerContext&), the part that is
// timed when latency is sampled, and think(WorkerContext&), the work between
// two operations.
struct WorkerContext {
  int index = 0;
  std::uint64_t handoffs = 0;
};

struct WorkerResult {
  std::uint64_t ops = 0;
  std::uint64_t handoffs = 0;
  std::uint64_t pin_violations = 0;  // samples taken on another CPU than planned
  int planned_pu = -1;
  LatencyHistogram latency;
  OsCounters os;
  // Futex calls from the run's futex_source; 0 and meaningless when it is none.
  std::uint64_t futex_waits = 0;
  std::uint64_t futex_wakes = 0;
  FutexCalls wait_layer_futex;            // calls through synclab's wait layer
  std::optional<FutexCalls> traced_futex;  // the tracepoint's count, when this worker traced
  std::string futex_trace_error;          // why it did not, when the tracepoint was available
  std::vector<CounterReading> counters;  // one per event of the plan, in its order
  int counter_groups_failed = 0;         // groups the probe opened but this worker could not
  std::string error;  // non-empty: the worker could not run (pinning failed)
};

struct RunResult {
  std::vector<WorkerResult> workers;
  double elapsed_s = 0;
  bool handoffs_counted = false;  // the workload follows lock ownership (HandoffCounting)
  std::vector<std::string> counter_names;  // metric stems of WorkerResult::counters
  FutexSource futex_source = FutexSource::none;
  std::string futex_source_reason;  // why not the tracepoint (wait_layer), or why none
  int futex_trace_failed = 0;       // workers that could not trace although the tracepoint is available
  [[nodiscard]] std::uint64_t total_ops() const;
  [[nodiscard]] std::string first_error() const;
  [[nodiscard]] bool futex_measured() const { return futex_source != FutexSource::none; }
};

namespace detail {
// Waits until `finished` reaches `workers` or the grace period passes; in the
// latter case prints the watchdog line and ends the process.
void await_workers_or_fire(const DriverConfig& cfg, const std::atomic<int>& finished, int workers);
// Picks the run's futex source and fills every worker's futex_waits/wakes.
void settle_futex_figures(RunResult& run, const FutexTracepoint* tracepoint, bool wait_layer_sees_all);
inline constexpr std::uint32_t kCpuCheckMask = 4095;
}  // namespace detail

template <class W>
concept Workload = requires(W& w, WorkerContext& ctx) {
  w.operation(ctx);
  w.think(ctx);
};

// A workload whose operation can sleep (a receive on an empty channel, a
// condition-variable wait) also offers end_window(): called once, right after
// the stop flag is raised, it must wake every worker sleeping in the workload
// (close the channel, notify the waiters) so each returns to the loop, sees
// the flag and stops, and make every later operation return without sleeping
// (the relaxed flag may take a moment to be seen). Without it such a worker
// would fire the watchdog.
template <class W>
concept WindowEnding = requires(W& w) { w.end_window(); };

// A workload that follows who holds its lock records owner changes in
// WorkerContext::handoffs and says so with counts_handoffs(); for any other
// workload the handoff count was not measured and stays out of the results.
// A workload that keeps per-thread state which must die on the thread that
// made it, while that thread's other thread-local state is still alive (a
// reclamation handle whose library keeps its own per-thread records), also
// offers end_worker(ctx): each worker calls it once on its own thread after
// its loop, after its counters are read and before it reports finished, so
// the watchdog also covers it (a teardown that waits forever fires it).
template <class W>
concept WorkerEnding = requires(W& w, WorkerContext& ctx) { w.end_worker(ctx); };

template <class W>
concept HandoffCounting = requires(const W& w) {
  { w.counts_handoffs() } -> std::convertible_to<bool>;
};

template <Workload W>
RunResult run_fixed_duration(const DriverConfig& cfg, W& workload) {
  const int n = static_cast<int>(cfg.plan.pu_of_thread.size());
  RunResult run;
  run.workers.resize(static_cast<std::size_t>(n));
  if constexpr (HandoffCounting<W>) run.handoffs_counted = workload.counts_handoffs();
  if (cfg.counters != nullptr && !cfg.counters->empty()) run.counter_names = cfg.counters->names();
  std::atomic<bool> stop{false};
  std::atomic<int> finished{0};
  std::barrier start(n + 1);
  const std::uint32_t sample_mask = cfg.sample_every - 1;

  auto worker = [&](int index) {
    WorkerResult& r = run.workers[static_cast<std::size_t>(index)];
    r.planned_pu = cfg.plan.pu_of_thread[static_cast<std::size_t>(index)];
    try {
      if (cfg.pinner != nullptr) cfg.pinner->pin_current_thread(r.planned_pu);
    } catch (const std::exception& e) {
      r.error = e.what();
      stop.store(true, std::memory_order_relaxed);
    }
    WorkerContext ctx{index, 0};
    std::optional<ThreadCounters> counters;
    if (cfg.counters != nullptr && !cfg.counters->empty()) counters.emplace(*cfg.counters, cfg.repetition);
    std::optional<ThreadFutexTrace> futex_trace;
    if (cfg.futex_trace != nullptr && cfg.futex_trace->available) futex_trace.emplace(*cfg.futex_trace);
    const OsCounters os_before = read_thread_os_counters();
    const wait::WaitCounters wait_before = wait::wait_counters();
    const bool check_cpu = cfg.pinner != nullptr;
    start.arrive_and_wait();
    if (counters) counters->enable();
    if (futex_trace) futex_trace->enable();
    std::uint64_t ops = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      if (cfg.sample_latency && (ops & sample_mask) == 0) {
        const std::uint64_t t0 = now_ns();
        workload.operation(ctx);
        r.latency.record(now_ns() - t0);
      } else {
        workload.operation(ctx);
      }
      workload.think(ctx);
      if (check_cpu && (ops & detail::kCpuCheckMask) == 0 && current_cpu() != r.planned_pu) ++r.pin_violations;
      ++ops;
    }
    if (futex_trace) futex_trace->disable();
    if (counters) {
      counters->disable();
      r.counters = counters->read();
      r.counter_groups_failed = counters->failed_groups();
    }
    r.ops = ops;
    r.handoffs = ctx.handoffs;
    r.os = read_thread_os_counters() - os_before;
    r.wait_layer_futex = {wait::wait_counters().waits - wait_before.waits,
                          wait::wait_counters().wakes - wait_before.wakes};
    if (futex_trace) {
      r.traced_futex = futex_trace->read();
      if (!r.traced_futex) r.futex_trace_error = futex_trace->opened() ? "unreadable" : futex_trace->error();
    }
    if constexpr (WorkerEnding<W>) workload.end_worker(ctx);
    finished.fetch_add(1, std::memory_order_release);
  };

  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) threads.emplace_back(worker, i);
  start.arrive_and_wait();
  const std::uint64_t t0 = now_ns();
  std::this_thread::sleep_for(cfg.duration);
  stop.store(true, std::memory_order_relaxed);
  const std::uint64_t t1 = now_ns();
  if constexpr (WindowEnding<W>) workload.end_window();
  detail::await_workers_or_fire(cfg, finished, n);
  for (std::thread& t : threads) t.join();
  run.elapsed_s = static_cast<double>(t1 - t0) * 1e-9;
  detail::settle_futex_figures(run, cfg.futex_trace, FutexCounted<W>);
  return run;
}

}  // namespace synclab::harness
