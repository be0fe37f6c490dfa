// The channel contract in one thread (or with threads whose interleaving is
// forced), for every channel of ours: order, capacity and what a failed
// operation leaves behind, close and drain, payloads that are move-only and
// not default-constructible, and the messages a channel still holds when it
// is destroyed. Then what is particular to one channel: capacity rounding,
// and mpsc_unbounded's stall behind a producer caught mid-push.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <latch>
#include <thread>
#include <vector>

#include "synclab/channels/catalog.hpp"
#include "synclab/testing/channel_testing.hpp"

namespace {

using synclab::testing::PrimitiveName;
using synclab::testing::Counted;
using synclab::testing::Message;
using synclab::testing::stores_messages;

constexpr std::size_t kCapacity = 8;

// How many messages one thread can put in without a receiver.
template <class C>
std::size_t room(const C& c) {
  return c.capacity() == 0 ? 1000 : c.capacity();
}

// How many receives from a full channel make room for a send: one, or a
// whole block for a queue that frees space block by block.
template <class C>
std::size_t freed_at_once(const C& c) {
  if constexpr (requires { c.block_size(); }) return c.block_size();
  else return 1;
}

template <class C>
class ChannelContract : public synclab::testing::ChannelTypedTest<C> {};
TYPED_TEST_SUITE(ChannelContract, synclab::testing::ChannelsOfMessage, PrimitiveName);

TYPED_TEST(ChannelContract, NamesAndSemanticsAreConsistent) {
  TypeParam c(kCapacity);
  EXPECT_FALSE(TypeParam::name.empty());
  EXPECT_EQ(synclab::channels::Closable<TypeParam>, TypeParam::semantics.close);
  EXPECT_EQ(synclab::channels::Blocking<TypeParam>, TypeParam::semantics.blocking);
  if (!TypeParam::semantics.bounded) {
    EXPECT_EQ(c.capacity(), 0u);
  } else if (stores_messages<TypeParam>()) {
    EXPECT_GE(c.capacity(), kCapacity);
  }
}

TYPED_TEST(ChannelContract, EmptyChannelGivesNothingAndLeavesTheOutputAlone) {
  TypeParam c(kCapacity);
  Message out = Message::make(7, 7);
  EXPECT_FALSE(c.try_recv(out));
  EXPECT_EQ(out.seq, 7u);
  EXPECT_TRUE(out.intact());
}

// Messages from "several producers" (one thread taking turns) leave in the
// order they entered: the global FIFO of the channels that promise it, and
// per-producer FIFO for the others.
TYPED_TEST(ChannelContract, MessagesLeaveInTheOrderTheyEntered) {
  if constexpr (!stores_messages<TypeParam>()) {
    GTEST_SKIP() << "nothing is stored without a waiting receiver";
  } else {
    TypeParam c(kCapacity);
    for (int round = 0; round < 50; ++round) {  // many laps of a ring
      const std::size_t n = room(c);
      for (std::size_t i = 0; i < n; ++i) {
        Message m = Message::make(static_cast<std::uint32_t>(i % 3), i);
        ASSERT_TRUE(c.try_send(m)) << i;
      }
      for (std::size_t i = 0; i < n; ++i) {
        Message m;
        ASSERT_TRUE(c.try_recv(m)) << i;
        EXPECT_EQ(m.seq, i);
        EXPECT_EQ(m.producer, i % 3);
        EXPECT_TRUE(m.intact());
      }
      Message m;
      EXPECT_FALSE(c.try_recv(m));
    }
  }
}

TYPED_TEST(ChannelContract, BoundedChannelTakesExactlyItsCapacity) {
  if constexpr (!TypeParam::semantics.bounded || !stores_messages<TypeParam>()) {
    GTEST_SKIP() << "unbounded or storing nothing";
  } else {
    for (std::size_t requested : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{64}}) {
      TypeParam c(requested);
      ASSERT_GE(c.capacity(), requested);
      for (std::size_t i = 0; i < c.capacity(); ++i) {
        Message m = Message::make(0, i);
        ASSERT_TRUE(c.try_send(m)) << "capacity " << c.capacity() << ", message " << i;
      }
      Message extra = Message::make(1, 99);
      EXPECT_FALSE(c.try_send(extra));
      EXPECT_EQ(extra.seq, 99u) << "a failed try_send must leave the message alone";
      // A block-based queue (bbq) frees its space a block at a time.
      const std::size_t unit = freed_at_once(c);
      for (std::size_t i = 0; i < unit; ++i) {
        Message m;
        ASSERT_TRUE(c.try_recv(m));
        EXPECT_EQ(m.seq, i);
      }
      for (std::size_t i = 0; i < unit; ++i) {
        Message again = Message::make(1, 99 + i);
        EXPECT_TRUE(c.try_send(again)) << "room was freed: " << unit << " message(s), send " << i;
      }
      EXPECT_FALSE(c.try_send(extra));
    }
  }
}

// Producers race for the last slots of a full ring, then consumers race to
// empty it: exactly capacity() sends and receives succeed each round.
TYPED_TEST(ChannelContract, ConcurrentFillNeverExceedsCapacity) {
  if constexpr (!TypeParam::semantics.bounded || !stores_messages<TypeParam>()) {
    GTEST_SKIP() << "unbounded or storing nothing";
  } else {
    TypeParam c(kCapacity);
    const int producers = synclab::testing::max_producers<TypeParam>(3);
    const int consumers = synclab::testing::max_consumers<TypeParam>(3);
    for (int round = 0; round < 200; ++round) {
      std::atomic<std::size_t> sent{0}, received{0};
      {
        std::latch go(producers);
        std::vector<std::jthread> pool;
        for (int p = 0; p < producers; ++p) {
          pool.emplace_back([&, p] {
            go.arrive_and_wait();
            for (std::uint64_t i = 0;; ++i) {
              Message m = Message::make(static_cast<std::uint32_t>(p), i);
              if (!c.try_send(m)) break;
              sent.fetch_add(1, std::memory_order_relaxed);
            }
          });
        }
      }
      ASSERT_EQ(sent.load(), c.capacity()) << "round " << round;
      {
        std::latch go(consumers);
        std::vector<std::jthread> pool;
        for (int k = 0; k < consumers; ++k) {
          pool.emplace_back([&] {
            go.arrive_and_wait();
            Message m;
            while (c.try_recv(m)) received.fetch_add(1, std::memory_order_relaxed);
          });
        }
      }
      ASSERT_EQ(received.load(), c.capacity()) << "round " << round;
    }
  }
}

TYPED_TEST(ChannelContract, CloseRefusesNewMessagesAndDrainsTheOldOnes) {
  if constexpr (!synclab::channels::Closable<TypeParam>) {
    GTEST_SKIP() << TypeParam::name << " has no close()";
  } else if constexpr (!stores_messages<TypeParam>()) {
    GTEST_SKIP() << "rendezvous: see channel_blocking_test";
  } else {
    TypeParam c(kCapacity);
    const std::size_t n = std::min<std::size_t>(room(c), 5);
    for (std::size_t i = 0; i < n; ++i) {
      Message m = Message::make(0, i);
      ASSERT_TRUE(c.try_send(m));
    }
    EXPECT_FALSE(c.closed());
    c.close();
    EXPECT_TRUE(c.closed());
    Message late = Message::make(1, 42);
    EXPECT_FALSE(c.try_send(late));
    EXPECT_FALSE(c.send(late));
    EXPECT_EQ(late.seq, 42u) << "a refused message must be left alone";
    for (std::size_t i = 0; i < n; ++i) {
      Message m;
      ASSERT_TRUE(c.recv(m)) << "closing must not drop message " << i;
      EXPECT_EQ(m.seq, i);
    }
    Message m;
    EXPECT_FALSE(c.recv(m)) << "closed and drained: the end";
    EXPECT_FALSE(c.try_recv(m));
  }
}

// ---- payloads: move-only, not default-constructible; leftovers destroyed ----

template <class C>
class ChannelPayload : public synclab::testing::ChannelTypedTest<C> {};
using CountedChannels = synclab::testing::GTestTypes<synclab::channels::OurChannels<Counted>>::type;
TYPED_TEST_SUITE(ChannelPayload, CountedChannels, PrimitiveName);

TYPED_TEST(ChannelPayload, MoveOnlyMessagesArriveAndLeftoversAreDestroyed) {
  if constexpr (!stores_messages<TypeParam>()) {
    GTEST_SKIP() << "nothing is stored without a waiting receiver";
  } else {
    const long before = Counted::live.load();
    {
      TypeParam c(4);
      for (std::uint64_t i = 0; i < 3; ++i) {
        Counted v(i);
        ASSERT_TRUE(c.try_send(v));
        EXPECT_EQ(v.value, nullptr) << "sent messages are moved from";
      }
      Counted out(99);
      ASSERT_TRUE(c.try_recv(out));
      ASSERT_NE(out.value, nullptr);
      EXPECT_EQ(*out.value, 0u);
      EXPECT_EQ(Counted::live.load(), before + 3);  // out + two still in the channel
    }
    EXPECT_EQ(Counted::live.load(), before) << "the channel must destroy what it still holds";
  }
}

// ---- particular channels ---------------------------------------------------

TEST(ChannelCapacity, RingsRoundUpToAPowerOfTwoAndSayWhatTheyGot) {
  using synclab::channels::MpmcBounded;
  using synclab::channels::SpscRing;
  for (auto [requested, real] : {std::pair<std::size_t, std::size_t>{0, 1}, {1, 1}, {2, 2}, {3, 4}, {1000, 1024}}) {
    EXPECT_EQ(SpscRing<Message>(requested).capacity(), real) << requested;
    EXPECT_EQ(MpmcBounded<Message>(requested).capacity(), real) << requested;
    EXPECT_EQ(synclab::channels::BlockingSpscRing<Message>(requested).capacity(), real) << requested;
  }
}

TEST(ChannelPadding, SpscRingIndexPaddingIsAParameter) {
  using synclab::channels::SpscRing;
  EXPECT_LT(sizeof(SpscRing<Message, 0>), 64u) << "unpadded: both indices share one line";
  EXPECT_EQ(sizeof(SpscRing<Message, 64>), 3 * 64u);
  EXPECT_EQ(sizeof(SpscRing<Message, 128>), 3 * 128u);
  EXPECT_EQ(sizeof(SpscRing<Message, 256>), 3 * 256u);
  // Works the same whatever the padding.
  SpscRing<Message, 0> unpadded(2);
  Message m = Message::make(0, 1);
  EXPECT_TRUE(unpadded.try_send(m));
  EXPECT_TRUE(unpadded.try_recv(m));
  EXPECT_EQ(m.seq, 1u);
}

// A producer stopped between its exchange and its link hides every message
// pushed after it: try_recv fails although the queue is not empty, and
// link_pending() says why. Once it links, everything arrives in order.
TEST(MpscUnbounded, ProducerCaughtMidPushStallsTheConsumer) {
  synclab::channels::MpscUnbounded<Message> q;
  Message first = Message::make(0, 0);
  ASSERT_TRUE(q.try_send(first));
  std::latch exchanged(1);
  std::latch resume(1);
  std::thread stuck([&] {
    Message m = Message::make(1, 0);
    q.try_send_with(m, [&] {
      exchanged.count_down();
      resume.wait();
    });
  });
  exchanged.wait();
  for (std::uint64_t i = 0; i < 100; ++i) {
    Message m = Message::make(2, i);
    ASSERT_TRUE(q.try_send(m));
  }
  Message out;
  ASSERT_TRUE(q.try_recv(out));
  EXPECT_EQ(out.producer, 0u);
  EXPECT_FALSE(q.try_recv(out)) << "101 messages are in the queue, but none is reachable";
  EXPECT_TRUE(q.link_pending());
  resume.count_down();
  stuck.join();
  EXPECT_FALSE(q.link_pending());
  ASSERT_TRUE(q.try_recv(out));
  EXPECT_EQ(out.producer, 1u);
  for (std::uint64_t i = 0; i < 100; ++i) {
    ASSERT_TRUE(q.try_recv(out));
    EXPECT_EQ(out.producer, 2u);
    EXPECT_EQ(out.seq, i);
  }
  EXPECT_FALSE(q.try_recv(out));
  EXPECT_FALSE(q.link_pending());
}

}  // namespace
