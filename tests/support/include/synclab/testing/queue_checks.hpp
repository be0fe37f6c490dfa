// queue_checks.hpp — checks shared by the tests of the lock-free MPMC
// queues (scq_test, faa_array_queue_test): a fixed number of messages moved
// by several producers and consumers (exactly once, each producer's order,
// intact), and a sender held at the queue's stall point while a receiver
// passes its position (the receiver must not be stopped, the held message
// must arrive once the sender goes on). Needs SYNCLAB_TEST_STALL_POINTS.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "synclab/testing/channel_testing.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/stall_gate.hpp"

namespace synclab::testing {

using namespace std::chrono_literals;

// A message that is in the queue is received within this bound (a hang
// threshold, never a speed judgement).
inline constexpr auto kMessageBound = 1s;

// The object a queue's enqueue stall point names: the ring of full slots
// for SCQ, the queue itself otherwise.
template <class Q>
const void* stall_object(const Q& q) {
  if constexpr (requires { q.full_ring(); }) return q.full_ring();
  else return &q;
}

template <class Q>
bool recv_within(Q& q, Message& out, std::chrono::milliseconds bound) {
  const auto end = std::chrono::steady_clock::now() + bound;
  while (!q.try_recv(out)) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::yield();
  }
  return true;
}

// Producers move a fixed number of messages each; consumers check each
// producer's order, and every message is counted exactly once.
template <class Q>
void move_fixed(std::size_t capacity, int producers, int consumers, std::uint64_t per_producer) {
  HangWatchdog watchdog(kHangLimit, Q::name, "fixed number of messages");
  Q q(capacity);
  const std::uint64_t total = per_producer * static_cast<std::uint64_t>(producers);
  std::atomic<std::uint64_t> received{0};
  std::vector<std::vector<std::uint64_t>> counts(static_cast<std::size_t>(consumers),
                                                 std::vector<std::uint64_t>(static_cast<std::size_t>(producers) *
                                                                            per_producer));
  std::atomic<bool> order_ok{true};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&q, p, per_producer] {
      for (std::uint64_t s = 0; s < per_producer; ++s) {
        Message m = Message::make(static_cast<std::uint32_t>(p), s);
        while (!q.try_send(m)) std::this_thread::yield();
      }
    });
  }
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&, c] {
      std::vector<std::int64_t> last(static_cast<std::size_t>(producers), -1);
      auto& mine = counts[static_cast<std::size_t>(c)];
      while (received.load(std::memory_order_relaxed) < total) {
        Message m;
        if (!q.try_recv(m)) {
          std::this_thread::yield();
          continue;
        }
        received.fetch_add(1, std::memory_order_relaxed);
        if (!m.intact() || m.producer >= static_cast<std::uint32_t>(producers) || m.seq >= per_producer) {
          order_ok = false;
          continue;
        }
        if (static_cast<std::int64_t>(m.seq) <= last[m.producer]) order_ok = false;
        last[m.producer] = static_cast<std::int64_t>(m.seq);
        ++mine[m.producer * per_producer + m.seq];
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(order_ok.load()) << "a torn message or a producer's messages out of order";
  for (std::size_t k = 0; k < total; ++k) {
    std::uint64_t seen = 0;
    for (const auto& c : counts) seen += c[k];
    ASSERT_EQ(seen, 1u) << "message " << k << " received " << seen << " times";
  }
  Message m;
  EXPECT_FALSE(q.try_recv(m));
}

// Holds one sender at its stall point (after it claimed a position, before
// it filled it) while a receiver passes that position; returns whether the held message is received
// (within kMessageBound) once the sender goes on. Also reports whether the
// receiver got the message a second sender sent meanwhile.
struct HeldResult {
  bool later_received = false;  // the message sent after the held one, while it was held
  bool held_received = false;   // the held message, after the sender was let go
};

template <class Q>
HeldResult held_sender() {
  HangWatchdog watchdog(kHangLimit, Q::name, "held sender");
  StallGate gate(synclab::StallPoint::after_claim, 30s);
  Q q(16);
  // One message through first: the ring's threshold is then non-negative, so
  // a receiver takes positions instead of answering "empty" straight away.
  Message warm = Message::make(9, 0);
  EXPECT_TRUE(q.try_send(warm));
  EXPECT_TRUE(q.try_recv(warm));

  std::atomic<bool> go{false};
  std::thread held([&] {
    while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
    Message m = Message::make(1, 0);
    EXPECT_TRUE(q.try_send(m));
  });
  gate.arm(stall_object(q), held.get_id());
  go.store(true, std::memory_order_release);
  HeldResult r;
  EXPECT_TRUE(gate.wait_until_held(10s)) << "the sender never reached the stall point";
  Message m;
  EXPECT_FALSE(q.try_recv(m)) << "a message before any was complete";  // passes the held position
  Message later = Message::make(2, 0);
  EXPECT_TRUE(q.try_send(later));
  if (recv_within(q, m, kMessageBound)) r.later_received = m.producer == 2;
  gate.open();
  held.join();
  if (recv_within(q, m, kMessageBound)) r.held_received = m.producer == 1;
  return r;
}

}  // namespace synclab::testing
