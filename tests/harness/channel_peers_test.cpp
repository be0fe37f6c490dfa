// channel_peers_test — the contract every peer channel and one-shot
// (synclab/peers/channel_peers.hpp) is measured under: FIFO (for `order:
// none`, each message once in any order) and capacity on one thread, every
// message delivered exactly once and in per-producer order under contention
// in each shape its declared Semantics allow (the channels family's own
// workload and checks), close / drain where it has close, and
// the one-shot hand-off.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "synclab/channels/concepts.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/workloads/channel_oneshot.hpp"
#include "synclab/harness/workloads/channel_payload.hpp"
#include "synclab/harness/workloads/channel_workload.hpp"
#include "synclab/peers/channel_peers.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

namespace {

using synclab::harness::ChannelPayload;
using synclab::harness::ChannelShape;
using synclab::testing::GTestTypes;
using P8 = ChannelPayload<8>;
using P256 = ChannelPayload<256>;

struct NameOf {
  template <class T>
  static std::string GetName(int) {
    return std::string(T::name) + "_" + std::to_string(sizeof(typename T::value_type));
  }
};

template <class C>
class PeerChannel : public ::testing::Test {};
using Channels = GTestTypes<synclab::Concat<synclab::peers::PeerChannels<P8>, synclab::peers::PeerChannels<P256>>>::type;
TYPED_TEST_SUITE(PeerChannel, Channels, NameOf);

TYPED_TEST(PeerChannel, FifoAndCapacityOnOneThread) {
  using C = TypeParam;
  C c(16);
  const bool bounded = C::semantics.bounded;
  if (bounded) EXPECT_GE(c.capacity(), 16u);
  else EXPECT_EQ(c.capacity(), 0u);
  const std::uint64_t n = bounded ? c.capacity() : 100;
  for (std::uint64_t i = 0; i < n; ++i) {
    auto m = C::value_type::make(0, i, 0);
    ASSERT_TRUE(c.try_send(m)) << i;
  }
  if (bounded) {
    auto extra = C::value_type::make(0, n, 0);
    EXPECT_FALSE(c.try_send(extra)) << "a bounded channel took more than its capacity";
  }
  std::vector<bool> seen(n, false);
  for (std::uint64_t i = 0; i < n; ++i) {
    typename C::value_type m;
    ASSERT_TRUE(c.try_recv(m)) << i;
    if constexpr (C::semantics.order == synclab::channels::Order::none) {
      ASSERT_LT(m.seq_field(), n);
      EXPECT_FALSE(seen[m.seq_field()]) << "received twice: " << m.seq_field();
      seen[m.seq_field()] = true;
    } else {
      EXPECT_EQ(m.seq_field(), i);
    }
    EXPECT_TRUE(m.intact());
  }
  typename C::value_type m;
  EXPECT_FALSE(c.try_recv(m));
}

template <class C>
void expect_exactly_once(ChannelShape shape, std::size_t capacity) {
  synclab::harness::ChannelStreamWorkload<C> w(shape, capacity);
  synclab::harness::DriverConfig cfg;
  cfg.case_name = "channel_peers_test";
  cfg.plan.pu_of_thread.assign(static_cast<std::size_t>(shape.threads()), 0);
  cfg.duration = std::chrono::milliseconds(80);
  const auto run = synclab::harness::run_fixed_duration(cfg, w);
  ASSERT_EQ(run.first_error(), "");
  EXPECT_GT(w.received(), 0u) << shape.producers << ":" << shape.consumers;
  EXPECT_EQ(w.verify(run), "") << shape.producers << ":" << shape.consumers;
}

TYPED_TEST(PeerChannel, ExactlyOnceInEveryShapeItsSemanticsAllow) {
  using C = TypeParam;
  constexpr synclab::channels::Semantics s = C::semantics;
  for (std::size_t capacity : {std::size_t{1}, std::size_t{64}}) {
    expect_exactly_once<C>({1, 1}, capacity);
    if constexpr (s.multi_producer) expect_exactly_once<C>({3, 1}, capacity);
    if constexpr (s.multi_consumer) expect_exactly_once<C>({1, 3}, capacity);
    if constexpr (s.multi_producer && s.multi_consumer) expect_exactly_once<C>({2, 2}, capacity);
  }
}

TYPED_TEST(PeerChannel, CloseLetsReceiversDrainThenEnds) {
  using C = TypeParam;
  if constexpr (synclab::channels::Closable<C>) {
    C c(16);
    for (std::uint64_t i = 0; i < 3; ++i) {
      auto m = C::value_type::make(0, i, 0);
      ASSERT_TRUE(c.try_send(m));
    }
    c.close();
    EXPECT_TRUE(c.closed());
    auto late = C::value_type::make(0, 3, 0);
    EXPECT_FALSE(c.try_send(late));
    typename C::value_type m;
    for (std::uint64_t i = 0; i < 3; ++i) {
      if constexpr (synclab::channels::Blocking<C>) ASSERT_TRUE(c.recv(m));
      else ASSERT_TRUE(c.try_recv(m));
      EXPECT_EQ(m.seq_field(), i);
    }
    if constexpr (synclab::channels::Blocking<C>) {
      EXPECT_FALSE(c.recv(m));
      EXPECT_FALSE(c.send(late));
    }
  } else {
    GTEST_SKIP() << C::name << " has no close";
  }
}

TYPED_TEST(PeerChannel, CloseWakesASleepingReceiver) {
  using C = TypeParam;
  if constexpr (synclab::channels::Blocking<C>) {
    C c(16);
    bool got = true;
    std::thread receiver([&] {
      typename C::value_type m;
      got = c.recv(m);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c.close();
    receiver.join();
    EXPECT_FALSE(got);
  } else {
    GTEST_SKIP() << C::name << " does not block";
  }
}

template <class O>
class PeerOneShot : public ::testing::Test {};
using OneShots = GTestTypes<synclab::peers::PeerOneShots<P8>>::type;
TYPED_TEST_SUITE(PeerOneShot, OneShots, NameOf);

TYPED_TEST(PeerOneShot, HandsOverOneValue) {
  TypeParam o;
  EXPECT_FALSE(o.ready());
  std::thread sender([&] { o.send(P8::make(0, 77, 0)); });
  const P8 m = o.recv();
  sender.join();
  EXPECT_EQ(m.seq_field(), 77u);
}

TYPED_TEST(PeerOneShot, AFreshOneShotPerMessageDeliversEachInOrder) {
  synclab::harness::OneShotWorkload<TypeParam> w;
  synclab::harness::DriverConfig cfg;
  cfg.case_name = "channel_peers_test";
  cfg.plan.pu_of_thread.assign(2, 0);
  cfg.duration = std::chrono::milliseconds(80);
  const auto run = synclab::harness::run_fixed_duration(cfg, w);
  ASSERT_EQ(run.first_error(), "");
  EXPECT_GT(w.received(), 0u);
  EXPECT_EQ(w.verify(run), "");
}

}  // namespace
