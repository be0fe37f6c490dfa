// bbq_test — BBQ (channels/bbq.hpp), both policies, beyond the catalogue's
// typed stress and contract tests: the capacity and block geometry it
// reports; the block transitions on one thread (a full queue takes nothing
// until the oldest block is wholly received, then exactly a block); the
// versions wrapping around (2-bit versions: they wrap every 4 laps) with
// one-entry blocks, a single block and small blocks over a thousand laps,
// on one thread and between a producer and a consumer; exactly-once and
// per-producer order with a fixed number of messages at small capacities
// and one-entry blocks (bbq_mpmc with several of each, bbq_spsc with one of
// each only, as its semantics demand); owning messages left in the queue at
// destruction (ASan sees a leak or a double destruction); and a producer
// held at its stall point (after allocate_entry, before commit_entry) while
// a later producer commits: receivers must not get past the held entry (the
// queue answers "busy"), and once the producer goes on both messages arrive,
// held one first. The broken twin (UncheckedBbqMpmc, channel_broken.hpp)
// reads past it and the held message is lost (*Broken*, the negative half).
// Every wait is bounded; a hang fires the watchdog.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "synclab/channels/bbq.hpp"
#include "synclab/testing/channel_broken.hpp"
#include "synclab/testing/channel_testing.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/queue_checks.hpp"
#include "synclab/testing/stall_gate.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::channels::Bbq;
using synclab::channels::BbqMpmc;
using synclab::channels::BbqSpsc;
using synclab::testing::HangWatchdog;
using synclab::testing::kHangLimit;
using synclab::testing::Message;
using synclab::testing::move_fixed;
using synclab::testing::recv_within;

// One-entry blocks: every message is a block transition.
template <class Base>
struct TinyBlocks : Base {
  explicit TinyBlocks(std::size_t capacity) : Base(capacity, capacity) {}
};

TEST(Bbq, CapacityRoundsUpAndBlocksSplitIt) {
  for (auto [requested, real, blocks] : {std::tuple<std::size_t, std::size_t, std::size_t>{0, 1, 1},
                                         {1, 1, 1},
                                         {2, 2, 2},
                                         {3, 4, 4},
                                         {16, 16, 8},
                                         {1000, 1024, 8}}) {
    BbqMpmc<Message> q(requested);
    EXPECT_EQ(q.capacity(), real) << requested;
    EXPECT_EQ(q.blocks(), blocks) << requested;
    EXPECT_EQ(q.blocks() * q.block_size(), q.capacity()) << requested;
    BbqSpsc<Message> s(requested);
    EXPECT_EQ(s.capacity(), real) << requested;
    EXPECT_EQ(s.blocks(), blocks) << requested;
  }
  BbqMpmc<Message> one_block(64, 1);
  EXPECT_EQ(one_block.blocks(), 1u);
  EXPECT_EQ(one_block.block_size(), 64u);
  BbqMpmc<Message> odd(64, 3);  // rounded to a power of two
  EXPECT_EQ(odd.blocks(), 4u);
  EXPECT_EQ(odd.block_size(), 16u);
}

// Fill until full: an empty queue whose producers stopped k entries into a
// block takes capacity() − k. Then, from a full queue whose oldest block is
// whole: free less than a block (nothing can be sent), then the rest of it
// (exactly a block can be sent). Then drain; every message in order. Every
// other lap ends with a few messages in and out, so that the next starts
// mid-block.
template <class Q>
void block_transitions(Q& q, int laps) {
  const std::size_t n = q.capacity(), s = q.block_size();
  std::uint64_t sent = 0, received = 0;
  auto send = [&] {
    Message m = Message::make(0, sent);
    if (!q.try_send(m)) return false;
    ++sent;
    return true;
  };
  auto recv = [&] {
    Message m;
    if (!q.try_recv(m)) return false;
    EXPECT_TRUE(m.intact());
    EXPECT_EQ(m.seq, received);
    ++received;
    return true;
  };
  for (int lap = 0; lap < laps; ++lap) {
    const std::size_t k = static_cast<std::size_t>(sent % s);
    std::size_t took = 0;
    while (took <= n && send()) ++took;
    ASSERT_EQ(took, n - k) << "lap " << lap << ": an empty queue " << k << " entries into a block";
    if (k == 0) {
      for (std::size_t i = 0; i + 1 < s; ++i) ASSERT_TRUE(recv());
      EXPECT_FALSE(send()) << "a block not wholly received was reused (lap " << lap << ")";
      ASSERT_TRUE(recv());
      for (std::size_t i = 0; i < s; ++i) ASSERT_TRUE(send()) << "a wholly received block was not reused";
      ASSERT_FALSE(send());
    }
    while (recv()) {
    }
    ASSERT_EQ(received, sent) << "lap " << lap;
    if (lap % 2 == 0) {
      for (std::size_t i = 0; i < s / 2 + 1 && i < n; ++i) ASSERT_TRUE(send());
      while (recv()) {
      }
      ASSERT_EQ(received, sent);
    }
  }
}

TEST(Bbq, BlockTransitionsOnOneThread) {
  HangWatchdog watchdog(kHangLimit, "bbq", "block transitions");
  for (std::size_t cap : {1u, 2u, 16u, 64u, 1024u}) {
    BbqMpmc<Message> m(cap);
    block_transitions(m, 20);
    BbqSpsc<Message> s(cap);
    block_transitions(s, 20);
  }
}

// Versions of 2 bits wrap every 4 laps of the ring.
template <bool Multi>
using Narrow = Bbq<Message, Multi, true, 2>;

TEST(Bbq, VersionsWrapAroundWithTinyBlocksOverManyLaps) {
  HangWatchdog watchdog(kHangLimit, "bbq", "version wraparound");
  for (auto [cap, blocks] : {std::pair<std::size_t, std::size_t>{1, 1}, {4, 4}, {4, 1}, {8, 2}, {16, 16}}) {
    Narrow<true> m(cap, blocks);
    block_transitions(m, 1000);
    Narrow<false> s(cap, blocks);
    block_transitions(s, 1000);
  }
}

// One producer, one consumer (no stale reader, so 2-bit versions are safe):
// every message once and in order across thousands of wraps.
TEST(Bbq, VersionsWrapAroundBetweenAProducerAndAConsumer) {
  struct NarrowSpsc : Narrow<false> {
    explicit NarrowSpsc(std::size_t capacity) : Narrow<false>(capacity, capacity) {}
  };
  move_fixed<NarrowSpsc>(4, 1, 1, 100000);
  move_fixed<TinyBlocks<Narrow<false>>>(1, 1, 1, 20000);
}

TEST(Bbq, SpscExactlyOnceAndInOrder) {
  for (std::size_t cap : {1u, 2u, 16u, 1024u}) move_fixed<BbqSpsc<Message>>(cap, 1, 1, 50000);
  move_fixed<TinyBlocks<BbqSpsc<Message>>>(16, 1, 1, 50000);
}

TEST(Bbq, MpmcExactlyOnceAndPerProducerOrderAtSmallCapacities) {
  for (std::size_t cap : {1u, 2u, 16u, 1024u}) {
    move_fixed<BbqMpmc<Message>>(cap, 2, 2, 5000);
    move_fixed<BbqMpmc<Message>>(cap, 3, 1, 5000);
    move_fixed<BbqMpmc<Message>>(cap, 1, 3, 8000);
  }
  move_fixed<TinyBlocks<BbqMpmc<Message>>>(16, 2, 2, 5000);
  move_fixed<TinyBlocks<BbqMpmc<Message>>>(4, 3, 3, 4000);
}

TEST(Bbq, DestroyedWhileHoldingMessagesOfAnOwningType) {
  // ASan reports a leak if a message left in the queue is not destroyed, and
  // a double free if a received one is.
  for (bool multi : {false, true}) {
    auto fill = [](auto& q) {
      for (int i = 0; i < 40; ++i) {
        auto m = std::make_unique<std::string>(std::to_string(i) + " owned and long enough to allocate");
        ASSERT_TRUE(q.try_send(m));
        EXPECT_EQ(m, nullptr) << "moved from on success";
      }
      for (int i = 0; i < 20; ++i) {
        std::unique_ptr<std::string> m;
        ASSERT_TRUE(q.try_recv(m));
        EXPECT_EQ(*m, std::to_string(i) + " owned and long enough to allocate");
      }
    };
    if (multi) {
      auto q = std::make_unique<BbqMpmc<std::unique_ptr<std::string>>>(64);
      fill(*q);
    } else {
      auto q = std::make_unique<BbqSpsc<std::unique_ptr<std::string>>>(64);
      fill(*q);
    }
  }
}

// A producer held between allocate_entry and commit_entry; a later producer
// commits the next entry of the same block.
struct HeldResult {
  bool passed_held = false;     // a receiver got a message while the held entry was unwritten
  bool both_in_order = false;   // afterwards: the held message, then the later one, intact
};

template <class Q>
HeldResult held_producer() {
  HangWatchdog watchdog(kHangLimit, Q::name, "held producer");
  synclab::testing::StallGate gate(synclab::StallPoint::after_claim, 30s);
  Q q(64);  // blocks of 8: the warm-up, the held and the later message share block 0
  EXPECT_GE(q.block_size(), 3u);
  Message warm = Message::make(9, 0);  // entry 0 used and freed: the slot after it was never written
  EXPECT_TRUE(q.try_send(warm));
  EXPECT_TRUE(q.try_recv(warm));

  std::atomic<bool> go{false};
  std::thread held([&] {
    while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
    Message m = Message::make(1, 0);
    EXPECT_TRUE(q.try_send(m));
  });
  gate.arm(&q, held.get_id());
  go.store(true, std::memory_order_release);
  HeldResult r;
  EXPECT_TRUE(gate.wait_until_held(10s)) << "the producer never reached the stall point";
  Message m;
  EXPECT_FALSE(q.try_recv(m)) << "a message before any was committed";
  Message later = Message::make(2, 0);
  EXPECT_TRUE(q.try_send(later));
  r.passed_held = recv_within(q, m, 200ms);
  gate.open();
  held.join();
  if (!r.passed_held) {
    Message first, second;
    r.both_in_order = recv_within(q, first, synclab::testing::kMessageBound) &&
                      recv_within(q, second, synclab::testing::kMessageBound) && first.intact() &&
                      second.intact() && first.producer == 1 && second.producer == 2;
  } else {
    Message next;
    r.both_in_order = m.intact() && m.producer == 1 && recv_within(q, next, synclab::testing::kMessageBound) &&
                      next.producer == 2;
  }
  Message rest;
  while (q.try_recv(rest)) {
  }
  return r;
}

TEST(Bbq, AHeldProducerHoldsBackTheLaterMessagesAndItsOwnArrivesFirst) {
  const HeldResult r = held_producer<BbqMpmc<Message>>();
  EXPECT_FALSE(r.passed_held) << "a receiver read past an allocated, unwritten entry";
  EXPECT_TRUE(r.both_in_order) << "the held message was lost or came out of order";
}

TEST(BbqBroken, UncheckedCommitCountLosesTheHeldMessage) {
  const HeldResult r = held_producer<synclab::testing::UncheckedBbqMpmc<Message>>();
  EXPECT_FALSE(r.both_in_order) << "the check did not see the lost message";
}

}  // namespace
