// The rwlocks family's workload (harness/workloads/rwlock_workload.hpp) and
// the seqlock cases' workload (seqlock_workload.hpp): they run, split reads
// and writes as asked, report their metrics, and their after-the-window
// checks catch a broken lock — the same checks that fail a bench case.
#include "synclab/harness/workloads/rwlock_workload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "synclab/harness/driver.hpp"
#include "synclab/harness/workloads/seqlock_workload.hpp"
#include "synclab/peers/pthread_rwlock.hpp"
#include "synclab/rwlocks/catalog.hpp"
#include "synclab/seqlock/seqlock.hpp"
#include "synclab/testing/broken_rwlocks.hpp"

namespace synclab::harness {
namespace {

using std::chrono::milliseconds;

DriverConfig config(int threads, milliseconds window = milliseconds(30)) {
  DriverConfig cfg;
  cfg.case_name = "test/rwlocks";
  for (int i = 0; i < threads; ++i) cfg.plan.pu_of_thread.push_back(0);
  cfg.duration = window;
  return cfg;
}

const ContentionLevel kHigh{.name = "high", .cs_ns = 50, .cs_lines = 2, .think_ns = 0};
const DelayCalibration kCalibration{100.0};  // iterations per µs: only sizes the work, nothing is timed against it

std::map<std::string, double> as_map(const Metrics& m) { return {m.begin(), m.end()}; }

TEST(OpChooser, IsDeterministicPerWorkerAndHitsTheShare) {
  OpChooser a(3), b(3), other(4);
  int reads = 0;
  bool differs = false;
  for (int i = 0; i < 100'000; ++i) {
    const bool r = a.chance(90);
    EXPECT_EQ(r, b.chance(90));
    differs = differs || r != other.chance(90);
    reads += r ? 1 : 0;
  }
  EXPECT_TRUE(differs) << "two workers draw the same sequence";
  EXPECT_NEAR(reads / 100'000.0, 0.90, 0.01);
  OpChooser always(0), never(0);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(always.chance(100));
    EXPECT_FALSE(never.chance(0));
  }
}

template <class L>
class RwLockWorkloads : public ::testing::Test {};
using SomeRwLocks = ::testing::Types<rwlocks::RwMinimal, rwlocks::RwWriterPref, peers::PthreadRwlock>;
TYPED_TEST_SUITE(RwLockWorkloads, SomeRwLocks);

TYPED_TEST(RwLockWorkloads, ReportsReadsAndWritesSeparatelyAndChecksClean) {
  RwLockWorkload<TypeParam> w(kHigh, kCalibration, 90, 3);
  const RunResult run = run_fixed_duration(config(3), w);
  EXPECT_EQ(w.verify(run), "");
  const auto m = as_map(w.extra_metrics(run));
  ASSERT_TRUE(m.contains("read_ops_per_sec"));
  ASSERT_TRUE(m.contains("write_ops_per_sec"));
  EXPECT_GT(m.at("read_ops_per_sec"), m.at("write_ops_per_sec")) << "90% reads";
  EXPECT_GT(m.at("write_ops_per_sec"), 0.0);
  for (const char* k : {"writer_wait_p50_ns", "writer_wait_p99_ns", "writer_wait_max_ns", "reader_wait_p50_ns",
                        "reader_wait_p99_ns", "reader_wait_max_ns"})
    EXPECT_TRUE(m.contains(k)) << k;
  EXPECT_LE(m.at("writer_wait_p99_ns"), m.at("writer_wait_max_ns"));
  const double ops = static_cast<double>(run.total_ops()) / run.elapsed_s;
  EXPECT_NEAR(m.at("read_ops_per_sec") + m.at("write_ops_per_sec"), ops, ops * 1e-9 + 1e-6);
}

TEST(RwLockWorkload, AllReadsHasNoWriterMetrics) {
  RwLockWorkload<rwlocks::RwWriterPref> w(kHigh, kCalibration, 100, 2);
  const RunResult run = run_fixed_duration(config(2), w);
  EXPECT_EQ(w.verify(run), "");
  EXPECT_EQ(w.total_writes(), 0u);
  const auto m = as_map(w.extra_metrics(run));
  EXPECT_FALSE(m.contains("writer_wait_p99_ns"));
  EXPECT_TRUE(m.contains("reader_wait_p99_ns"));
  EXPECT_EQ(m.at("write_ops_per_sec"), 0.0);
}

// The bench case's own check must fail a lock that lets readers in beside a
// writer. Repeated for up to ~5 s in case a short window misses the overlap.
TEST(RwLockWorkload, CheckCatchesReadersOverlappingAWriter) {
  std::string error;
  for (int round = 0; round < 50 && error.empty(); ++round) {
    RwLockWorkload<testing::RwReaderIgnoresWriter> w(kHigh, kCalibration, 50, 4);
    const RunResult run = run_fixed_duration(config(4, milliseconds(100)), w);
    error = w.verify(run);
  }
  EXPECT_NE(error.find("readers overlapped a writer"), std::string::npos) << error;
}

TEST(SeqlockWorkload, OneWriterManyReadersCheckClean) {
  SeqlockWorkload<seqlock::SeqLock<SeqlockPayload>> w(kHigh, kCalibration, 3);
  const RunResult run = run_fixed_duration(config(3), w);
  EXPECT_EQ(w.verify(run), "");
  const auto m = as_map(w.extra_metrics(run));
  EXPECT_GT(m.at("read_ops_per_sec"), 0.0);
  EXPECT_GT(m.at("write_ops_per_sec"), 0.0);
  EXPECT_GE(m.at("read_retries_per_read"), 0.0);
}

TEST(SeqlockWorkload, SingleWorkerOnlyReads) {
  SeqlockWorkload<seqlock::SeqLock<SeqlockPayload>> w(kHigh, kCalibration, 1);
  const RunResult run = run_fixed_duration(config(1), w);
  EXPECT_EQ(w.verify(run), "");
  const auto m = as_map(w.extra_metrics(run));
  EXPECT_EQ(m.at("write_ops_per_sec"), 0.0);
  EXPECT_EQ(m.at("read_retries_per_read"), 0.0);
}

TEST(SeqlockPayload, DetectsAMixOfTwoValues) {
  const SeqlockPayload a = SeqlockPayload::make(41), b = SeqlockPayload::make(42);
  EXPECT_TRUE(a.intact());
  EXPECT_TRUE(b.intact());
  for (std::size_t cut = 1; cut < a.words.size(); ++cut) {
    SeqlockPayload mixed = a;
    std::copy(b.words.begin() + static_cast<std::ptrdiff_t>(cut), b.words.end(),
              mixed.words.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_FALSE(mixed.intact()) << "cut at word " << cut;
  }
}

}  // namespace
}  // namespace synclab::harness
