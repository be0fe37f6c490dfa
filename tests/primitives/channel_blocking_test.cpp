// The sleeping channels: a sleeper is woken by the operation it waits for
// and by close() (every closable channel, every role that can block: a
// receiver on empty, a sender on full, a rendezvous sender waiting for its
// offer to be taken or for its turn to offer), no wake-up is lost (hang
// detectors, not sleeps, decide),
// the futex wrappers make no syscall while nobody sleeps, and the rendezvous
// channel hands each message over before send returns.
#include <gtest/gtest.h>

#include <algorithm>
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
#include "synclab/testing/thread_state.hpp"
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
    ::testing::Types<synclab::channels::MutexQueue<Message>, synclab::channels::MutexRing<Message>,
                     synclab::channels::BlockingSpscRing<Message>,
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

// ---- close() releases every blocked role -----------------------------------

// Starts each op on its own thread, one after the other, each seen asleep in
// the futex call (/proc) before the next starts; then close(). Every op must
// return false within kCloseBound. An op still blocked then can only be
// ended by the watchdog: close() was the rescue.
constexpr auto kCloseBound = 2s;

template <class C>
::testing::AssertionResult close_releases(C& c, const std::vector<std::function<bool()>>& blocked_ops) {
  const std::size_t n = blocked_ops.size();
  std::vector<std::atomic<long>> tids(n);
  std::vector<std::atomic<int>> outcome(n);  // 0 still blocked, 1 returned false, 2 returned true
  std::vector<std::thread> pool;
  bool all_asleep = true;
  for (std::size_t i = 0; i < n; ++i) {
    pool.emplace_back([&, i] {
      tids[i].store(synclab::testing::this_thread_tid(), std::memory_order_release);
      outcome[i].store(blocked_ops[i]() ? 2 : 1, std::memory_order_release);
    });
    all_asleep = synclab::testing::wait_until_asleep(tids[i], 10s) && all_asleep;
  }
  c.close();
  const bool in_time = eventually(
      [&] { return std::all_of(outcome.begin(), outcome.end(), [](const auto& o) { return o.load() != 0; }); },
      kCloseBound);
  for (auto& t : pool) t.join();
  if (!all_asleep) return ::testing::AssertionFailure() << "an op did not block before close()";
  if (!in_time) return ::testing::AssertionFailure() << "an op was still blocked " << kCloseBound.count() << " s after close()";
  for (std::size_t i = 0; i < n; ++i)
    if (outcome[i].load() != 1) return ::testing::AssertionFailure() << "op " << i << " returned true after close()";
  return ::testing::AssertionSuccess();
}

// Bounded with room for no message: send waits for a receiver.
template <class C>
bool is_rendezvous() {
  return C::semantics.bounded && C(2).capacity() == 0;
}

template <class C>
class CloseReleases : public ::testing::Test {};
using ClosableChannels =
    ::testing::Types<synclab::channels::MutexQueue<Message>, synclab::channels::MutexRing<Message>,
                     synclab::channels::BlockingSpscRing<Message>,
                     synclab::channels::BlockingMpmcBounded<Message>, synclab::channels::Rendezvous<Message>>;
TYPED_TEST_SUITE(CloseReleases, ClosableChannels, PrimitiveName);

TYPED_TEST(CloseReleases, AReceiverBlockedOnEmpty) {
  Watchdog dog("AReceiverBlockedOnEmpty");
  TypeParam c(2);
  Message out;
  EXPECT_TRUE(close_releases(c, {[&] { return c.recv(out); }}));
}

TYPED_TEST(CloseReleases, ASenderBlockedOnFull) {
  if (!TypeParam::semantics.bounded || TypeParam(2).capacity() == 0) GTEST_SKIP() << "never full";
  Watchdog dog("ASenderBlockedOnFull");
  TypeParam c(2);
  for (std::uint64_t i = 0;; ++i) {
    Message m = Message::make(0, i);
    if (!c.try_send(m)) break;
  }
  Message m = Message::make(1, 0);
  EXPECT_TRUE(close_releases(c, {[&] { return c.send(m); }}));
}

// A rendezvous sender waits twice: for its offer to be taken, and, while
// another sender's offer is pending, for its turn to offer.
TYPED_TEST(CloseReleases, ASenderWaitingForItsOfferToBeTaken) {
  if (!is_rendezvous<TypeParam>()) GTEST_SKIP() << "not a rendezvous channel";
  Watchdog dog("ASenderWaitingForItsOfferToBeTaken");
  TypeParam c(0);
  Message m = Message::make(0, 0);
  EXPECT_TRUE(close_releases(c, {[&] { return c.send(m); }}));
}

TYPED_TEST(CloseReleases, ASenderWaitingForItsTurnToOffer) {
  if (!is_rendezvous<TypeParam>()) GTEST_SKIP() << "not a rendezvous channel";
  Watchdog dog("ASenderWaitingForItsTurnToOffer");
  TypeParam c(0);
  Message first = Message::make(0, 0);
  Message second = Message::make(1, 0);
  EXPECT_TRUE(close_releases(c, {[&] { return c.send(first); }, [&] { return c.send(second); }}));
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
