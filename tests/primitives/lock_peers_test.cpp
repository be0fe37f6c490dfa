// Third-party lock peers beyond the common contract of lock_stress_test.cpp
// (which runs on every peer of synclab::peers::PeerLocks): the list of absent
// peers says exactly what is missing; the queue-lock peers adapted with
// per-acquisition nodes (ck_mcs, ck_clh, tbb_queuing_mutex) allow several
// instances held at once, released in any order; and ck_clh's queue elements,
// which change hands at every release, survive threads that come and go
// while others probe the lock (AddressSanitizer and LeakSanitizer in the asan
// preset check that no element is used after free or lost).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "synclab/peers/lock_peers.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace {

using namespace std::chrono_literals;
using synclab::testing::GTestTypes;
using synclab::testing::PrimitiveName;

template <class... Ts>
std::vector<std::string_view> names_of(synclab::TypeList<Ts...>) {
  return {Ts::name...};
}

TEST(LockPeers, MissingListNamesExactlyTheAbsentPeers) {
  const std::vector<std::string_view> listed = names_of(synclab::peers::PeerLocks{});
  const std::string_view missing = synclab::peers::kLockPeersMissing;
  for (std::string_view peer : {"std_mutex", "pthread_mutex", "pthread_mutex_adaptive", "pthread_spin", "absl_mutex",
                                "tbb_spin_mutex", "tbb_queuing_mutex", "tbb_mutex", "ck_fas", "ck_cas", "ck_ticket",
                                "ck_mcs", "ck_clh", "ck_anderson", "ck_dec"}) {
    const bool present = std::find(listed.begin(), listed.end(), peer) != listed.end();
    // Names are matched whole: "ck_fas," or "ck_dec " within the text.
    const bool said_missing = missing.find(std::string(peer) + ",") != std::string_view::npos ||
                              missing.find(std::string(peer) + " ") != std::string_view::npos;
    EXPECT_NE(present, said_missing) << peer << (present ? " is listed and said missing" : " is neither listed nor said missing");
  }
  EXPECT_EQ(listed.size(), std::set<std::string_view>(listed.begin(), listed.end()).size()) << "a peer name is repeated";
}

// The peers whose queue nodes come from the thread's node cache.
using NodeAdaptedPeers = decltype(synclab::concat(
#if SYNCLAB_HAVE_CK
    synclab::TypeList<synclab::peers::CkMcs, synclab::peers::CkClh>{},
#else
    synclab::TypeList<>{},
#endif
#if SYNCLAB_HAVE_TBB
    synclab::TypeList<synclab::peers::TbbQueuingMutex>{}
#else
    synclab::TypeList<>{}
#endif
    ));

// Only where a node-adapted peer is built (not on a target without CK and TBB,
// where an empty type list would not compile).
#if SYNCLAB_HAVE_CK || SYNCLAB_HAVE_TBB
template <class L>
class NodeAdaptedPeer : public ::testing::Test {};
TYPED_TEST_SUITE(NodeAdaptedPeer, GTestTypes<NodeAdaptedPeers>::type, PrimitiveName);

// Each acquisition has its own node, so one thread can hold two instances and
// release them in either order; afterwards another thread can take both.
TYPED_TEST(NodeAdaptedPeer, SeveralInstancesHeldAtOnceAndReleasedInAnyOrder) {
  TypeParam a;
  TypeParam b;
  a.lock();
  b.lock();
  a.unlock();
  b.unlock();
  b.lock();
  ASSERT_TRUE(a.try_lock());
  b.unlock();
  a.unlock();
  bool both = false;
  std::thread([&] {
    a.lock();
    b.lock();
    both = true;
    a.unlock();
    b.unlock();
  }).join();
  EXPECT_TRUE(both);
}

// Short-lived threads take the lock, then leave: their nodes (for ck_clh, the
// queue elements they ended up with) go back while other threads keep
// locking and probing the lock's tail with try_lock.
TYPED_TEST(NodeAdaptedPeer, ThreadsComeAndGoWhileOthersProbe) {
  TypeParam lock;
  std::uint64_t inside = 0;  // plain: protected by the lock
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> sections{0};
  std::vector<std::thread> probers;
  for (int p = 0; p < 2; ++p) {
    probers.emplace_back([&] {
      std::uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (lock.try_lock()) {
          ++inside;
          ++mine;
          lock.unlock();
        }
        std::this_thread::yield();
      }
      sections.fetch_add(mine, std::memory_order_relaxed);
    });
  }
  for (int round = 0; round < 50; ++round) {
    std::vector<std::thread> visitors;
    for (int v = 0; v < 3; ++v) {
      visitors.emplace_back([&] {
        for (int i = 0; i < 20; ++i) {
          lock.lock();
          ++inside;
          lock.unlock();
        }
        sections.fetch_add(20, std::memory_order_relaxed);
      });
    }
    for (auto& t : visitors) t.join();
  }
  stop.store(true, std::memory_order_relaxed);
  for (auto& t : probers) t.join();
  EXPECT_EQ(inside, sections.load(std::memory_order_relaxed));
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(__lsan_do_recoverable_leak_check(), 0) << "LeakSanitizer found unreachable blocks (see stderr)";
#endif
}
#endif  // SYNCLAB_HAVE_CK || SYNCLAB_HAVE_TBB

#if SYNCLAB_HAVE_CK
// CK's array lock has one slot per thread and no guard; the adapter says how
// many, and the bench skips cases with more threads.
TEST(CkAnderson, DeclaresItsThreadLimit) { EXPECT_EQ(synclab::peers::CkAnderson::max_threads, 1024); }
#endif

}  // namespace
