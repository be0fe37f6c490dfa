// Queue locks beyond the common contract of lock_stress_test.cpp (which runs
// on every lock of the catalogue, these included): FIFO handoff order with a
// queue built in a known order; MCS and CLH through their node API, with nodes
// moving between threads and lock instances; Anderson's capacity contract;
// the thread-local node adapter with several locks held at once; and node
// ownership: nothing leaks when locks, nodes and threads come and go (checked
// by LeakSanitizer in the asan preset, both at the end of each such test and at
// process exit).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "synclab/concepts.hpp"
#include "synclab/locks/anderson.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/locks/clh.hpp"
#include "synclab/locks/mcs.hpp"
#include "synclab/locks/ticket_backoff.hpp"
#include "synclab/locks/with_thread_local_node.hpp"
#include "synclab/testing/fifo_order.hpp"
#include "synclab/testing/lock_stress.hpp"
#include "synclab/testing/progress_check.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace {

using namespace std::chrono_literals;
using synclab::locks::Anderson;
using synclab::locks::Clh;
using synclab::locks::ClhNode;
using synclab::locks::Mcs;
using synclab::locks::McsNode;
using synclab::locks::TicketBackoff;
using synclab::locks::WithThreadLocalNode;
using synclab::testing::FifoResult;
using synclab::testing::PrimitiveName;
using synclab::testing::acquisition_order;
using synclab::testing::check_progress;
using synclab::testing::stress_mutual_exclusion;

// In the asan preset: no heap block may be unreachable at this point. Elsewhere
// a no-op (the leak check then is only ASan's, at exit).
void expect_no_leaks() {
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(__lsan_do_recoverable_leak_check(), 0) << "LeakSanitizer found unreachable blocks (see stderr)";
#endif
}

std::vector<int> iota_order(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) {
    v.push_back(i);
  }
  return v;
}

void expect_fifo(const FifoResult& r, int waiters) {
  EXPECT_EQ(r.not_queued, -1) << "waiter " << r.not_queued << " was never seen in the queue";
  EXPECT_FALSE(r.entered_while_held) << "a waiter acquired the lock while another thread held it";
  EXPECT_EQ(r.order, iota_order(waiters)) << "acquisition order differs from arrival order";
}

constexpr int kWaiters = 6;

// --- FIFO order -------------------------------------------------------------

TEST(TicketBackoff, HandsTheLockOverInArrivalOrder) {
  TicketBackoff lock;
  const auto r = acquisition_order(
      kWaiters, [&] { lock.lock(); }, [&] { lock.unlock(); }, [&](int) { lock.lock(); }, [&](int) { lock.unlock(); },
      // Ticket 0 is the holder's; waiter i holds ticket i + 1.
      [&](int i) { return lock.tickets_issued() == static_cast<std::uint32_t>(i + 2); });
  expect_fifo(r, kWaiters);
}

template <class A>
void expect_anderson_fifo(int waiters) {
  A lock;
  const auto r = acquisition_order(
      waiters, [&] { lock.lock(); }, [&] { lock.unlock(); }, [&](int) { lock.lock(); }, [&](int) { lock.unlock(); },
      [&](int i) { return lock.tickets_issued() == static_cast<std::uint32_t>(i + 2); });
  expect_fifo(r, waiters);
}

TEST(Anderson, HandsTheLockOverInArrivalOrder) { expect_anderson_fifo<Anderson<>>(kWaiters); }

// More waiters than slots: the extra ones wait in the admission guard, and the
// order is still the ticket order.
TEST(Anderson, StaysFifoWithMoreWaitersThanSlots) { expect_anderson_fifo<Anderson<4>>(10); }

// --- Node-level contract, for both node locks ---------------------------------

template <class L>
class NodeLock : public ::testing::Test {};
using NodeLocks = ::testing::Types<Mcs, Clh>;
TYPED_TEST_SUITE(NodeLock, NodeLocks, PrimitiveName);

TYPED_TEST(NodeLock, HandsTheLockOverInArrivalOrder) {
  using Node = typename TypeParam::node_type;
  TypeParam lock;
  Node holder;
  std::array<Node, kWaiters> nodes;
  const auto r = acquisition_order(
      kWaiters, [&] { lock.lock(holder); }, [&] { lock.unlock(holder); }, [&](int i) { lock.lock(nodes[i]); },
      [&](int i) { lock.unlock(nodes[i]); }, [&](int i) { return lock.is_last(nodes[i]); });
  expect_fifo(r, kWaiters);
}

// Each worker has one node of its own and takes two locks alternately with it,
// so every node is reused right after each release, on another queue. The
// counters are plain: a missing handoff ordering is a data race under TSan.
// Time-bounded: with more threads than CPUs a FIFO spin lock may pay a
// scheduler time slice per handoff.
TYPED_TEST(NodeLock, ExplicitNodesProvideMutualExclusionAcrossTwoLocks) {
  using Node = typename TypeParam::node_type;
  constexpr int kThreads = 4;
  TypeParam a;
  TypeParam b;
  std::uint64_t in_a = 0;  // protected by a
  std::uint64_t in_b = 0;  // protected by b
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> rounds{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&] {
      Node node;
      std::uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed) && mine < 20'000) {
        a.lock(node);
        in_a = in_a + 1;
        a.unlock(node);
        b.lock(node);
        in_b = in_b + 1;
        b.unlock(node);
        ++mine;
      }
      rounds.fetch_add(mine, std::memory_order_relaxed);
    });
  }
  std::this_thread::sleep_for(200ms);
  stop.store(true, std::memory_order_relaxed);
  for (auto& t : pool) {
    t.join();
  }
  EXPECT_GT(rounds.load(), 0u);
  EXPECT_EQ(in_a, rounds.load());
  EXPECT_EQ(in_b, rounds.load());
}

// A node belongs to no thread and no lock between uses.
TYPED_TEST(NodeLock, NodeMovesBetweenThreadsAndLocks) {
  using Node = typename TypeParam::node_type;
  TypeParam a;
  TypeParam b;
  Node node;
  std::thread([&] {
    a.lock(node);
    a.unlock(node);
  }).join();
  std::thread([&] {
    b.lock(node);
    b.unlock(node);
    ASSERT_TRUE(a.try_lock(node));
    a.unlock(node);
  }).join();
  a.lock(node);
  a.unlock(node);
  b.lock(node);
  b.unlock(node);
}

TYPED_TEST(NodeLock, TryLockFailsWhileHeldOrQueuedAndSucceedsWhenFree) {
  using Node = typename TypeParam::node_type;
  TypeParam lock;
  Node holder;
  Node waiter;
  Node trier;
  lock.lock(holder);
  bool acquired = true;
  std::thread([&] { acquired = lock.try_lock(trier); }).join();
  EXPECT_FALSE(acquired) << "try_lock succeeded while the lock was held";

  std::atomic<bool> waiter_in{false};
  std::thread w([&] {
    lock.lock(waiter);
    waiter_in.store(true, std::memory_order_relaxed);
    lock.unlock(waiter);
  });
  while (!lock.is_last(waiter)) {
    std::this_thread::yield();
  }
  std::thread([&] { acquired = lock.try_lock(trier); }).join();
  EXPECT_FALSE(acquired) << "try_lock succeeded with a holder and a waiter";
  lock.unlock(holder);
  w.join();
  EXPECT_TRUE(waiter_in.load(std::memory_order_relaxed)) << "the queued waiter never got the lock";

  std::thread([&] {
    acquired = lock.try_lock(trier);
    if (acquired) {
      lock.unlock(trier);
    }
  }).join();
  EXPECT_TRUE(acquired);
}

// Hangs show up here as a stall rather than a stuck test (the positive control
// of broken_queue_lock_test.cpp uses the same check).
TYPED_TEST(NodeLock, MakesProgressWithMoreThreadsThanCpus) {
  using Node = typename TypeParam::node_type;
  TypeParam lock;
  constexpr int kThreads = 6;
  std::array<Node, kThreads> nodes;
  const auto r = check_progress(
      kThreads, 400ms, 3s, [&](int i) { lock.lock(nodes[i]); }, [&](int i) { lock.unlock(nodes[i]); }, [] {});
  EXPECT_FALSE(r.stalled);
  EXPECT_EQ(r.violations, 0u);
  EXPECT_GT(r.ops, 0u);
}

// Locks and nodes created and destroyed in every order, on many threads, with
// nodes crossing between locks; LeakSanitizer then finds nothing unreachable.
TYPED_TEST(NodeLock, ManyLocksAndNodesComeAndGoWithoutLeaks) {
  using Node = typename TypeParam::node_type;
  constexpr int kThreads = 3;
  constexpr int kRounds = 100;
  TypeParam shared;
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        auto node = std::make_unique<Node>();
        auto own = std::make_unique<TypeParam>();
        own->lock(*node);
        own->unlock(*node);
        shared.lock(*node);  // the node now carries an element between queues (CLH)
        shared.unlock(*node);
        if (own->try_lock(*node)) {
          own->unlock(*node);
        }
        auto other = std::make_unique<Node>();
        if (shared.try_lock(*other)) {  // a failure may leave an abandoned element (CLH)
          shared.unlock(*other);
        }
        // Destroy in both orders: lock before its last node, and after.
        if (round % 2 == 0) {
          own.reset();
          node.reset();
        } else {
          node.reset();
          own.reset();
        }
        other.reset();
      }
    });
  }
  for (auto& t : pool) {
    t.join();
  }
  expect_no_leaks();
}

// --- CLH: try_lock abandons its element instead of waiting ---------------------

TEST(Clh, WaitersSkipElementsAbandonedByFailedTryLocks) {
  Clh lock;
  ClhNode holder;
  ClhNode trier;
  ClhNode waiter;
  lock.lock(holder);
  std::thread([&] {
    for (int i = 0; i < 100; ++i) {
      ASSERT_FALSE(lock.try_lock(trier));
    }
  }).join();
  std::atomic<bool> waiter_in{false};
  std::thread w([&] {
    lock.lock(waiter);  // queued behind an abandoned element
    waiter_in.store(true, std::memory_order_relaxed);
    lock.unlock(waiter);
  });
  while (!lock.is_last(waiter)) {
    std::this_thread::yield();
  }
  std::thread([&] { EXPECT_FALSE(lock.try_lock(trier)); }).join();  // abandoned behind the waiter
  EXPECT_FALSE(waiter_in.load(std::memory_order_relaxed));
  lock.unlock(holder);
  w.join();
  EXPECT_TRUE(waiter_in.load(std::memory_order_relaxed));
  bool acquired = false;
  std::thread([&] {
    acquired = lock.try_lock(trier);
    if (acquired) {
      lock.unlock(trier);
    }
  }).join();
  EXPECT_TRUE(acquired) << "the abandoned elements were not skipped";
}

// An abandoned element at the tail when the lock is destroyed belongs to the
// lock, which must free it (and the released element it points to).
TEST(Clh, DestructorFreesAbandonedElementsAtTheTail) {
  {
    Clh lock;
    ClhNode holder;
    ClhNode trier;
    lock.lock(holder);
    std::thread([&] { EXPECT_FALSE(lock.try_lock(trier)); }).join();
    lock.unlock(holder);
  }
  expect_no_leaks();
}

// --- Anderson: capacity ----------------------------------------------------

// Far more threads than slots: the admission guard keeps mutual exclusion and
// progress (the unguarded algorithm breaks here; see broken_queue_lock_test).
template <class A>
void expect_correct_beyond_capacity() {
  constexpr int kThreads = 12;
  static_assert(A::capacity < kThreads);
  {
    A lock;
    const auto result = stress_mutual_exclusion(lock, kThreads, 200ms, 20'000);
    EXPECT_GT(result.ops, 0u);
    EXPECT_EQ(result.owner_violations, 0u);
    EXPECT_EQ(result.lost_updates, 0u);
  }
  {
    A lock;
    const auto r = check_progress(
        kThreads, 300ms, 3s, [&](int) { lock.lock(); }, [&](int) { lock.unlock(); }, [] {});
    EXPECT_FALSE(r.stalled);
    EXPECT_EQ(r.violations, 0u);
    EXPECT_GT(r.ops, 0u);
  }
}

TEST(Anderson, ExcludesAndProgressesWithMoreThreadsThanSlots) {
  expect_correct_beyond_capacity<Anderson<2>>();
  expect_correct_beyond_capacity<Anderson<4>>();
}

// try_lock never takes a ticket it would have to wait for.
TEST(Anderson, TryLockFailsWhileAnyoneWaits) {
  Anderson<4> lock;
  lock.lock();
  std::atomic<bool> waiter_in{false};
  std::thread w([&] {
    lock.lock();
    waiter_in.store(true, std::memory_order_relaxed);
    lock.unlock();
  });
  while (lock.tickets_issued() != 2) {
    std::this_thread::yield();
  }
  bool acquired = true;
  std::thread([&] { acquired = lock.try_lock(); }).join();
  EXPECT_FALSE(acquired);
  EXPECT_EQ(lock.tickets_issued(), 2u) << "a failed try_lock must not take a ticket";
  lock.unlock();
  w.join();
  EXPECT_TRUE(waiter_in.load(std::memory_order_relaxed));
  // Every slot gets reused: cycle the tickets through the array a few times.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(lock.try_lock()) << "iteration " << i;
    lock.unlock();
    lock.lock();
    lock.unlock();
  }
}

// --- The thread-local node adapter -----------------------------------------------

template <class L>
class ThreadLocalNodeAdapter : public ::testing::Test {};
using AdaptedLocks = ::testing::Types<WithThreadLocalNode<Mcs>, WithThreadLocalNode<Clh>>;
TYPED_TEST_SUITE(ThreadLocalNodeAdapter, AdaptedLocks, PrimitiveName);

// One thread holds three instances at once and releases them in an order that
// is not the reverse of locking; another thread sees all three held, then
// free. A single node per thread would be queued twice here.
TYPED_TEST(ThreadLocalNodeAdapter, OneThreadHoldsSeveralInstancesAtOnce) {
  TypeParam a;
  TypeParam b;
  TypeParam c;
  a.lock();
  b.lock();
  c.lock();
  int acquired = -1;
  auto try_all = [&] {
    std::thread([&] {
      acquired = 0;
      for (TypeParam* l : {&a, &b, &c}) {
        if (l->try_lock()) {
          ++acquired;
          l->unlock();
        }
      }
    }).join();
  };
  try_all();
  EXPECT_EQ(acquired, 0);
  b.unlock();
  a.unlock();
  c.unlock();
  try_all();
  EXPECT_EQ(acquired, 3);
  // And nested again, interleaved with another thread using the same locks.
  std::thread other([&] {
    for (int i = 0; i < 500; ++i) {
      c.lock();
      a.lock();
      a.unlock();
      c.unlock();
    }
  });
  for (int i = 0; i < 500; ++i) {
    a.lock();
    b.lock();
    a.unlock();
    c.lock();
    c.unlock();
    b.unlock();
  }
  other.join();
}

// Threads that come and go free their nodes at exit; the locks own nothing
// else (CLH: one element, freed with the lock).
TYPED_TEST(ThreadLocalNodeAdapter, ThreadExitFreesItsNodes) {
  {
    TypeParam shared;
    for (int wave = 0; wave < 10; ++wave) {
      std::vector<std::thread> pool;
      for (int t = 0; t < 2; ++t) {
        pool.emplace_back([&] {
          TypeParam mine;
          for (int i = 0; i < 20; ++i) {
            shared.lock();
            mine.lock();
            shared.unlock();
            mine.unlock();
            if (shared.try_lock()) {
              shared.unlock();
            }
          }
        });
      }
      for (auto& t : pool) {
        t.join();
      }
    }
  }
  expect_no_leaks();
}

// --- The catalogue ----------------------------------------------------------------

// Benchmark history is keyed by name: two entries must never share one.
TEST(Catalogue, NamesAreUniqueAndIncludeTheQueueLocksAndTheSpinSweep) {
  std::vector<std::string_view> names;
  synclab::for_each_type(synclab::locks::OurLocks{}, [&]<class L>() { names.push_back(L::name); });
  const std::set<std::string_view> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size()) << "two catalogue entries share a name";
  for (std::string_view expected :
       {"ticket_backoff", "anderson", "mcs", "clh", "futex_mutex3_atomic_wait", "futex_mutex3_spin",
        "futex_mutex3_spin0", "futex_mutex3_spin10", "futex_mutex3_spin1000"}) {
    EXPECT_EQ(unique.count(expected), 1u) << expected;
  }
}

}  // namespace
