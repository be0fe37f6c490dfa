// The cohort lock beyond the common contract of lock_stress_test.cpp (which
// runs it with the default single domain): the domain registry, the harness's
// choice of domains from a topology, mutual exclusion with threads in several
// domains (a synthetic map: domains by CPU parity, threads pinned or left to
// migrate), and the handoff order that defines the lock: at most max_passes
// in-domain handoffs of the global lock, then another domain gets in. The
// unbounded twin (broken_cohort.hpp) must fail that order check
// (CohortBroken.*, run as the negative test cohort_lock_negative_test).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "synclab/harness/domain_map.hpp"
#include "synclab/harness/topology.hpp"
#include "synclab/locks/cohort.hpp"
#include "synclab/locks/cohort_domains.hpp"
#include "synclab/testing/broken_cohort.hpp"
#include "synclab/testing/cpu_affinity.hpp"
#include "synclab/testing/fifo_order.hpp"
#include "synclab/testing/lock_stress.hpp"
#include "synclab/testing/parity_domains.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::harness::HwlocTopology;
using synclab::harness::plan_cohort_domains;
using synclab::locks::Cohort;
namespace domains = synclab::locks::cohort_domains;
using synclab::testing::pin_and_refresh_domain;

// --- CPUs and pinning ---------------------------------------------------------

// Restores the calling thread's affinity, and drops its cached domain, when
// it goes out of scope (the drop only marks the cache stale, so it may come
// before the restore).
class AffinityRestorer : synclab::testing::AffinityRestorer {
 public:
  ~AffinityRestorer() { domains::refresh_current_domain(); }
};

// One even and one odd CPU stand for domains 0 and 1 (parity_domains.hpp).
class ParityDomains : public synclab::testing::ParityDomainsTest {};

// --- The registry ---------------------------------------------------------------

TEST(CohortDomains, DefaultIsOneDomain) {
  domains::reset_domain_map();
  EXPECT_EQ(domains::domain_count(), 1u);
  EXPECT_EQ(domains::current_domain(), 0u);
  EXPECT_EQ(domains::description(), "1 domain (no split)");
}

TEST_F(ParityDomains, ThreadsSeeTheDomainOfTheirCpu) {
  AffinityRestorer restore;
  EXPECT_EQ(domains::domain_count(), 2u);
  for (const int d : {0, 1, 0}) {
    pin_and_refresh_domain(cpu_of_domain(d));
    EXPECT_EQ(domains::current_domain(), static_cast<std::uint32_t>(d));
  }
}

TEST_F(ParityDomains, ANewMapIsSeenWithoutARefresh) {
  AffinityRestorer restore;
  pin_and_refresh_domain(cpu_of_domain(1));
  ASSERT_EQ(domains::current_domain(), 1u);
  std::vector<int> all_zero(static_cast<std::size_t>(cpu_of_domain(1) + 1), 0);
  domains::install_domain_map(all_zero, "one domain (test)");
  EXPECT_EQ(domains::current_domain(), 0u) << "the generation check must drop the cached domain";
}

// --- The harness's choice ---------------------------------------------------------

TEST(CohortDomainPlan, SplitsByNumaNodeFirst) {
  const auto hw = HwlocTopology::from_synthetic("pack:2 [numa] l3:2 core:4 pu:2");
  const auto plan = plan_cohort_domains(hw.topology());
  EXPECT_EQ(plan.level, "NUMA node");
  EXPECT_EQ(plan.domains, 2);
  EXPECT_EQ(plan.description, "2 domains by NUMA node: 0-15 | 16-31");
  EXPECT_EQ(plan.domain_of_cpu.front(), 0);
  EXPECT_EQ(plan.domain_of_cpu.back(), 1);
}

TEST(CohortDomainPlan, SplitsBySharedL3OnOneNode) {
  const auto hw = HwlocTopology::from_synthetic("pack:1 l3:2 core:4 pu:1");
  const auto plan = plan_cohort_domains(hw.topology());
  EXPECT_EQ(plan.level, "L3");
  EXPECT_EQ(plan.domains, 2);
  EXPECT_EQ(plan.description, "2 domains by L3: 0-3 | 4-7");
}

TEST(CohortDomainPlan, AnL3PerCoreIsNoSplit) {
  // What some virtual machines report (this project's development VM does).
  const auto hw = HwlocTopology::from_synthetic("pack:1 l3:2 core:1 pu:1");
  const auto plan = plan_cohort_domains(hw.topology());
  EXPECT_EQ(plan.domains, 1);
  EXPECT_EQ(plan.description, "1 domain (no split)");
}

TEST(CohortDomainPlan, OneL3IsNoSplit) {
  const auto hw = HwlocTopology::from_synthetic("pack:1 l3:1 core:4 pu:2");
  EXPECT_EQ(plan_cohort_domains(hw.topology()).domains, 1);
}

TEST(CohortDomainPlan, CpuListsAreCompact) {
  EXPECT_EQ(synclab::harness::cpu_list({3, 0, 1, 2, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_EQ(synclab::harness::cpu_list({5}), "5");
  EXPECT_EQ(synclab::harness::cpu_list({}), "");
}

TEST(CohortDomainPlan, InstallingThisMachineDescribesIt) {
  const auto hw = HwlocTopology::load_this_machine();
  const std::string text = synclab::harness::install_cohort_domains(hw.topology());
  EXPECT_EQ(text, domains::description());
  EXPECT_EQ(static_cast<int>(domains::domain_count()), plan_cohort_domains(hw.topology()).domains);
  domains::reset_domain_map();
}

// --- Mutual exclusion with several domains --------------------------------------

// Pins each thread, on its first lock(), to the CPU of domain (n mod 2) for the
// n-th thread to arrive, and counts acquisitions per domain.
template <class L>
class PinnedByArrival {
 public:
  static constexpr std::string_view name = L::name;

  // The two CPUs (domain 0, domain 1); set before the first lock().
  void use_cpus(std::array<int, 2> cpus) { cpus_ = cpus; }

  void lock() {
    thread_local const PinnedByArrival* pinned_for = nullptr;
    if (pinned_for != this) {
      const int n = arrivals_.fetch_add(1, std::memory_order_relaxed);
      pin_and_refresh_domain(cpus_[static_cast<std::size_t>(n % 2)]);
      pinned_for = this;
    }
    const std::uint32_t d = domains::current_domain();
    inner_.lock();
    per_domain_[d % 2].fetch_add(1, std::memory_order_relaxed);
  }
  void unlock() { inner_.unlock(); }

  [[nodiscard]] std::uint64_t acquisitions_in(int d) const {
    return per_domain_[static_cast<std::size_t>(d)].load(std::memory_order_relaxed);
  }

 private:
  L inner_;
  std::array<int, 2> cpus_{};
  std::atomic<int> arrivals_{0};
  std::array<std::atomic<std::uint64_t>, 2> per_domain_{};
};

TEST_F(ParityDomains, MutualExclusionWithThreadsPinnedInBothDomains) {
  PinnedByArrival<Cohort<>> lock;
  lock.use_cpus({cpu_of_domain(0), cpu_of_domain(1)});
  // Two threads per domain: in-domain passes and cross-domain handoffs both happen.
  const auto result = synclab::testing::stress_mutual_exclusion(lock, 4, 400ms, 200'000);
  EXPECT_GT(result.ops, 0u);
  EXPECT_EQ(result.owner_violations, 0u);
  EXPECT_EQ(result.lost_updates, 0u) << "expected " << result.expected << " increments";
  EXPECT_GT(lock.acquisitions_in(0), 0u);
  EXPECT_GT(lock.acquisitions_in(1), 0u) << "threads of the other domain must get in";
}

TEST_F(ParityDomains, MutualExclusionWhileThreadsMigrate) {
  // Unpinned: threads move between CPUs, so their cached domain goes stale and
  // is revalidated; a stale domain must cost locality only, never exclusion.
  Cohort<> lock;
  const auto result = synclab::testing::stress_mutual_exclusion(lock, 6, 400ms, 200'000);
  EXPECT_GT(result.ops, 0u);
  EXPECT_EQ(result.owner_violations, 0u);
  EXPECT_EQ(result.lost_updates, 0u) << "expected " << result.expected << " increments";
}

TEST_F(ParityDomains, SmallPassBoundKeepsMutualExclusion) {
  PinnedByArrival<Cohort<1>> lock;
  lock.use_cpus({cpu_of_domain(0), cpu_of_domain(1)});
  const auto result = synclab::testing::stress_mutual_exclusion(lock, 4, 300ms, 200'000);
  EXPECT_EQ(result.owner_violations, 0u);
  EXPECT_EQ(result.lost_updates, 0u);
}

// --- The handoff order ------------------------------------------------------------

// The calling thread (pinned to domain 0) holds the lock; `local_waiters`
// threads of domain 0 queue behind it on the local lock, in a known order,
// then one thread of domain 1 queues on the global lock (it is the last
// waiter, index local_waiters). Returns the acquisition order.
template <class L>
synclab::testing::FifoResult cohort_order(L& lock, int local_waiters, int cpu0, int cpu1) {
  AffinityRestorer restore;
  const int remote = local_waiters;
  return synclab::testing::acquisition_order(
      local_waiters + 1,
      [&] {
        pin_and_refresh_domain(cpu0);
        lock.lock();
      },
      [&] { lock.unlock(); },
      [&](int i) {
        pin_and_refresh_domain(i == remote ? cpu1 : cpu0);
        lock.lock();
      },
      [&](int) { lock.unlock(); },
      [&](int i) {
        if (i == remote) {
          return lock.global_tickets_out() == 2;  // the holder's domain, then this one
        }
        return lock.local_tickets_out(0) == static_cast<std::uint32_t>(i) + 2;  // holder + i + 1 waiters
      });
}

// The order a cohort lock with pass bound B must produce: B local waiters take
// the global lock along (B passes), then the remote one, then the rest.
std::vector<int> bounded_order(int local_waiters, int bound) {
  std::vector<int> order;
  const int first = std::min(bound, local_waiters);
  for (int i = 0; i < first; ++i) order.push_back(i);
  order.push_back(local_waiters);
  for (int i = first; i < local_waiters; ++i) order.push_back(i);
  return order;
}

constexpr int kLocalWaiters = 5;

TEST_F(ParityDomains, PassesTheGlobalLockWithinTheDomainAtMostTheBound) {
  Cohort<2> lock;
  const auto r = cohort_order(lock, kLocalWaiters, cpu_of_domain(0), cpu_of_domain(1));
  EXPECT_EQ(r.not_queued, -1) << "waiter " << r.not_queued << " was never seen queued";
  EXPECT_FALSE(r.entered_while_held);
  // 0, 1 (two passes), then domain 1's thread (5), then 2, 3, 4.
  EXPECT_EQ(r.order, bounded_order(kLocalWaiters, 2));
}

TEST_F(ParityDomains, AnotherDomainGetsInAsSoonAsTheCohortIsEmpty) {
  Cohort<> lock;
  const auto r = cohort_order(lock, 2, cpu_of_domain(0), cpu_of_domain(1));
  EXPECT_EQ(r.not_queued, -1);
  EXPECT_FALSE(r.entered_while_held);
  // Bound 64 is not reached: both local waiters first, then domain 1's thread.
  EXPECT_EQ(r.order, (std::vector<int>{0, 1, 2}));
}

TEST_F(ParityDomains, ABoundOfZeroIsATwoLevelTicketLock) {
  Cohort<0> lock;
  const auto r = cohort_order(lock, 3, cpu_of_domain(0), cpu_of_domain(1));
  EXPECT_EQ(r.not_queued, -1);
  EXPECT_EQ(r.order, bounded_order(3, 0));
}

// --- The broken twin: must be caught ------------------------------------------------

TEST_F(ParityDomains, CohortBrokenUnboundedStarvesTheOtherDomain) {
  synclab::testing::CohortUnbounded lock;
  const auto r = cohort_order(lock, kLocalWaiters, cpu_of_domain(0), cpu_of_domain(1));
  ASSERT_EQ(r.not_queued, -1);
  // The check the correct lock passes must fail here...
  EXPECT_NE(r.order, bounded_order(kLocalWaiters, 2));
  // ...because domain 1's thread waited for every thread of domain 0.
  ASSERT_EQ(r.order.size(), static_cast<std::size_t>(kLocalWaiters + 1));
  EXPECT_EQ(r.order.back(), kLocalWaiters);
}

}  // namespace
