// reclaim_workload_test.cpp — the read_mostly workload of the reclaim family
// (harness/workloads/reclaim_workload.hpp), for every scheme and peer: what
// it publishes at t:1 (the writer alone: no reader figures) and t:2, the
// awaiting count's peak, and the ledger that records retire-to-free times only
// inside the window.
#include "synclab/harness/workloads/reclaim_workload.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "synclab/harness/driver.hpp"
#include "synclab/peers/reclaim_peers.hpp"
#include "synclab/reclaim/catalog.hpp"
#include "synclab/testing/typed_tests.hpp"

namespace synclab::harness {
namespace {

using std::chrono::milliseconds;

DriverConfig config(int threads) {
  DriverConfig cfg;
  cfg.case_name = "test/reclaim";
  for (int i = 0; i < threads; ++i) cfg.plan.pu_of_thread.push_back(0);
  cfg.duration = milliseconds(30);
  return cfg;
}

std::optional<double> find(const Metrics& m, const std::string& name) {
  for (const auto& [n, v] : m)
    if (n == name) return v;
  return std::nullopt;
}

using All = Concat<reclaim::OurPublications<ReclaimPayload>, peers::PeerPublications<ReclaimPayload>>;

// A scheme this machine or build cannot run (reclaim::unavailable) is skipped, with its reason.
template <class P>
class ReclaimWorkloads : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string_view why = reclaim::unavailable<P>(); !why.empty()) GTEST_SKIP() << why;
  }
};
TYPED_TEST_SUITE(ReclaimWorkloads, synclab::testing::GTestTypes<All>::type, synclab::testing::PrimitiveName);

TYPED_TEST(ReclaimWorkloads, WriterAloneHasNoReaderFigures) {
  ReclaimReadMostlyWorkload<TypeParam> w(1, 0, DelayCalibration{1000});
  const RunResult r = run_fixed_duration(config(1), w);
  EXPECT_EQ(w.verify(r), "");
  const Metrics m = w.extra_metrics(r);
  EXPECT_FALSE(find(m, "reads_per_sec")) << "no reader at t:1: absent, never 0";
  EXPECT_FALSE(find(m, "ns_per_read"));
  ASSERT_TRUE(find(m, "ns_per_update"));
  ASSERT_TRUE(find(m, "awaiting_objects_peak"));
  EXPECT_GE(*find(m, "awaiting_objects_peak"), 1.0) << "the object being stamped counts";
  EXPECT_DOUBLE_EQ(*find(m, "awaiting_bytes_peak"),
                   *find(m, "awaiting_objects_peak") * static_cast<double>(TypeParam::object_bytes));
}

// ebr's stated bound with nobody else announcing (k = 1): 2 at the stamp, and
// every retired object freed by the next update, inside the window.
TEST(ReclaimWorkloadEbr, WriterAloneStaysAtTheBound) {
  ReclaimReadMostlyWorkload<reclaim::EpochBased<ReclaimPayload>> w(1, 0, DelayCalibration{1000});
  const RunResult r = run_fixed_duration(config(1), w);
  const Metrics m = w.extra_metrics(r);
  ASSERT_TRUE(find(m, "awaiting_objects_peak"));
  EXPECT_EQ(*find(m, "awaiting_objects_peak"), 2.0);
  ASSERT_TRUE(find(m, "retire_to_free_samples"));
  EXPECT_GT(*find(m, "retire_to_free_samples"), 0.0);
}

TYPED_TEST(ReclaimWorkloads, ReaderAndWriterBothReport) {
  ReclaimReadMostlyWorkload<TypeParam> w(2, 0, DelayCalibration{1000});
  const RunResult r = run_fixed_duration(config(2), w);
  EXPECT_EQ(w.verify(r), "");
  const Metrics m = w.extra_metrics(r);
  EXPECT_TRUE(find(m, "reads_per_sec"));
  EXPECT_TRUE(find(m, "updates_per_sec"));
  ASSERT_TRUE(find(m, "awaiting_objects_mean"));
  EXPECT_LE(*find(m, "awaiting_objects_mean"), *find(m, "awaiting_objects_peak"));
}

// A scheme that keeps per-thread records of its own, made on a thread's first
// read (as xenium's reclaimers do): a handle must die on its thread while
// those records are still alive, or what it retires then is lost.
struct ThreadRecords {
  static inline thread_local bool gone = false;  // trivially destructible: readable to the end
  ThreadRecords() = default;
  ThreadRecords(const ThreadRecords&) = delete;
  ThreadRecords& operator=(const ThreadRecords&) = delete;
  ~ThreadRecords() { gone = true; }
  static void touch() { static thread_local const ThreadRecords records; }
};

struct RecordKeeping {
  static constexpr std::string_view name = "record_keeping";
  static constexpr std::size_t object_bytes = sizeof(ReclaimPayload);
  static inline std::atomic<int> destroyed{0};
  static inline std::atomic<int> destroyed_elsewhere{0};       // off the thread that made it
  static inline std::atomic<int> destroyed_after_records{0};   // its thread's records were gone

  explicit RecordKeeping(const ReclaimPayload& p) : current(p) {}
  class handle {
   public:
    explicit handle(RecordKeeping& p) : p_(&p), owner_(std::this_thread::get_id()) {}
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    ~handle() {
      if (std::this_thread::get_id() != owner_) destroyed_elsewhere.fetch_add(1);
      if (ThreadRecords::gone) destroyed_after_records.fetch_add(1);
      destroyed.fetch_add(1);
    }
    template <class F>
    int read(F&& f) {
      ThreadRecords::touch();
      return std::forward<F>(f)(p_->current);
    }
    void update(const ReclaimPayload&) { ThreadRecords::touch(); }
    void quiescent() {}

   private:
    RecordKeeping* p_;
    std::thread::id owner_;
  };
  ReclaimPayload current;
};
static_assert(reclaim::Publication<RecordKeeping, ReclaimPayload>);

TEST(ReclaimWorkloadHandles, DieOnTheirThreadWhileItsRecordsLive) {
  const int destroyed = RecordKeeping::destroyed.load();
  const int elsewhere = RecordKeeping::destroyed_elsewhere.load();
  const int late = RecordKeeping::destroyed_after_records.load();
  {
    ReclaimReadMostlyWorkload<RecordKeeping> w(2, 0, DelayCalibration{1000});
    const RunResult r = run_fixed_duration(config(2), w);
    EXPECT_EQ(w.verify(r), "");
  }
  EXPECT_EQ(RecordKeeping::destroyed.load() - destroyed, 2);
  EXPECT_EQ(RecordKeeping::destroyed_elsewhere.load() - elsewhere, 0);
  EXPECT_EQ(RecordKeeping::destroyed_after_records.load() - late, 0)
      << "a handle destroyed after its thread's own thread-local records (e.g. from a thread_local destructor)";
}

// The check above can fail: a handle destroyed by a thread_local made before the
// records (the order a lazily made thread_local holder of handles gets) is caught.
TEST(ReclaimWorkloadHandles, TheCheckCatchesAHandleDestroyedAtThreadExit) {
  const int before = RecordKeeping::destroyed_after_records.load();
  static RecordKeeping p(ReclaimPayload(nullptr, 1));
  std::thread t([] {
    static thread_local std::optional<RecordKeeping::handle> held;
    held.emplace(p);
    held->read([](const ReclaimPayload&) { return 0; });
  });
  t.join();
  EXPECT_EQ(RecordKeeping::destroyed_after_records.load(), before + 1);
}

TEST(ReclaimLedger, RecordsOnlyInsideTheWindowAndCountsBackToZero) {
  ReclaimLedger ledger;
  {
    const ReclaimPayload a(&ledger, 1);
    EXPECT_EQ(ledger.stamped(), 1);
    a.retire_stamp_ns.store(now_ns(), std::memory_order_relaxed);
  }
  EXPECT_EQ(ledger.awaiting(), 0);
  EXPECT_EQ(ledger.retire_to_free().count(), 1u);
  ledger.close();
  {
    const ReclaimPayload b(&ledger, 2);
    EXPECT_EQ(ledger.stamped(), 1);
    b.retire_stamp_ns.store(now_ns(), std::memory_order_relaxed);
    const ReclaimPayload copy(b);  // a copy is a new, unstamped object
    EXPECT_EQ(copy.retire_stamp_ns.load(), 0u);
  }
  EXPECT_EQ(ledger.awaiting(), 0);
  EXPECT_EQ(ledger.retire_to_free().count(), 1u) << "a free after the window is not recorded";
}

TEST(ReclaimPayload, OneLineWithAChecksumThatSeesTheCanary) {
  static_assert(sizeof(ReclaimPayload) == 64);
  const ReclaimPayload p(nullptr, 7);
  EXPECT_NE(p.checksum(), 0u);
}

}  // namespace
}  // namespace synclab::harness
