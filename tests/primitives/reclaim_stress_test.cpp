// reclaim_stress_test.cpp — the contract of synclab::reclaim::Publication,
// for every scheme of ours and every peer (one typed suite over both
// catalogues: a scheme added to either list is covered here).
//
//   no early free   readers check, inside read(), that the object is alive:
//                   its canary intact (the destructor poisons it; ASan sees a
//                   read of freed memory) and not listed dead by the tally.
//   exactly once    after ~P, destructions == updates + 1 (the first object),
//                   every object destroyed once (no id twice; ASan sees a
//                   double free), none alive.
//   liveness        every retired object is freed by ~P at the latest.
//   concurrency     one writer and three readers, and two writers and two
//                   readers, for a bounded time; a hang aborts with a message.
// A scheme this machine or build cannot run (reclaim::unavailable: e.g.
// hazard_pointers_asym under ThreadSanitizer) is skipped with its reason.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "synclab/peers/reclaim_peers.hpp"
#include "synclab/reclaim/catalog.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/reclaim_testing.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

namespace {

using synclab::testing::ReclaimTally;
using synclab::testing::TrackedObject;
using namespace std::chrono_literals;

using AllPublications = synclab::Concat<synclab::reclaim::OurPublications<TrackedObject>,
                                        synclab::peers::PeerPublications<TrackedObject>>;

// A scheme this machine or build cannot run (reclaim::unavailable) is skipped, with its reason.
template <class P>
class ReclaimContract : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string_view why = synclab::reclaim::unavailable<P>(); !why.empty()) GTEST_SKIP() << why;
  }
};
TYPED_TEST_SUITE(ReclaimContract, synclab::testing::GTestTypes<AllPublications>::type,
                 synclab::testing::PrimitiveName);

constexpr std::size_t kMaxObjects = 4'000'000;

TYPED_TEST(ReclaimContract, EveryRetiredObjectIsFreedOnceByTheDestructor) {
  using P = TypeParam;
  ReclaimTally tally(kMaxObjects);
  constexpr int kUpdates = 5000;
  int bad_reads = 0;
  // On a thread of its own, as every handle here: a thread that has used
  // xenium_qsbr holds back its grace periods until it exits (xenium's QSBR
  // has no offline state), and the main thread lives on, waiting in joins.
  std::thread([&] {
    P p{TrackedObject(&tally)};
    typename P::handle h(p);
    for (int i = 0; i < kUpdates; ++i) {
      const TrackedObject value(&tally);
      h.update(value);
      bad_reads += h.read([](const TrackedObject& o) { return o.looks_alive() ? 0 : 1; });
      h.quiescent();
    }
  }).join();
  EXPECT_EQ(bad_reads, 0) << "a read saw a freed object";
  // The argument objects: one for the constructor, kUpdates for the updates.
  EXPECT_EQ(tally.made(), 2 * (kUpdates + 1));
  EXPECT_EQ(tally.alive(), 0) << "objects never freed";
  EXPECT_EQ(tally.destroyed_twice(), 0);
  EXPECT_EQ(tally.untracked(), 0);
}

// writers update until the deadline; readers read until the writers are done.
template <class P>
void run_readers_and_writers(int writers, int readers) {
  ReclaimTally tally(kMaxObjects);
  const synclab::testing::HangWatchdog watchdog(120s, P::name, "readers and writers");
  std::atomic<std::int64_t> updates{0};
  std::atomic<std::int64_t> reads{0};
  std::atomic<std::int64_t> bad_reads{0};
  std::atomic<int> writers_left{writers};
  std::atomic<bool> go{false};
  // The update count bounds the objects the tally tracks.
  constexpr std::int64_t kMaxUpdates = 1'000'000;
  {
    P p{TrackedObject(&tally)};
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w)
      threads.emplace_back([&] {
        typename P::handle h(p);
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        const auto deadline = std::chrono::steady_clock::now() + 300ms;
        std::int64_t mine = 0;
        while (std::chrono::steady_clock::now() < deadline && mine < kMaxUpdates / 2) {
          for (int i = 0; i < 64; ++i) {
            const TrackedObject value(&tally);
            h.update(value);
            ++mine;
          }
          h.quiescent();
        }
        updates.fetch_add(mine, std::memory_order_relaxed);
        writers_left.fetch_sub(1, std::memory_order_release);
      });
    for (int r = 0; r < readers; ++r)
      threads.emplace_back([&] {
        typename P::handle h(p);
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        std::int64_t mine = 0;
        std::int64_t bad = 0;
        while (writers_left.load(std::memory_order_acquire) > 0) {
          bad += h.read([](const TrackedObject& o) {
            // Look twice, with a pause between: an object freed while the
            // reader is inside read() shows up here.
            const bool before = o.looks_alive();
            for (int i = 0; i < 16; ++i) std::atomic_signal_fence(std::memory_order_seq_cst);
            return before && o.looks_alive() ? 0 : 1;
          });
          h.quiescent();
          ++mine;
        }
        reads.fetch_add(mine, std::memory_order_relaxed);
        bad_reads.fetch_add(bad, std::memory_order_relaxed);
      });
    go.store(true, std::memory_order_release);
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(bad_reads.load(), 0) << "readers saw a freed object";
    EXPECT_GT(updates.load(), 0);
    EXPECT_LE(tally.alive(), 1 + updates.load()) << "more objects alive than were ever made";
  }
  const std::int64_t n = updates.load();
  // made: the constructor's argument and object, and per update its argument and its object.
  EXPECT_EQ(tally.made(), 2 * (n + 1));
  EXPECT_EQ(tally.destroyed(), 2 * (n + 1)) << "destructions != updates + 1 (plus the arguments)";
  EXPECT_EQ(tally.destroyed_twice(), 0) << "an object was destroyed twice";
  EXPECT_EQ(tally.untracked(), 0);
  if (readers > 0) {
    EXPECT_GT(reads.load(), 0);
  }
}

TYPED_TEST(ReclaimContract, OneWriterThreeReadersNeverSeeAFreedObject) { run_readers_and_writers<TypeParam>(1, 3); }

TYPED_TEST(ReclaimContract, TwoWritersTwoReadersFreeExactlyOnce) { run_readers_and_writers<TypeParam>(2, 2); }

// Handles come and go while others keep using the publication (a thread's
// membership ends with its handle, and a new one may reuse its state).
TYPED_TEST(ReclaimContract, HandlesMadeAndDroppedWhileOthersRun) {
  using P = TypeParam;
  ReclaimTally tally(kMaxObjects);
  const synclab::testing::HangWatchdog watchdog(120s, P::name, "handles made and dropped");
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> bad{0};
  {
    P p{TrackedObject(&tally)};
    std::thread writer([&] {
      typename P::handle h(p);
      for (int i = 0; i < 20000 && !stop.load(std::memory_order_relaxed); ++i) {
        const TrackedObject value(&tally);
        h.update(value);
        h.quiescent();
      }
      stop.store(true, std::memory_order_relaxed);
    });
    std::thread reader([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        typename P::handle h(p);
        for (int i = 0; i < 16; ++i) {
          bad.fetch_add(h.read([](const TrackedObject& o) { return o.looks_alive() ? 0 : 1; }), std::memory_order_relaxed);
          h.quiescent();
        }
      }
    });
    writer.join();
    reader.join();
  }
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(tally.alive(), 0);
  EXPECT_EQ(tally.destroyed_twice(), 0);
}

}  // namespace
