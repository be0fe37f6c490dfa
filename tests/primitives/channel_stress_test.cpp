// Every channel of ours under concurrent producers and consumers, in each
// shape its semantics allow: every message delivered exactly once, intact,
// and in each producer's order (channel_stress.hpp). Blocking channels are
// driven through send/recv and closed at the end, so that close/drain is
// part of the check; the others through try_send/try_recv.
//
// Sizes: 10^6 messages per test. Under ThreadSanitizer, 2*10^5 (every
// atomic access is instrumented and the machine may have two loaded cores:
// the full count would exceed the time budget). Hand-off tests, where every
// message is a context switch or a sleeping hand-off (capacity 1, the
// rendezvous channel), get a tenth of that in every build.
// ctest runs this binary twice (channels.cmake): the non-blocking channels
// and the blocking ones, so that each half stays within its timeout.
#include <gtest/gtest.h>

#include <cstdint>

#include "synclab/testing/channel_stress.hpp"
#include "synclab/testing/channel_testing.hpp"

namespace {

using synclab::testing::PrimitiveName;
using synclab::testing::max_consumers;
using synclab::testing::max_producers;
using synclab::testing::run_stress;
using synclab::testing::StressOptions;

#if defined(__SANITIZE_THREAD__)
constexpr std::uint64_t kMessages = 200'000;
#else
constexpr std::uint64_t kMessages = 1'000'000;
#endif
constexpr std::size_t kCapacity = 64;

constexpr std::uint64_t kHandoffMessages = kMessages / 10;

template <class C>
constexpr std::uint64_t messages_for(std::size_t capacity) {
  return synclab::testing::stores_messages<C>() && capacity > 1 ? kMessages : kHandoffMessages;
}

template <class C>
StressOptions options_for() {
  StressOptions o;
  o.blocking_api = synclab::channels::Blocking<C>;
  return o;
}

template <class C>
void stress(int producers, int consumers, std::size_t capacity = kCapacity) {
  C channel(capacity);
  const std::uint64_t per_producer = messages_for<C>(capacity) / static_cast<std::uint64_t>(producers);
  const auto r = run_stress(channel, producers, consumers, per_producer, options_for<C>());
  EXPECT_TRUE(r.ok()) << C::name << " " << producers << ":" << consumers << ": " << r.describe();
  EXPECT_EQ(r.sent, per_producer * static_cast<std::uint64_t>(producers));
}

template <class C>
class ChannelStress : public synclab::testing::ChannelTypedTest<C> {};
TYPED_TEST_SUITE(ChannelStress, synclab::testing::ChannelsOfMessage, PrimitiveName);

TYPED_TEST(ChannelStress, OneProducerOneConsumer) { stress<TypeParam>(1, 1); }

TYPED_TEST(ChannelStress, OneProducerOneConsumerCapacityOne) {
  if constexpr (!TypeParam::semantics.bounded || !synclab::testing::stores_messages<TypeParam>()) {
    GTEST_SKIP() << TypeParam::name << " has no capacity to set";
  } else {
    stress<TypeParam>(1, 1, 1);
  }
}

TYPED_TEST(ChannelStress, ManyProducersOneConsumer) {
  if constexpr (!TypeParam::semantics.multi_producer) {
    GTEST_SKIP() << TypeParam::name << " is single-producer";
  } else {
    stress<TypeParam>(max_producers<TypeParam>(3), 1);
  }
}

TYPED_TEST(ChannelStress, OneProducerManyConsumers) {
  if constexpr (!TypeParam::semantics.multi_consumer) {
    GTEST_SKIP() << TypeParam::name << " is single-consumer";
  } else {
    stress<TypeParam>(1, max_consumers<TypeParam>(3));
  }
}

TYPED_TEST(ChannelStress, ManyProducersManyConsumers) {
  if constexpr (!TypeParam::semantics.multi_producer || !TypeParam::semantics.multi_consumer) {
    GTEST_SKIP() << TypeParam::name << " is not multi-producer multi-consumer";
  } else {
    stress<TypeParam>(2, 2);
  }
}

}  // namespace
