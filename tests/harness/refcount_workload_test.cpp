#include "synclab/harness/workloads/refcount_workload.hpp"

#include <gtest/gtest.h>

#include "synclab/harness/driver.hpp"
#include "synclab/peers/refcount_peers.hpp"
#include "synclab/refcount/catalog.hpp"

namespace synclab::harness {
namespace {

using std::chrono::milliseconds;

DriverConfig config(int threads) {
  DriverConfig cfg;
  cfg.case_name = "test/refcount";
  for (int i = 0; i < threads; ++i) cfg.plan.pu_of_thread.push_back(0);
  cfg.duration = milliseconds(30);
  return cfg;
}

template <class H>
class RefcountWorkloads : public ::testing::Test {};
using Handles = ::testing::Types<refcount::Arc<RefcountPayload>, refcount::ArcWeak<RefcountPayload>,
                                 refcount::BiasedRc<RefcountPayload>, refcount::ShardedRc<RefcountPayload>,
                                 peers::SharedPtr<RefcountPayload>>;
TYPED_TEST_SUITE(RefcountWorkloads, Handles);

TYPED_TEST(RefcountWorkloads, EveryScenarioRuns) {
  {
    PrivateCloneWorkload<TypeParam> w(1);
    EXPECT_GT(run_fixed_duration(config(1), w).total_ops(), 0u);
  }
  {
    SharedCloneWorkload<TypeParam> w;
    EXPECT_GT(run_fixed_duration(config(2), w).total_ops(), 0u);
  }
  {
    PrivateCloneWorkload<TypeParam> w(2);
    EXPECT_GT(run_fixed_duration(config(2), w).total_ops(), 0u);
  }
  {
    CrossDropWorkload<TypeParam> w(2);
    const RunResult r = run_fixed_duration(config(2), w);
    EXPECT_GT(r.total_ops(), 0u);
    std::uint64_t handoffs = 0;
    for (const auto& wr : r.workers) handoffs += wr.handoffs;
    EXPECT_LE(handoffs, r.total_ops());
  }
}

TEST(RefcountWorkloads, WeakUpgradeCountsAttemptsAndSuccesses) {
  using H = refcount::ArcWeak<RefcountPayload>;
  WeakUpgradeWorkload<H> alone(1);
  RunResult r = run_fixed_duration(config(1), alone);
  Metrics m = alone.extra_metrics(r);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_GT(m[0].second, 0.0);
  EXPECT_DOUBLE_EQ(m[1].second, 1.0) << "nobody replaces the object: every upgrade succeeds";
  WeakUpgradeWorkload<H> churned(2);
  r = run_fixed_duration(config(2), churned);
  m = churned.extra_metrics(r);
  EXPECT_GT(m[1].second, 0.0);
  EXPECT_LE(m[1].second, 1.0);
}

TEST(RefcountWorkloads, AtomicSlotLoadsAndStores) {
#if SYNCLAB_REFCOUNT_TSAN
  GTEST_SKIP() << "libstdc++ 12's atomic<shared_ptr> is reported by ThreadSanitizer (see refcount_peers.hpp)";
#endif
  SlotLoadWorkload<peers::AtomicSharedPtr<RefcountPayload>> readers(false);
  EXPECT_GT(run_fixed_duration(config(2), readers).total_ops(), 0u);
  SlotLoadWorkload<peers::AtomicSharedPtr<RefcountPayload>> writer(true);
  EXPECT_GT(run_fixed_duration(config(2), writer).total_ops(), 0u);
}

}  // namespace
}  // namespace synclab::harness
