// Destroy right after the last use, as the standard types allow: a
// std::mutex (std::shared_mutex, a semaphore) may be destroyed by the thread
// that acquired it last, right after its own unlock, while the previous
// holder is still returning from its unlock; a std::condition_variable may
// be destroyed once every waiter was notified, e.g. by the first waiter that
// wakes from a notify_all. Every lock, reader-writer lock, semaphore and
// condition variable of ours must allow the same: its release and wake paths
// touch nothing once another thread may own the object.
//
// Deterministic part: the previous holder is held at its stall point
// (synclab/stall_point.hpp: right after its release, or right after its
// wake) while the last user acquires, releases and destroys the object in
// CheckedStorage; the holder then finishes, and the storage must still hold
// only the fill written at destruction (in ASan builds it is also poisoned,
// so a read is reported too). Randomised part: the "mutex guards its own
// reference count" pattern, repeated with more threads than CPUs; the heap
// object is deleted by whoever leaves last, which AddressSanitizer and
// ThreadSanitizer watch.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "synclab/channels/oneshot_blocking.hpp"
#include "synclab/condvars/catalog.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/locks/cohort_domains.hpp"
#include "synclab/peers/std_shared_mutex.hpp"
#include "synclab/rwlocks/bravo.hpp"
#include "synclab/rwlocks/rw_writer_pref.hpp"
#include "synclab/rwlocks/catalog.hpp"
#include "synclab/semaphores/catalog.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/testing/broken_lifetime.hpp"
#include "synclab/testing/cpu_affinity.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/stall_gate.hpp"
#include "synclab/testing/thread_state.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::StallPoint;
using synclab::testing::CheckedStorage;
using synclab::testing::GTestTypes;
using synclab::testing::HangWatchdog;
using synclab::testing::kHangLimit;
using synclab::testing::PrimitiveName;
using synclab::testing::StallGate;

// How long the previous holder is held at most: far more than the last user
// needs to acquire, release and destroy when it can; when it cannot (the
// holder has not fully released yet), the hold runs out and the test goes on.
constexpr auto kHold = 300ms;

// How the two threads of a scenario use the object.
template <class P>
struct Use {
  std::function<void(P&)> take;
  std::function<void(P&)> give;
};

struct ScenarioResult {
  bool untouched = false;     // nothing wrote to the object after its destruction
  bool holder_held = false;   // the previous holder reached its stall point
};

// Thread `holder` takes the object; thread `last` takes it after the
// holder's release (or, with last_waits_first, starts waiting before it),
// gives it back and destroys it. The holder is held at its after_release
// stall point (if its release path has one) until the object is destroyed
// or kHold has passed. A `last` asleep until the holder's wake, which the
// held holder has not sent, is nudged (a spurious wake-up) so it looks again.
template <class P, class... Args>
ScenarioResult destroy_after_last_release(const Use<P>& holder_use, const Use<P>& last_use, bool last_waits_first,
                                          Args&&... args) {
  HangWatchdog dog(kHangLimit, P::name, "destroy after the last release");
  CheckedStorage<P> storage;
  P& object = storage.emplace(std::forward<Args>(args)...);
  StallGate gate(StallPoint::after_release, kHold);
  std::atomic<bool> release_now{false}, holder_returned{false}, last_took{false}, destroyed{false};
  std::atomic<long> last_tid{0};
  std::latch holder_holds(1);

  std::thread holder([&] {
    holder_use.take(object);
    holder_holds.count_down();
    while (!release_now.load(std::memory_order_acquire)) std::this_thread::yield();
    gate.arm(&object, std::this_thread::get_id());
    holder_use.give(object);
    holder_returned.store(true, std::memory_order_release);
  });
  holder_holds.wait();

  std::thread last([&] {
    last_tid.store(synclab::testing::this_thread_tid(), std::memory_order_release);
    if (!last_waits_first) {
      while (!gate.holding() && !holder_returned.load(std::memory_order_acquire)) std::this_thread::yield();
    }
    last_use.take(object);
    last_took.store(true, std::memory_order_release);
    last_use.give(object);
    storage.destroy();
    destroyed.store(true, std::memory_order_release);
    gate.open();
  });

  if (last_waits_first) {
    // Asleep, or (a spinning lock) given a moment to start spinning.
    synclab::testing::wait_until_asleep(last_tid, 20ms);
  }
  release_now.store(true, std::memory_order_release);
  while (!last_took.load(std::memory_order_acquire)) {
    if (gate.holding()) synclab::testing::nudge(last);
    std::this_thread::sleep_for(1ms);
  }
  holder.join();
  last.join();
  return {.untouched = storage.untouched_since_destroy(), .holder_held = gate.arrivals() > 0};
}

// For the twins: the check must catch their write. Under AddressSanitizer the
// poisoned storage turns it into a report that ends the (death-test child)
// process; elsewhere the fill pattern shows it.
#if defined(__SANITIZE_ADDRESS__)
#define EXPECT_WRITE_CAUGHT(untouched)                     \
  do {                                                     \
    GTEST_FLAG_SET(death_test_style, "threadsafe");        \
    EXPECT_DEATH(static_cast<void>(untouched), "AddressSanitizer: use-after-poison"); \
  } while (false)
#else
#define EXPECT_WRITE_CAUGHT(untouched) EXPECT_FALSE(untouched) << "the check missed a write after the release"
#endif

class LifetimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { synclab::testing::install_nudge_handler(); }
};

// --- Locks ----------------------------------------------------------------------

// cv_requeue's mutex is a lock of its own (futex_mutex3's states with its word exposed).
struct NamedRequeueMutex : synclab::condvars::RequeueMutex {
  static constexpr std::string_view name = "cv_requeue_mutex";
};

template <class L>
Use<L> exclusive() {
  return {[](L& l) { l.lock(); }, [](L& l) { l.unlock(); }};
}

template <class L>
class LockLifetime : public LifetimeTest {};
using Locks = GTestTypes<synclab::Concat<synclab::locks::OurLocks, synclab::TypeList<NamedRequeueMutex>>>::type;
TYPED_TEST_SUITE(LockLifetime, Locks, PrimitiveName);

TYPED_TEST(LockLifetime, NextHolderDestroysItRightAfterItsUnlock) {
  const auto r = destroy_after_last_release(exclusive<TypeParam>(), exclusive<TypeParam>(), false);
  EXPECT_TRUE(r.untouched) << "the previous holder's unlock wrote to the lock after releasing it";
}

TYPED_TEST(LockLifetime, WaiterDestroysItRightAfterItsUnlock) {
  const auto r = destroy_after_last_release(exclusive<TypeParam>(), exclusive<TypeParam>(), true);
  EXPECT_TRUE(r.untouched) << "the previous holder's unlock wrote to the lock after releasing it";
}

TEST_F(LifetimeTest, LockLifetimeBrokenWriteAfterUnlockIsCaught) {
  using L = synclab::testing::TtasWritesAfterUnlock;
  for (const bool waits : {false, true}) {
    EXPECT_WRITE_CAUGHT(destroy_after_last_release(exclusive<L>(), exclusive<L>(), waits).untouched);
  }
}

// --- Reader-writer locks --------------------------------------------------------

template <class L>
Use<L> shared() {
  return {[](L& l) { l.lock_shared(); }, [](L& l) { l.unlock_shared(); }};
}

// Ours, and BRAVO over std::shared_mutex (whose own unlock the standard lets
// be the last access): its table paths are ours.
template <class L>
class RwLockLifetime : public LifetimeTest {};
using RwLocks = GTestTypes<synclab::Concat<synclab::rwlocks::OurRwLocks,
                                          synclab::TypeList<synclab::rwlocks::Bravo<synclab::peers::StdSharedMutex>>>>::type;
TYPED_TEST_SUITE(RwLockLifetime, RwLocks, PrimitiveName);

// Every pairing of modes, with the last user arriving after the release and
// waiting before it (a writer behind a reader raises the writer-waiting
// state, which sends the last reader's unlock down its wake path). A reader
// does not wait behind a reader, so that pairing only arrives after.
TYPED_TEST(RwLockLifetime, LastUserDestroysItRightAfterItsUnlockInEveryMode) {
  using L = TypeParam;
  const std::pair<const char*, Use<L>> modes[] = {{"writer", exclusive<L>()}, {"reader", shared<L>()}};
  for (const auto& [holder_name, holder_use] : modes) {
    for (const auto& [last_name, last_use] : modes) {
      for (const bool waits : {false, true}) {
        if (waits && holder_name == last_name && last_name == std::string_view("reader")) continue;
        SCOPED_TRACE(std::string(holder_name) + " then " + last_name + (waits ? " (waiting)" : " (arriving)"));
        const auto r = destroy_after_last_release(holder_use, last_use, waits);
        EXPECT_TRUE(r.untouched) << "the previous holder's unlock wrote to the lock after releasing it";
      }
    }
  }
}

// BRAVO's fast path: the holder reads through the visible readers table (the
// bias was turned on by a read before), so its unlock empties a table slot
// and must touch the lock no more; the last user is a writer that revokes.
template <class L>
class BravoLifetime : public LifetimeTest {};
using BravoLocks = ::testing::Types<synclab::rwlocks::Bravo<synclab::rwlocks::RwWriterPref>,
                                    synclab::rwlocks::Bravo<synclab::peers::StdSharedMutex>>;
TYPED_TEST_SUITE(BravoLifetime, BravoLocks, PrimitiveName);

TYPED_TEST(BravoLifetime, WriterDestroysItRightAfterAVisibleReadersUnlock) {
  using L = TypeParam;
  const Use<L> visible_reader{[](L& l) {
                                l.lock_shared();  // slow: turns the bias on
                                l.unlock_shared();
                                l.lock_shared();
                                EXPECT_EQ(l.visible_readers(), 1);
                              },
                              [](L& l) { l.unlock_shared(); }};
  for (const bool waits : {false, true}) {
    SCOPED_TRACE(waits ? "writer waiting" : "writer arriving");
    const auto r = destroy_after_last_release(visible_reader, exclusive<L>(), waits);
    EXPECT_TRUE(r.holder_held) << "the reader's unlock has no stall point";
    EXPECT_TRUE(r.untouched) << "the visible reader's unlock wrote to the lock after emptying its slot";
  }
}

// --- Semaphores -----------------------------------------------------------------

template <class S>
class SemaphoreLifetime : public LifetimeTest {};
TYPED_TEST_SUITE(SemaphoreLifetime, GTestTypes<synclab::semaphores::OurSemaphores>::type, PrimitiveName);

TYPED_TEST(SemaphoreLifetime, LastAcquirerDestroysItRightAfterItsRelease) {
  using S = TypeParam;
  const Use<S> one{[](S& s) { s.acquire(); }, [](S& s) { s.release(); }};
  const Use<S> two{[](S& s) {
                     s.acquire();
                     s.acquire();
                   },
                   [](S& s) { s.release(2); }};
  for (const bool waits : {false, true}) {
    SCOPED_TRACE(waits ? "waiting acquirer" : "arriving acquirer");
    EXPECT_TRUE(destroy_after_last_release(one, one, waits, 1).untouched) << "release(1)";
    EXPECT_TRUE(destroy_after_last_release(two, two, waits, 2).untouched) << "release(2)";
  }
}

// --- Cohort, across two domains -------------------------------------------------

void pin_to_domain_cpu(int cpu) {
  static_cast<void>(synclab::testing::pin_current_thread(cpu));
  synclab::locks::cohort_domains::refresh_current_domain();
}

// The holder in domain 0 and the last user in domain 1 (a synthetic map:
// domain = CPU parity, as in cohort_lock_test.cpp), so the last user takes
// its own domain's local lock and competes only for the global one: the
// holder's unlock must not touch the lock once it has given the global lock
// up.
TEST_F(LifetimeTest, CohortAcrossDomainsLastHolderDestroysItRightAfterItsUnlock) {
  namespace domains = synclab::locks::cohort_domains;
  using synclab::locks::Cohort;
  std::optional<int> even, odd;
  const std::vector<int> cpus = synclab::testing::allowed_cpus();
  for (const int c : cpus) {
    if (c % 2 == 0 && !even) even = c;
    if (c % 2 == 1 && !odd) odd = c;
  }
  if (!even || !odd) GTEST_SKIP() << "needs an even and an odd CPU in the affinity mask";
  std::vector<int> map(static_cast<std::size_t>(cpus.back() + 1));
  for (std::size_t c = 0; c < map.size(); ++c) map[c] = static_cast<int>(c % 2);
  domains::install_domain_map(map, "2 domains by CPU parity (test)");
  const Use<Cohort<>> in_domain_0{[&](Cohort<>& l) {
                                     pin_to_domain_cpu(*even);
                                     l.lock();
                                   },
                                   [](Cohort<>& l) { l.unlock(); }};
  const Use<Cohort<>> in_domain_1{[&](Cohort<>& l) {
                                     pin_to_domain_cpu(*odd);
                                     l.lock();
                                   },
                                   [](Cohort<>& l) { l.unlock(); }};
  for (const bool waits : {false, true}) {
    SCOPED_TRACE(waits ? "waiting in domain 1" : "arriving in domain 1");
    EXPECT_TRUE(destroy_after_last_release(in_domain_0, in_domain_1, waits).untouched)
        << "the unlock in domain 0 wrote to the lock after releasing the global lock";
  }
  domains::reset_domain_map();
}

// --- Condition variables --------------------------------------------------------

template <class CV>
class CondVarLifetime : public LifetimeTest {};
TYPED_TEST_SUITE(CondVarLifetime, GTestTypes<synclab::condvars::OurCondVars>::type, PrimitiveName);

// Two waiters asleep; notify_all under the mutex; the first waiter back
// destroys the condition variable while the other is held right after its
// wake, before it has done anything else. Whether the storage was left alone.
template <class CV>
bool first_woken_waiter_destroys() {
  HangWatchdog dog(kHangLimit, CV::name, "first woken waiter destroys the condvar");
  constexpr int kWaiters = 2;
  typename CV::mutex_type mutex;  // outlives the condvar, as every wait needs it to return
  CheckedStorage<CV> storage;
  CV& cv = storage.emplace();
  StallGate gate(StallPoint::after_wake, kHold);
  gate.arm(&cv);
  bool go = false, destroyed = false;  // under mutex
  int waiting = 0;                     // under mutex
  std::vector<std::atomic<long>> tids(kWaiters);
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      tids[static_cast<std::size_t>(i)].store(synclab::testing::this_thread_tid(), std::memory_order_release);
      std::unique_lock held(mutex);
      ++waiting;
      while (!go) cv.wait(held);
      if (!destroyed) {
        storage.destroy();
        destroyed = true;
        gate.open();
      }
    });
  }
  for (;;) {  // a waiter releases the mutex only inside wait()
    std::unique_lock held(mutex);
    if (waiting == kWaiters) break;
    held.unlock();
    std::this_thread::sleep_for(1ms);
  }
  for (auto& tid : tids) EXPECT_TRUE(synclab::testing::wait_until_asleep(tid, 10s));
  {
    const std::lock_guard held(mutex);
    go = true;
    cv.notify_all();
  }
  for (auto& t : waiters) t.join();
  return storage.untouched_since_destroy();
}

TYPED_TEST(CondVarLifetime, FirstWokenWaiterDestroysItAfterNotifyAll) {
  EXPECT_TRUE(first_woken_waiter_destroys<TypeParam>())
      << "a woken waiter wrote to the destroyed condition variable";
}

TEST_F(LifetimeTest, CondVarLifetimeBrokenDecrementAfterWakeIsCaught) {
  EXPECT_WRITE_CAUGHT(first_woken_waiter_destroys<synclab::testing::CvDecrementsAfterWake>());
}

// --- oneshot_blocking -------------------------------------------------------------

// The receiver may destroy the channel as soon as recv() returns; the sender
// can still be between its publishing store and its futex wake. The wake is
// a syscall on the word's address only (the kernel reads nothing there), so
// nothing touches the destroyed channel.
TEST_F(LifetimeTest, OneshotBlockingReceiverDestroysItWhileTheSenderIsStillWaking) {
  using C = synclab::channels::OneshotBlocking<long>;
  HangWatchdog dog(kHangLimit, C::name, "receiver destroys after recv");
  CheckedStorage<C> storage;
  C& c = storage.emplace();
  StallGate gate(StallPoint::after_release, kHold);
  std::atomic<long> receiver_tid{0};
  std::atomic<bool> received{false};
  std::thread receiver([&] {
    receiver_tid.store(synclab::testing::this_thread_tid(), std::memory_order_release);
    EXPECT_EQ(c.recv(), 42);
    storage.destroy();
    received.store(true, std::memory_order_release);
    gate.open();
  });
  ASSERT_TRUE(synclab::testing::wait_until_asleep(receiver_tid, 10s));
  std::thread sender([&] {
    gate.arm(&c, std::this_thread::get_id());
    c.send(42);
  });
  ASSERT_TRUE(gate.wait_until_held(10s));
  while (!received.load(std::memory_order_acquire)) {
    synclab::testing::nudge(receiver);
    std::this_thread::sleep_for(1ms);
  }
  sender.join();
  receiver.join();
  EXPECT_TRUE(storage.untouched_since_destroy());
}

// --- Randomised: whoever leaves last deletes ---------------------------------------

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr auto kRandomBudget = 200ms;
#else
constexpr auto kRandomBudget = 100ms;
#endif

int oversubscribed_threads() {
  return std::clamp(2 * static_cast<int>(std::thread::hardware_concurrency()), 4, 16);
}

// Rounds of: `threads` threads each take and give the primitive `uses`
// times; the count of users still to come is protected by the primitive
// itself, and the thread whose last give took it to zero deletes the heap
// object right after that give. Until `budget` has passed.
template <class P, class Take, class Give>
int rounds_of_last_user_deletes(std::chrono::milliseconds budget, Take take, Give give) {
  struct Shared {
    P primitive;
    int users = 0;  // under `primitive`
  };
  const int threads = oversubscribed_threads();
  constexpr int kUses = 4;
  const auto end = std::chrono::steady_clock::now() + budget;
  int rounds = 0;
  while (std::chrono::steady_clock::now() < end) {
    auto* shared = new Shared;
    shared->users = threads;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([shared, take, give] {
        for (int use = 1; use <= kUses; ++use) {
          take(shared->primitive);
          const bool last = use == kUses && --shared->users == 0;
          Shared* const mine = shared;  // read before the give: afterwards it may be gone
          give(mine->primitive);
          if (last) delete mine;
        }
      });
    }
    for (auto& t : pool) t.join();
    ++rounds;
  }
  return rounds;
}

TYPED_TEST(LockLifetime, RandomisedLastUserDeletesIt) {
  HangWatchdog dog(kHangLimit, TypeParam::name, "randomised last user deletes");
  EXPECT_GT((rounds_of_last_user_deletes<TypeParam>(
                kRandomBudget, [](TypeParam& l) { l.lock(); }, [](TypeParam& l) { l.unlock(); })),
            0);
}

TYPED_TEST(RwLockLifetime, RandomisedLastUserDeletesIt) {
  HangWatchdog dog(kHangLimit, TypeParam::name, "randomised last user deletes");
  // The count is written under the exclusive lock; readers come and go in between.
  EXPECT_GT((rounds_of_last_user_deletes<TypeParam>(
                kRandomBudget,
                [](TypeParam& l) {
                  l.lock_shared();
                  l.unlock_shared();
                  l.lock();
                },
                [](TypeParam& l) { l.unlock(); })),
            0);
}

// A semaphore can only be default-constructed here by wrapping it with one permit.
template <class S>
struct OnePermit : S {
  OnePermit() : S(1) {}
};

TYPED_TEST(SemaphoreLifetime, RandomisedLastUserDeletesIt) {
  HangWatchdog dog(kHangLimit, TypeParam::name, "randomised last user deletes");
  using S = OnePermit<TypeParam>;
  EXPECT_GT((rounds_of_last_user_deletes<S>(
                kRandomBudget, [](S& s) { s.acquire(); }, [](S& s) { s.release(); })),
            0);
}

// Waiters wait for a flag; the notifier sets it and notifies all under the
// mutex; the first waiter that sees it deletes the condition variable.
TYPED_TEST(CondVarLifetime, RandomisedFirstWokenWaiterDeletesIt) {
  using CV = TypeParam;
  HangWatchdog dog(kHangLimit, CV::name, "randomised first woken waiter deletes");
  const int waiters = oversubscribed_threads() - 1;
  const auto end = std::chrono::steady_clock::now() + kRandomBudget;
  int rounds = 0;
  while (std::chrono::steady_clock::now() < end) {
    typename CV::mutex_type mutex;
    CV* cv = new CV;
    bool go = false;  // under mutex
    int waiting = 0;  // under mutex
    std::vector<std::thread> pool;
    for (int w = 0; w < waiters; ++w) {
      pool.emplace_back([&] {
        std::unique_lock held(mutex);
        ++waiting;
        while (!go) cv->wait(held);
        delete std::exchange(cv, nullptr);  // only the first one back deletes
      });
    }
    // Notify once some (not necessarily all) waiters are inside wait().
    for (;;) {
      std::unique_lock held(mutex);
      if (waiting >= waiters / 2) {
        go = true;
        cv->notify_all();
        break;
      }
      held.unlock();
      std::this_thread::yield();
    }
    for (auto& t : pool) t.join();
    ++rounds;
  }
  EXPECT_GT(rounds, 0);
}

}  // namespace
