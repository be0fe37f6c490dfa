// reclaim_peers_test — the third-party reclamation peers
// (synclab/peers/reclaim_peers.hpp: liburcu's flavours, xenium's
// reclaimers) under the
// Publication contract, with a canary payload whose destructor poisons it:
//
//   - no early free: readers check the canary inside every read; a reader
//     that stays inside one read while a writer replaces and retires the
//     object many times still finds it intact when it looks again;
//   - exactly-once free: every object the scheme built (by copy or move) is
//     destroyed once (a second destruction finds the poison), and after ~P
//     the destructions are updates + 1, with several writers at once too;
//   - several readers and one writer for a bounded time: no reader sees a
//     freed object or an older value than one it saw before;
//   - a thread holding handles of two publications at once;
//   - urcu_qsbr: a reader that went offline holds back no reclamation, and
//     (what makes that check mean something) one that stays online without
//     announcing a quiescent state holds back all of it.
//
// Every test bounds its own time (HangWatchdog); none judges speed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "synclab/peers/reclaim_peers.hpp"
#include "synclab/reclaim/concepts.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::HangWatchdog;
using synclab::testing::kHangLimit;

constexpr std::uint64_t kAlive = 0x5AFE'C0DE'5AFE'C0DEull;
constexpr std::uint64_t kPoison = 0xDEAD'BEEF'DEAD'BEEFull;

struct Counts {
  std::atomic<long> made{0};     // objects the scheme built (copy or move)
  std::atomic<long> freed{0};    // of those, destroyed
  std::atomic<long> twice{0};    // destructions that found the poison
  void reset() {
    made = 0;
    freed = 0;
    twice = 0;
  }
};
Counts counts;

// The payload. The test builds its own objects with Canary(v) and hands
// them to the scheme by reference or as temporaries; whatever the scheme
// builds from them is a copy or a move, counted in `made`.
struct Canary {
  std::uint64_t magic = kAlive;
  long value;
  bool made = false;

  explicit Canary(long v) : value(v) {}
  Canary(const Canary& other) : value(other.value), made(true) { counts.made.fetch_add(1); }
  Canary(Canary&& other) noexcept : value(other.value), made(true) { counts.made.fetch_add(1); }
  Canary& operator=(const Canary&) = delete;
  Canary& operator=(Canary&&) = delete;
  ~Canary() {
    if (magic != kAlive) counts.twice.fetch_add(1);
    if (made) counts.freed.fetch_add(1);
    // Volatile: the stores are the poison, not dead stores to elide.
    *static_cast<volatile std::uint64_t*>(&magic) = kPoison;
    *static_cast<volatile long*>(&value) = -1;
  }

  // What a reader returns: the value, or -1 when the object is poisoned.
  [[nodiscard]] long checked() const {
    return *static_cast<const volatile std::uint64_t*>(&magic) == kAlive ? value : -1;
  }
};

// This file's peers (the other reclamation peers run in the family's
// generic tests). GoogleTest takes no empty type list: the typed tests are
// compiled where at least one of them is present.
#define SYNCLAB_RECLAIM_TEST_PEERS (SYNCLAB_HAVE_URCU || SYNCLAB_HAVE_XENIUM)
#if SYNCLAB_RECLAIM_TEST_PEERS
using Peers = synclab::Concat<synclab::peers::reclaim_peers_detail::Urcu<Canary>,
                              synclab::peers::reclaim_peers_detail::Xenium<Canary>>;

// Runs f on a thread of its own. Handles live only on threads the test
// starts and ends, never on the main thread: a thread that has used
// xenium_qsbr holds back its grace periods until it exits (xenium's QSBR has
// no offline state), and the main thread waits in join.
template <class F>
void on_own_thread(F&& f) {
  std::thread(std::forward<F>(f)).join();
}

template <class P>
class ReclaimPeer : public ::testing::Test {
 protected:
  void SetUp() override { counts.reset(); }
  void TearDown() override { EXPECT_EQ(counts.twice.load(), 0) << "an object was destroyed twice"; }
};
using PeerTypes = synclab::testing::GTestTypes<Peers>::type;
TYPED_TEST_SUITE(ReclaimPeer, PeerTypes, synclab::testing::PrimitiveName);

TYPED_TEST(ReclaimPeer, ModelsPublication) {
  static_assert(synclab::reclaim::Publication<TypeParam, Canary>);
  EXPECT_GE(TypeParam::object_bytes, sizeof(Canary));
}

TYPED_TEST(ReclaimPeer, OneThreadReadsWhatWasPublished) {
  using P = TypeParam;
  const HangWatchdog watchdog(kHangLimit, P::name, "one thread");
  {
    P p(Canary(1));
    on_own_thread([&] {
      typename P::handle h(p);
      EXPECT_EQ(h.read([](const Canary& c) { return c.checked(); }), 1);
      const Canary two(2);
      h.update(two);
      EXPECT_EQ(h.read([](const Canary& c) { return c.checked(); }), 2);
      h.update(Canary(3));
      h.quiescent();
      EXPECT_EQ(h.read([](const Canary& c) { return static_cast<int>(c.checked()); }), 3);
    });
    EXPECT_EQ(counts.made.load(), 3);
  }
  EXPECT_EQ(counts.freed.load(), 3) << "~P must free the current object and every retired one";
}

TYPED_TEST(ReclaimPeer, ExactlyOnceFreeAfterDestruction) {
  using P = TypeParam;
  const HangWatchdog watchdog(kHangLimit, P::name, "exactly once");
  constexpr long kUpdates = 5000;
  {
    P p(Canary(0));
    on_own_thread([&] {
      typename P::handle h(p);
      for (long i = 1; i <= kUpdates; ++i) {
        h.update(Canary(i));
        h.quiescent();
        ASSERT_EQ(h.read([](const Canary& c) { return c.checked(); }), i);
      }
    });
    EXPECT_LE(counts.freed.load(), kUpdates) << "the current object was freed";
  }
  EXPECT_EQ(counts.made.load(), kUpdates + 1);
  EXPECT_EQ(counts.freed.load(), kUpdates + 1);
}

// A reader stays inside one read while another thread replaces the object
// many times; the object it holds must still be intact when it looks again.
TYPED_TEST(ReclaimPeer, ObjectOutlivesALongRead) {
  using P = TypeParam;
  const HangWatchdog watchdog(kHangLimit, P::name, "long read");
  constexpr long kUpdates = 2000;
  P p(Canary(0));
  std::atomic<bool> inside{false};
  std::atomic<bool> written{false};
  long before = 0;
  long after = 0;
  std::thread reader([&] {
    typename P::handle h(p);
    h.read([&](const Canary& c) {
      before = c.checked();
      inside.store(true);
      // Wait for the writer (bounded: a scheme whose writer waited for this
      // reader would otherwise never finish; the check below still runs).
      const auto give_up = std::chrono::steady_clock::now() + 10s;
      while (!written.load() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
      after = c.checked();
      return 0;
    });
    h.quiescent();
  });
  std::thread writer([&] {
    typename P::handle h(p);
    while (!inside.load()) std::this_thread::sleep_for(1ms);
    for (long i = 1; i <= kUpdates; ++i) {
      h.update(Canary(i));
      h.quiescent();
    }
    // Give a background reclaimer time to get to the retired objects.
    for (int i = 0; i < 50; ++i) {
      h.quiescent();
      std::this_thread::sleep_for(1ms);
    }
    written.store(true);
  });
  writer.join();
  reader.join();
  EXPECT_EQ(before, 0);
  EXPECT_EQ(after, 0) << "the object a reader was still reading was freed";
}

// Several readers and one writer for a bounded time: every read finds an
// intact object whose value is not older than one the reader saw before.
TYPED_TEST(ReclaimPeer, ReadersAndOneWriter) {
  using P = TypeParam;
  const HangWatchdog watchdog(kHangLimit, P::name, "readers and a writer");
  constexpr int kReaders = 3;
  long updates = 0;
  {
    P p(Canary(0));
    std::atomic<bool> stop{false};
    std::atomic<long> bad{0};
    std::atomic<long> regressions{0};
    std::atomic<long> reads{0};
    std::vector<std::thread> readers;
    readers.reserve(kReaders);
    for (int r = 0; r < kReaders; ++r) {
      readers.emplace_back([&] {
        typename P::handle h(p);
        long last = 0;
        long n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          const long v = h.read([](const Canary& c) { return c.checked(); });
          if (v < 0) bad.fetch_add(1);
          if (v < last) regressions.fetch_add(1);
          last = v;
          ++n;
          h.quiescent();
        }
        reads.fetch_add(n);
      });
    }
    on_own_thread([&] {
      typename P::handle h(p);
      const auto end = std::chrono::steady_clock::now() + 300ms;
      while (std::chrono::steady_clock::now() < end) {
        h.update(Canary(++updates));
        h.quiescent();
      }
    });
    stop.store(true);
    for (auto& t : readers) t.join();
    EXPECT_EQ(bad.load(), 0) << "a reader saw a freed object";
    EXPECT_EQ(regressions.load(), 0) << "a reader saw an older value after a newer one";
    EXPECT_GT(reads.load(), 0);
  }
  EXPECT_EQ(counts.made.load(), updates + 1);
  EXPECT_EQ(counts.freed.load(), updates + 1);
}

// Several writers at once: each retires exactly what its exchange replaced.
TYPED_TEST(ReclaimPeer, ConcurrentWritersRetireEachObjectOnce) {
  using P = TypeParam;
  const HangWatchdog watchdog(kHangLimit, P::name, "concurrent writers");
  constexpr int kWriters = 3;
  constexpr long kEach = 3000;
  {
    P p(Canary(0));
    std::atomic<bool> stop{false};
    std::atomic<long> bad{0};
    std::thread reader([&] {
      typename P::handle h(p);
      while (!stop.load(std::memory_order_relaxed)) {
        if (h.read([](const Canary& c) { return c.checked(); }) < 0) bad.fetch_add(1);
        h.quiescent();
      }
    });
    std::vector<std::thread> writers;
    writers.reserve(kWriters);
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        typename P::handle h(p);
        for (long i = 1; i <= kEach; ++i) {
          h.update(Canary(w * kEach + i));
          h.quiescent();
        }
      });
    }
    for (auto& t : writers) t.join();
    stop.store(true);
    reader.join();
    EXPECT_EQ(bad.load(), 0);
  }
  EXPECT_EQ(counts.made.load(), kWriters * kEach + 1);
  EXPECT_EQ(counts.freed.load(), kWriters * kEach + 1);
}

// One thread holds handles of two publications at once (liburcu registers a
// thread once per flavour: the handles count), and drops them out of order.
TYPED_TEST(ReclaimPeer, TwoPublicationsOnOneThread) {
  using P = TypeParam;
  const HangWatchdog watchdog(kHangLimit, P::name, "two publications");
  {
    P a(Canary(10));
    P b(Canary(20));
    std::thread t([&] {
      auto ha = std::make_unique<typename P::handle>(a);
      auto hb = std::make_unique<typename P::handle>(b);
      ha->update(Canary(11));
      hb->update(Canary(21));
      ha->quiescent();
      EXPECT_EQ(ha->read([](const Canary& c) { return c.checked(); }), 11);
      EXPECT_EQ(hb->read([](const Canary& c) { return c.checked(); }), 21);
      ha.reset();
      EXPECT_EQ(hb->read([](const Canary& c) { return c.checked(); }), 21);
      hb->update(Canary(22));
      hb->quiescent();
      hb.reset();
    });
    t.join();
  }
  EXPECT_EQ(counts.made.load(), 5);
  EXPECT_EQ(counts.freed.load(), 5);
}

#endif  // SYNCLAB_RECLAIM_TEST_PEERS

TEST(ReclaimPeersMissing, NamesWhatIsLeftOut) {
  const std::string missing = synclab::peers::kReclaimPeersMissing;
#if SYNCLAB_HAVE_URCU
  EXPECT_EQ(missing.find("urcu_"), std::string::npos) << missing;
#else
  EXPECT_NE(missing.find("urcu_memb, urcu_qsbr ("), std::string::npos) << missing;
#endif
#if SYNCLAB_HAVE_XENIUM
  for (const char* measured :
       {"xenium_hp", "xenium_he", "xenium_ebr", "xenium_nebr", "xenium_debra", "xenium_qsbr", "xenium_stamp_it"})
    EXPECT_EQ(missing.find(measured), std::string::npos) << measured << " in " << missing;
#else
  EXPECT_NE(missing.find("xenium_stamp_it ("), std::string::npos) << missing;
#endif
}

#if SYNCLAB_HAVE_URCU

using Qsbr = synclab::peers::UrcuQsbr<Canary>;

// Waits (bounded) until `freed` reaches `want`, announcing quiescent states
// meanwhile: the waiting thread is an online qsbr reader itself.
bool wait_freed(Qsbr::handle& h, long want, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (counts.freed.load() < want) {
    if (std::chrono::steady_clock::now() >= end) return false;
    h.quiescent();
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A reader holds its handle but has gone offline: the writer's retired
// objects are freed all the same (within a generous bound).
TEST(UrcuQsbr, OfflineReaderHoldsBackNothing) {
  counts.reset();
  const HangWatchdog watchdog(kHangLimit, Qsbr::name, "offline reader");
  constexpr long kUpdates = 200;
  {
    Qsbr p(Canary(0));
    std::atomic<bool> offline{false};
    std::atomic<bool> release{false};
    std::thread reader([&] {
      Qsbr::handle h(p);
      EXPECT_EQ(h.read([](const Canary& c) { return c.checked(); }), 0);
      h.offline();
      offline.store(true);
      while (!release.load()) std::this_thread::sleep_for(1ms);
      h.online();
      EXPECT_EQ(h.read([](const Canary& c) { return c.checked(); }), kUpdates);
      h.quiescent();
    });
    {
      Qsbr::handle h(p);
      while (!offline.load()) std::this_thread::sleep_for(1ms);
      for (long i = 1; i <= kUpdates; ++i) {
        h.update(Canary(i));
        h.quiescent();
      }
      EXPECT_TRUE(wait_freed(h, kUpdates, 30s))
          << "an offline reader held back reclamation: " << counts.freed.load() << " of " << kUpdates << " freed";
      release.store(true);
    }
    reader.join();
  }
  EXPECT_EQ(counts.freed.load(), kUpdates + 1);
  EXPECT_EQ(counts.twice.load(), 0);
}

// The converse, which makes the check above mean something: a reader online
// that announces no quiescent state holds back every retired object (and
// blocks no writer); once it announces one, they are freed.
TEST(UrcuQsbr, OnlineReaderWithoutQuiescentStateHoldsBackEverything) {
  counts.reset();
  const HangWatchdog watchdog(kHangLimit, Qsbr::name, "online reader");
  constexpr long kUpdates = 200;
  {
    Qsbr p(Canary(0));
    std::atomic<bool> online{false};
    std::atomic<bool> release{false};
    std::thread reader([&] {
      Qsbr::handle h(p);
      EXPECT_EQ(h.read([](const Canary& c) { return c.checked(); }), 0);
      online.store(true);
      while (!release.load()) std::this_thread::sleep_for(1ms);
      h.quiescent();
    });
    {
      Qsbr::handle h(p);
      while (!online.load()) std::this_thread::sleep_for(1ms);
      for (long i = 1; i <= kUpdates; ++i) {
        h.update(Canary(i));
        h.quiescent();
      }
      EXPECT_FALSE(wait_freed(h, 1, 200ms)) << "freed while a reader had announced no quiescent state";
      release.store(true);
      EXPECT_TRUE(wait_freed(h, kUpdates, 30s)) << counts.freed.load() << " of " << kUpdates << " freed";
    }
    reader.join();
  }
  EXPECT_EQ(counts.freed.load(), kUpdates + 1);
  EXPECT_EQ(counts.twice.load(), 0);
}

#endif

}  // namespace
