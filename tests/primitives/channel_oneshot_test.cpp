// The one-shot channels: one message across threads, many times over with a
// fresh channel each time; ready(); an unreceived message destroyed with the
// channel; oneshot_blocking's sleep and its syscall only when the receiver
// slept; and the run-time checks: misuse aborts (death tests).
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include "synclab/channels/catalog.hpp"
#include "synclab/testing/channel_testing.hpp"
#include "synclab/testing/thread_state.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::PrimitiveName;
using synclab::testing::Counted;
using synclab::testing::Message;

// GoogleTest's default death-test style forks the process; the death tests
// run first (the *DeathTest suites), while the process is single-threaded.
template <class O>
class OneShotDeathTest : public ::testing::Test {};
TYPED_TEST_SUITE(OneShotDeathTest, synclab::testing::OneShotsOfMessage, PrimitiveName);

TYPED_TEST(OneShotDeathTest, SecondSendAborts) {
  EXPECT_DEATH(
      {
        TypeParam o;
        o.send(Message::make(0, 1));
        o.send(Message::make(0, 2));
      },
      "send called twice");
}

TYPED_TEST(OneShotDeathTest, SecondReceiveAborts) {
  EXPECT_DEATH(
      {
        TypeParam o;
        o.send(Message::make(0, 1));
        (void)o.recv();
        (void)o.recv();
      },
      "recv called twice");
}

TEST(OneshotDeathTest, ReceiveBeforeTheMessageIsReadyAborts) {
  EXPECT_DEATH(
      {
        synclab::channels::Oneshot<Message> o;
        (void)o.receive_now();
      },
      "oneshot: receive before the message is ready");
}

template <class O>
class OneShotChannel : public ::testing::Test {};
TYPED_TEST_SUITE(OneShotChannel, synclab::testing::OneShotsOfMessage, PrimitiveName);

TYPED_TEST(OneShotChannel, OneMessageInOneThread) {
  TypeParam o;
  EXPECT_FALSE(o.ready());
  o.send(Message::make(4, 2));
  EXPECT_TRUE(o.ready());
  const Message m = o.recv();
  EXPECT_EQ(m.producer, 4u);
  EXPECT_EQ(m.seq, 2u);
  EXPECT_TRUE(m.intact());
}

// 10^6 fresh channels (2*10^5 under ThreadSanitizer), in batches: the sender
// fills a batch in order while the receiver empties it in order, so each
// message crosses threads through a channel nobody has used before.
TYPED_TEST(OneShotChannel, EveryMessageCrossesThreadsIntact) {
#if defined(__SANITIZE_THREAD__)
  constexpr int kBatches = 200;
#else
  constexpr int kBatches = 1000;
#endif
  constexpr std::size_t kBatch = 1000;
  std::unique_ptr<TypeParam[]> batch;
  std::barrier sync(2, [&]() noexcept { batch = std::make_unique<TypeParam[]>(kBatch); });
  std::uint64_t bad = 0;
  std::thread receiver([&] {
    for (int b = 0; b < kBatches; ++b) {
      sync.arrive_and_wait();  // a fresh batch
      for (std::size_t i = 0; i < kBatch; ++i) {
        const Message m = batch[i].recv();
        if (!m.intact() || m.producer != static_cast<std::uint32_t>(b) || m.seq != i) ++bad;
      }
      sync.arrive_and_wait();  // done with it
    }
  });
  for (int b = 0; b < kBatches; ++b) {
    sync.arrive_and_wait();
    for (std::size_t i = 0; i < kBatch; ++i) batch[i].send(Message::make(static_cast<std::uint32_t>(b), i));
    sync.arrive_and_wait();
  }
  receiver.join();
  EXPECT_EQ(bad, 0u);
}

template <class O>
class OneShotPayload : public ::testing::Test {};
using CountedOneShots = synclab::testing::GTestTypes<synclab::channels::OurOneShots<Counted>>::type;
TYPED_TEST_SUITE(OneShotPayload, CountedOneShots, PrimitiveName);

TYPED_TEST(OneShotPayload, UnreceivedMessageIsDestroyedWithTheChannel) {
  const long before = Counted::live.load();
  {
    TypeParam o;
    o.send(Counted(5));
    EXPECT_EQ(Counted::live.load(), before + 1);
  }
  EXPECT_EQ(Counted::live.load(), before);
  {
    TypeParam o;
    o.send(Counted(6));
    Counted got = o.recv();
    EXPECT_EQ(*got.value, 6u);
    EXPECT_EQ(Counted::live.load(), before + 1);
  }
  EXPECT_EQ(Counted::live.load(), before) << "a received message is not destroyed twice";
  { TypeParam never_used; }
  EXPECT_EQ(Counted::live.load(), before);
}

// The receiver is seen asleep in the futex call (/proc), not assumed asleep
// after a fixed sleep.
TEST(OneshotBlocking, TheReceiverSleepsAndTheSenderWakesIt) {
  synclab::channels::OneshotBlocking<Message> o;
  synclab::wait::WaitCounters receiver_delta;
  Message got;
  std::atomic<long> receiver_tid{0};
  std::thread receiver([&] {
    receiver_tid.store(synclab::testing::this_thread_tid(), std::memory_order_release);
    const auto before = synclab::wait::wait_counters();
    got = o.recv();
    receiver_delta.waits = synclab::wait::wait_counters().waits - before.waits;
  });
  ASSERT_TRUE(synclab::testing::wait_until_asleep(receiver_tid, 10s));
  EXPECT_FALSE(o.ready());
  const auto before = synclab::wait::wait_counters();
  o.send(Message::make(1, 1));
  const auto wakes = synclab::wait::wait_counters().wakes - before.wakes;
  receiver.join();
  EXPECT_EQ(got.seq, 1u);
  EXPECT_GE(receiver_delta.waits, 1u);
  EXPECT_EQ(wakes, 1u);
}

TEST(OneshotBlocking, NoSyscallWhenTheMessageIsThereFirst) {
  const auto before = synclab::wait::wait_counters();
  for (int i = 0; i < 1000; ++i) {
    synclab::channels::OneshotBlocking<Message> o;
    o.send(Message::make(0, static_cast<std::uint64_t>(i)));
    EXPECT_EQ(o.recv().seq, static_cast<std::uint64_t>(i));
  }
  EXPECT_EQ(synclab::wait::wait_counters().waits, before.waits);
  EXPECT_EQ(synclab::wait::wait_counters().wakes, before.wakes);
}

}  // namespace
