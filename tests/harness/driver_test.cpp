#include "synclab/harness/driver.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "synclab/harness/contention.hpp"
#include "synclab/harness/workloads/lock_workload.hpp"

namespace synclab::harness {
namespace {

struct StdMutex {
  static constexpr std::string_view name = "std_mutex";
  void lock() { m.lock(); }
  void unlock() { m.unlock(); }
  std::mutex m;
};

DriverConfig config(int threads, const HwlocTopology* pinner) {
  DriverConfig cfg;
  cfg.case_name = "test/driver";
  for (int i = 0; i < threads; ++i) cfg.plan.pu_of_thread.push_back(0);
  cfg.pinner = pinner;
  cfg.duration = std::chrono::milliseconds(50);
  return cfg;
}

TEST(Driver, EveryThreadRunsForTheWholeWindow) {
  auto w = std::make_unique<LockWorkload<StdMutex>>(*find_contention_level("high"), DelayCalibration{100},
                                                    3);
  const RunResult r = run_fixed_duration(config(3, nullptr), *w);
  ASSERT_EQ(r.workers.size(), 3u);
  EXPECT_GE(r.elapsed_s, 0.045);
  EXPECT_LT(r.elapsed_s, 5.0);
  for (const WorkerResult& wr : r.workers) {
    EXPECT_GT(wr.ops, 0u);
    EXPECT_TRUE(wr.error.empty());
  }
  // The lock-protected counter saw every operation exactly once.
  EXPECT_EQ(w->verify(r), "");
}

TEST(Driver, SamplesOneOperationInN) {
  auto w = std::make_unique<LockWorkload<StdMutex>>(*find_contention_level("uncontended"), DelayCalibration{100});
  DriverConfig cfg = config(1, nullptr);
  cfg.sample_every = 16;
  const RunResult r = run_fixed_duration(cfg, *w);
  const WorkerResult& wr = r.workers.front();
  EXPECT_EQ(wr.latency.count(), (wr.ops + 15) / 16);
}

TEST(Driver, NoSamplesWhenSamplingIsOff) {
  auto w = std::make_unique<LockWorkload<StdMutex>>(*find_contention_level("uncontended"), DelayCalibration{100});
  DriverConfig cfg = config(1, nullptr);
  cfg.sample_latency = false;
  EXPECT_EQ(run_fixed_duration(cfg, *w).workers.front().latency.count(), 0u);
}

TEST(Driver, PinnedWorkersRunWhereTheyWerePlanned) {
  const auto hw = HwlocTopology::load_this_machine();
  const PinPlan plan = plan_pins(hw.topology(), parse_placement("compact"), 1, false);
  auto w = std::make_unique<LockWorkload<StdMutex>>(*find_contention_level("high"), DelayCalibration{100});
  DriverConfig cfg = config(1, &hw);
  cfg.plan = plan;
  const RunResult r = run_fixed_duration(cfg, *w);
  EXPECT_EQ(r.workers.front().pin_violations, 0u);
  EXPECT_TRUE(r.first_error().empty());
}

TEST(Driver, PinningFailureIsReportedNotHidden) {
  const auto hw = HwlocTopology::load_this_machine();
  auto w = std::make_unique<LockWorkload<StdMutex>>(*find_contention_level("high"), DelayCalibration{100});
  DriverConfig cfg = config(1, &hw);
  cfg.plan.pu_of_thread = {100000};
  const RunResult r = run_fixed_duration(cfg, *w);
  EXPECT_NE(r.first_error().find("cannot pin"), std::string::npos) << r.first_error();
}

// The check the lock family's cases rely on: a count that misses an
// operation fails the case (a planted mismatch), an exact one does not.
TEST(Driver, LockWorkloadVerifyCatchesAMissingIncrement) {
  LockWorkload<StdMutex> w(*find_contention_level("uncontended"), DelayCalibration{100});
  WorkerContext ctx;
  for (int i = 0; i < 10; ++i) w.operation(ctx);
  RunResult r;
  r.workers.resize(1);
  r.workers[0].ops = 10;
  EXPECT_EQ(w.verify(r), "");
  r.workers[0].ops = 11;
  EXPECT_NE(w.verify(r).find("mutual exclusion violated: 10 protected increments for 11 operations"),
            std::string::npos);
}

// Handoffs are published only by a workload that follows lock ownership.
struct NoOwnership {
  void operation(WorkerContext& ctx) { ++ctx.handoffs; }
  void think(WorkerContext&) {}
};

TEST(Driver, HandoffsOfAWorkloadThatDoesNotCountThemAreNotMeasured) {
  NoOwnership none;
  EXPECT_FALSE(run_fixed_duration(config(1, nullptr), none).handoffs_counted);
  LockWorkload<StdMutex> lock(*find_contention_level("uncontended"), DelayCalibration{100});
  EXPECT_TRUE(run_fixed_duration(config(1, nullptr), lock).handoffs_counted);
}

// Records, per worker, the thread of its operations and of its end_worker call.
struct EndsOnItsThread {
  explicit EndsOnItsThread(int n) : op_thread(static_cast<std::size_t>(n)), end_thread(static_cast<std::size_t>(n)) {}
  void operation(WorkerContext& ctx) { op_thread[static_cast<std::size_t>(ctx.index)] = std::this_thread::get_id(); }
  void think(WorkerContext&) {}
  void end_worker(WorkerContext& ctx) {
    end_thread[static_cast<std::size_t>(ctx.index)] = std::this_thread::get_id();
    ends.fetch_add(1, std::memory_order_relaxed);
  }
  std::vector<std::thread::id> op_thread, end_thread;
  std::atomic<int> ends{0};
};

TEST(Driver, EndWorkerRunsOnceOnEachWorkersOwnThread) {
  EndsOnItsThread w(3);
  run_fixed_duration(config(3, nullptr), w);
  EXPECT_EQ(w.ends.load(), 3);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(w.end_thread[i], w.op_thread[i]) << "worker " << i;
    EXPECT_NE(w.end_thread[i], std::this_thread::get_id());
  }
}

struct NeverReleased {
  void operation(WorkerContext&) {
    while (held.exchange(true, std::memory_order_acquire)) {
    }
  }
  void think(WorkerContext&) {}
  std::atomic<bool> held{false};
};

// Runs a W on `threads` workers with a short grace period; the process ends.
template <class W>
void run_until_the_watchdog_fires(int threads, const char* case_name) {
  W w;
  DriverConfig cfg = config(threads, nullptr);
  cfg.case_name = case_name;
  cfg.watchdog_grace = std::chrono::milliseconds(200);
  run_fixed_duration(cfg, w);
}

TEST(DriverDeathTest, WatchdogEndsAHungRunWithStatus3) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(run_until_the_watchdog_fires<NeverReleased>(2, "test/never_released"),
              testing::ExitedWithCode(kWatchdogExitStatus),
              "watchdog: case test/never_released: [12] of 2 workers still running");
}

// A worker whose end_worker never returns is still running: the watchdog covers it.
struct EndNeverReturns {
  void operation(WorkerContext&) {}
  void think(WorkerContext&) {}
  void end_worker(WorkerContext&) {
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
};

TEST(DriverDeathTest, WatchdogCoversEndWorker) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(run_until_the_watchdog_fires<EndNeverReturns>(1, "test/end_never_returns"),
              testing::ExitedWithCode(kWatchdogExitStatus),
              "watchdog: case test/end_never_returns: 1 of 1 workers still running");
}

}  // namespace
}  // namespace synclab::harness
