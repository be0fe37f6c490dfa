// The sleeping channels: a sleeper is woken by the operation it waits for
// and by close(), no wake-up is lost (hang detectors, not sleeps, decide),
// the futex wrappers make no syscall while nobody sleeps, and the rendezvous
// channel hands each message over before send returns.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include "synclab/channels/catalog.hpp"
#include "synclab/testing/channel_testing.hpp"
#include "synclab/wait/futex.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::PrimitiveName;
using synclab::testing::Message;
using synclab::wait::wait_counters;
using synclab::wait::WaitCounters;

// Aborts the process with a message if it is still armed after `limit`: a
// hung test fails instead of outliving the ctest timeout.
class Watchdog {
 public:
  Watchdog(const char* what, std::chrono::seconds limit = 30s)
      : thread_([this, what, limit] {
          const auto end = std::chrono::steady_clock::now() + limit;
          while (!done_.load(std::memory_order_acquire)) {
            if (std::chrono::steady_clock::now() >= end) {
              std::fprintf(stderr, "hang detected: %s did not finish within %lld s\n", what,
                           static_cast<long long>(limit.count()));
              std::fflush(stderr);
              std::abort();
            }
            std::this_thread::sleep_for(5ms);
          }
        }) {}
  ~Watchdog() {
    done_.store(true, std::memory_order_release);
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Waits until pred() holds, polling; false after `limit`.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// The blocking channels that store messages.
using BlockingQueues =
    ::testing::Types<synclab::channels::MutexQueue<Message>, synclab::channels::BlockingSpscRing<Message>,
                     synclab::channels::BlockingMpmcBounded<Message>>;
// The futex-based wrappers, whose sleepers and syscalls can be observed.
using FutexWrappers =
    ::testing::Types<synclab::channels::BlockingSpscRing<Message>, synclab::channels::BlockingMpmcBounded<Message>>;

// Waits until a thread is (about to be) asleep in recv / send: for the
// futex wrappers their own count says so; otherwise give it time.
template <class C>
void until_receiver_sleeps(const C& c) {
  if constexpr (requires { c.sleeping_receivers(); }) {
    ASSERT_TRUE(eventually([&] { return c.sleeping_receivers() > 0; }));
  } else {
    std::this_thread::sleep_for(50ms);
  }
}

template <class C>
class BlockingChannel : public ::testing::Test {};
TYPED_TEST_SUITE(BlockingChannel, BlockingQueues, PrimitiveName);

TYPED_TEST(BlockingChannel, ReceiverAsleepOnEmptyIsWokenBySend) {
  Watchdog dog("ReceiverAsleepOnEmptyIsWokenBySend");
  TypeParam c(4);
  std::atomic<bool> got{false};
  Message out;
  std::thread receiver([&] {
    ASSERT_TRUE(c.recv(out));
    got.store(true);
  });
  until_receiver_sleeps(c);
  EXPECT_FALSE(got.load());
  Message m = Message::make(3, 3);
  ASSERT_TRUE(c.send(m));
  receiver.join();
  EXPECT_EQ(out.seq, 3u);
}

TYPED_TEST(BlockingChannel, CloseWakesEverySleepingReceiver) {
  Watchdog dog("CloseWakesEverySleepingReceiver");
  TypeParam c(4);
  const int receivers = synclab::testing::max_consumers<TypeParam>(3);
  std::atomic<int> ended{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < receivers; ++i) {
    pool.emplace_back([&] {
      Message m;
      EXPECT_FALSE(c.recv(m));
      ended.fetch_add(1);
    });
  }
  if constexpr (requires { c.sleeping_receivers(); }) {
    ASSERT_TRUE(eventually([&] { return c.sleeping_receivers() == static_cast<std::uint32_t>(receivers); }));
  } else {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(ended.load(), 0);
  c.close();
  for (auto& t : pool) t.join();
  EXPECT_EQ(ended.load(), receivers);
}

template <class C>
class FutexWrapper : public ::testing::Test {};
TYPED_TEST_SUITE(FutexWrapper, FutexWrappers, PrimitiveName);

TYPED_TEST(FutexWrapper, NoFutexSyscallWhileNobodySleeps) {
  TypeParam c(16);
  const WaitCounters before = wait_counters();
  for (std::uint64_t i = 0; i < 100'000; ++i) {
    Message m = Message::make(0, i);
    ASSERT_TRUE(i % 2 == 0 ? c.send(m) : c.try_send(m));
    Message out;
    ASSERT_TRUE(i % 3 == 0 ? c.recv(out) : c.try_recv(out));
    ASSERT_EQ(out.seq, i);
  }
  EXPECT_EQ(wait_counters().waits, before.waits);
  EXPECT_EQ(wait_counters().wakes, before.wakes);
}

TYPED_TEST(FutexWrapper, ASleepingReceiverCostsOneWaitAndTheSenderAWake) {
  Watchdog dog("ASleepingReceiverCostsOneWaitAndTheSenderAWake");
  TypeParam c(4);
  WaitCounters receiver_delta;
  std::thread receiver([&] {
    const WaitCounters before = wait_counters();
    Message out;
    EXPECT_TRUE(c.recv(out));
    receiver_delta = {wait_counters().waits - before.waits, wait_counters().wakes - before.wakes};
  });
  ASSERT_TRUE(eventually([&] { return c.sleeping_receivers() == 1; }));
  std::this_thread::sleep_for(20ms);  // counted first, asleep soon after
  const WaitCounters before = wait_counters();
  Message m = Message::make(0, 0);
  ASSERT_TRUE(c.send(m));
  EXPECT_EQ(wait_counters().wakes - before.wakes, 1u);
  receiver.join();
  EXPECT_GE(receiver_delta.waits, 1u);
  EXPECT_EQ(receiver_delta.wakes, 0u) << "nobody was asleep on the full side";
}

TYPED_TEST(FutexWrapper, SenderAsleepOnFullIsWokenByReceive) {
  Watchdog dog("SenderAsleepOnFullIsWokenByReceive");
  TypeParam c(1);
  Message first = Message::make(0, 0);
  ASSERT_TRUE(c.send(first));
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    Message second = Message::make(0, 1);
    EXPECT_TRUE(c.send(second));
    sent.store(true);
  });
  ASSERT_TRUE(eventually([&] { return c.sleeping_senders() == 1; }));
  EXPECT_FALSE(sent.load());
  Message out;
  ASSERT_TRUE(c.recv(out));
  EXPECT_EQ(out.seq, 0u);
  sender.join();
  ASSERT_TRUE(c.recv(out));
  EXPECT_EQ(out.seq, 1u);
}

TYPED_TEST(FutexWrapper, CloseWakesASleepingSenderAndLeavesItsMessage) {
  Watchdog dog("CloseWakesASleepingSenderAndLeavesItsMessage");
  TypeParam c(1);
  Message first = Message::make(0, 0);
  ASSERT_TRUE(c.send(first));
  Message second = Message::make(0, 1);
  std::thread sender([&] { EXPECT_FALSE(c.send(second)); });
  ASSERT_TRUE(eventually([&] { return c.sleeping_senders() == 1; }));
  c.close();
  sender.join();
  EXPECT_EQ(second.seq, 1u);
  EXPECT_TRUE(second.intact());
  Message out;
  ASSERT_TRUE(c.recv(out)) << "the message sent before close() is still delivered";
  EXPECT_EQ(out.seq, 0u);
  EXPECT_FALSE(c.recv(out));
}

// Ping-pong over two capacity-1 channels: every round trip makes each side
// wait for the other, so a lost wake-up hangs it (and the watchdog aborts).
TYPED_TEST(FutexWrapper, PingPongLosesNoWakeUp) {
#if defined(__SANITIZE_THREAD__)
  constexpr std::uint64_t kRounds = 5'000;
#else
  constexpr std::uint64_t kRounds = 50'000;
#endif
  Watchdog dog("PingPongLosesNoWakeUp", 60s);
  TypeParam ping(1), pong(1);
  std::thread echo([&] {
    Message m;
    while (ping.recv(m)) ASSERT_TRUE(pong.send(m));
    pong.close();
  });
  for (std::uint64_t i = 0; i < kRounds; ++i) {
    Message m = Message::make(0, i);
    ASSERT_TRUE(ping.send(m));
    Message back;
    ASSERT_TRUE(pong.recv(back));
    ASSERT_EQ(back.seq, i);
  }
  ping.close();
  echo.join();
}

// ---- rendezvous ------------------------------------------------------------

using synclab::channels::Rendezvous;

TEST(RendezvousChannel, SendReturnsOnlyOnceAReceiverHasTheMessage) {
  Watchdog dog("SendReturnsOnlyOnceAReceiverHasTheMessage");
  Rendezvous<Message> c;
  EXPECT_EQ(c.capacity(), 0u);
  std::atomic<bool> returned{false};
  std::thread sender([&] {
    Message m = Message::make(0, 5);
    EXPECT_TRUE(c.send(m));
    returned.store(true);
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(returned.load()) << "send returned with nobody receiving";
  Message out;
  ASSERT_TRUE(c.recv(out));
  EXPECT_EQ(out.seq, 5u);
  sender.join();
  EXPECT_TRUE(returned.load());
}

TEST(RendezvousChannel, TryOperationsNeedAWaitingPartner) {
  Watchdog dog("TryOperationsNeedAWaitingPartner");
  Rendezvous<Message> c;
  Message m = Message::make(0, 1);
  EXPECT_FALSE(c.try_send(m)) << "no receiver is waiting";
  EXPECT_EQ(m.seq, 1u);
  Message out;
  EXPECT_FALSE(c.try_recv(out)) << "no sender is waiting";
  // A waiting receiver makes try_send succeed ...
  std::thread receiver([&] { EXPECT_TRUE(c.recv(out)); });
  ASSERT_TRUE(eventually([&] { return c.try_send(m); }));
  receiver.join();
  EXPECT_EQ(out.seq, 1u);
  // ... and a waiting sender makes try_recv succeed.
  std::thread sender([&] {
    Message s = Message::make(0, 2);
    EXPECT_TRUE(c.send(s));
  });
  ASSERT_TRUE(eventually([&] { return c.try_recv(out); }));
  sender.join();
  EXPECT_EQ(out.seq, 2u);
}

TEST(RendezvousChannel, CloseReleasesBlockedSendersAndReceivers) {
  Watchdog dog("CloseReleasesBlockedSendersAndReceivers");
  {
    Rendezvous<Message> c;
    Message kept = Message::make(0, 9);
    std::thread sender([&] { EXPECT_FALSE(c.send(kept)); });
    std::this_thread::sleep_for(30ms);
    c.close();
    sender.join();
    EXPECT_EQ(kept.seq, 9u) << "a withdrawn message is left alone";
    Message out;
    EXPECT_FALSE(c.recv(out));
    EXPECT_FALSE(c.try_send(kept));
  }
  {
    Rendezvous<Message> c;
    std::thread receiver([&] {
      Message out;
      EXPECT_FALSE(c.recv(out));
    });
    std::this_thread::sleep_for(30ms);
    c.close();
    receiver.join();
  }
}

}  // namespace
