// The condvars family's scenarios and the semaphore workload, run through the
// real driver (unpinned, short windows): every scenario finishes — its
// sleepers are woken by end_window(), or the driver's watchdog would end the
// process —, verifies, and reports its extra metrics; the semaphore
// workload's verify(run) catches an over-admitting semaphore.
#include "synclab/harness/workloads/condvar_workload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

#include "synclab/condvars/catalog.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/workloads/semaphore_workload.hpp"
#include "synclab/peers/condvar_peers.hpp"
#include "synclab/semaphores/catalog.hpp"
#include "synclab/testing/broken_semaphores.hpp"

namespace synclab::harness {
namespace {

using std::chrono::milliseconds;

DriverConfig config(int threads) {
  DriverConfig cfg;
  cfg.case_name = "test/condvars";
  for (int i = 0; i < threads; ++i) cfg.plan.pu_of_thread.push_back(0);
  cfg.duration = milliseconds(60);
  return cfg;
}

double metric(const Metrics& m, std::string_view name) {
  const auto it = std::find_if(m.begin(), m.end(), [&](const auto& kv) { return kv.first == name; });
  EXPECT_NE(it, m.end()) << "missing metric " << name;
  return it == m.end() ? -1.0 : it->second;
}

template <class CV>
class CondvarWorkloads : public ::testing::Test {};
using CondVars = ::testing::Types<condvars::CvCounter, condvars::CvCounterWaiters, condvars::CvRequeue, peers::StdCondvar, peers::PthreadCond>;
TYPED_TEST_SUITE(CondvarWorkloads, CondVars);

TYPED_TEST(CondvarWorkloads, SignalLatencyMeasuresEverySignal) {
  SignalLatencyWorkload<TypeParam> w(4);
  const RunResult run = run_fixed_duration(config(4), w);
  EXPECT_GT(run.total_ops(), 0u);
  EXPECT_EQ(w.verify(run), "");
  const Metrics m = w.extra_metrics(run);
  EXPECT_GT(metric(m, "signals_per_sec"), 0.0);
  EXPECT_LE(metric(m, "signal_lat_p50_ns"), metric(m, "signal_lat_p99_ns"));
  EXPECT_LE(metric(m, "signal_lat_p99_ns"), metric(m, "signal_lat_max_ns"));
  EXPECT_GE(metric(m, "signal_slept_ratio"), 0.0);
  EXPECT_LE(metric(m, "signal_slept_ratio"), 1.0);
}

TYPED_TEST(CondvarWorkloads, NotifyOneSatisfiesWaits) {
  NotifyOneWorkload<TypeParam> w(3);
  const RunResult run = run_fixed_duration(config(3), w);
  EXPECT_EQ(w.verify(run), "");
  const Metrics m = w.extra_metrics(run);
  EXPECT_GT(metric(m, "waits_satisfied_per_sec"), 0.0);
  EXPECT_GE(metric(m, "wakeups_per_sec"), 0.0);
  EXPECT_LE(metric(m, "empty_wakeup_ratio"), 1.0);
}

TYPED_TEST(CondvarWorkloads, NotifyAllCompletesRounds) {
  NotifyAllWorkload<TypeParam> w(3);
  const RunResult run = run_fixed_duration(config(3), w);
  EXPECT_EQ(w.verify(run), "");
  const Metrics m = w.extra_metrics(run);
  EXPECT_GT(metric(m, "rounds_per_sec"), 0.0);
  // Two waiters: each round wakes each of them at most once, barring
  // spurious wake-ups, which are counted apart.
  EXPECT_LE(metric(m, "wakeups_per_round") - metric(m, "spurious_wakeups_per_round"), 2.0 + 1e-9);
  EXPECT_GE(metric(m, "round_lat_max_ns"), metric(m, "round_lat_p50_ns"));
  // Futex figures exactly when the run measured them: a peer's are absent
  // without the tracepoint, never a 0 nobody counted.
  const bool measured = run.futex_measured();
  EXPECT_EQ(measured, run.futex_source == FutexSource::tracepoint || FutexCounted<TypeParam>);
  for (const char* name : {"futex_waits_per_round", "futex_wakes_per_round", "futex_calls_per_round"})
    EXPECT_EQ(std::count_if(m.begin(), m.end(), [&](const auto& kv) { return kv.first == name; }), measured ? 1 : 0)
        << name;
}

// Our condvars' futex calls are counted with or without the tracepoint.
TEST(CondvarWorkloads, NotifyAllCountsOurFutexCalls) {
  NotifyAllWorkload<condvars::CvCounter> w(3);
  DriverConfig cfg = config(3);
  FutexTracepoint unavailable;
  unavailable.reason = "switched off for this test";
  cfg.futex_trace = &unavailable;
  const RunResult run = run_fixed_duration(cfg, w);
  EXPECT_EQ(run.futex_source, FutexSource::wait_layer);
  ASSERT_EQ(w.verify(run), "");
  EXPECT_GT(metric(w.extra_metrics(run), "futex_wakes_per_round"), 0.0) << "every round's notify_all is a wake";
}

// peers::StdCountingSemaphore is not run here: libstdc++ 12's semaphore can
// lose a wake-up (GCC bug 98033; std_counting_semaphore.hpp says how), which
// leaves a worker asleep with permits free and fires the driver's watchdog in
// a run of any length. In the benchmark that is what the watchdog is for (the
// case is reported as hung and the suite goes on); in this test it would make
// a check of the workload fail on the peer's defect.
template <class S>
class SemaphoreWorkloads : public ::testing::Test {};
using Semaphores = ::testing::Types<semaphores::FutexSemaphore>;
TYPED_TEST_SUITE(SemaphoreWorkloads, Semaphores);

TYPED_TEST(SemaphoreWorkloads, HoldersNeverExceedPermits) {
  const ContentionLevel level{.name = "test", .cs_ns = 100, .cs_lines = 1, .think_ns = 100};
  const DelayCalibration calibration{100.0};
  for (int permits : {1, 2}) {
    SemaphoreWorkload<TypeParam> w(level, calibration, 3, permits);
    const RunResult run = run_fixed_duration(config(3), w);
    EXPECT_GT(run.total_ops(), 0u);
    EXPECT_EQ(w.verify(run), "") << permits << " permits";
    EXPECT_LE(metric(w.extra_metrics(run), "max_holders"), permits);
  }
}

TEST(SemaphoreWorkloads, VerifyCatchesAnOverAdmittingSemaphore) {
#if defined(__SANITIZE_THREAD__)
  // With one permit the workload follows ownership in plain data that the
  // semaphore must order; two holders at once race on it, and
  // ThreadSanitizer reports the broken twin before verify() can.
  GTEST_SKIP() << "ThreadSanitizer reports the over-admitting semaphore as a race on the protected data";
#endif
  const ContentionLevel level{.name = "test", .cs_ns = 0, .cs_lines = 1, .think_ns = 0};
  const DelayCalibration calibration{100.0};
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string error;
  do {
    SemaphoreWorkload<testing::OverAdmittingSemaphore> w(level, calibration, 4, 1);
    const RunResult run = run_fixed_duration(config(4), w);
    error = w.verify(run);
  } while (error.empty() && std::chrono::steady_clock::now() < give_up);
  EXPECT_NE(error, "") << "the over-admitting semaphore passed verify()";
}

}  // namespace
}  // namespace synclab::harness
