// ring_queue_checks.hpp — one-thread checks shared by the tests of the
// unbounded ring-list queues (faa_array_queue_test, lprq_test, lcrq_test;
// channels/ring_list.hpp): FIFO across rings that fill, close and are
// followed (rounds of 1, R − 1, R, R + 1, 2R and 5R + 3 messages, R the
// ring's capacity, Q::kRingSize), an empty queue polled between sends
// (dequeuers running ahead of the enqueuers), and a queue destroyed while it
// still holds messages of an owning type (ASan sees a leak or a double
// destruction). Every wait is bounded by the hang watchdog.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "synclab/testing/channel_testing.hpp"
#include "synclab/testing/hang_watchdog.hpp"

namespace synclab::testing {

// Messages made by make(seq) and checked by check(received, seq) in order.
template <class Q, class Make, class Check>
void fifo_across_rings(Make make, Check check) {
  HangWatchdog watchdog(kHangLimit, Q::name, "fifo across rings");
  Q q(0);
  EXPECT_EQ(q.capacity(), 0u);
  constexpr std::size_t r = Q::kRingSize;
  std::uint64_t sent = 0, received = 0;
  for (std::size_t round : {std::size_t{1}, r - 1, r, r + 1, 2 * r, 5 * r + 3, std::size_t{1}}) {
    for (std::size_t i = 0; i < round; ++i) {
      auto m = make(sent++);
      ASSERT_TRUE(q.try_send(m));
    }
    for (std::size_t i = 0; i < round; ++i) {
      typename Q::value_type m{};
      ASSERT_TRUE(q.try_recv(m)) << "ring " << r << " round " << round << " i " << i;
      ASSERT_TRUE(check(m, received++));
    }
    typename Q::value_type m{};
    EXPECT_FALSE(q.try_recv(m)) << "a message out of an empty queue";
    EXPECT_FALSE(q.try_recv(m)) << "a message out of an empty queue";
  }
}

// The test Message, its sequence number in order.
template <class Q>
void fifo_across_rings() {
  fifo_across_rings<Q>([](std::uint64_t s) { return Message::make(0, s); },
                       [](const Message& m, std::uint64_t s) { return m.intact() && m.seq == s; });
}

// Receivers on an empty ring move its head past its tail; the next send must
// land where the next receive looks, lap after lap.
template <class Q>
void empty_polls_keep_order() {
  HangWatchdog watchdog(kHangLimit, Q::name, "empty polls");
  Q q(0);
  std::uint64_t sent = 0, received = 0;
  for (int i = 0; i < 2000; ++i) {
    Message m;
    for (int k = 0; k < i % 5; ++k) ASSERT_FALSE(q.try_recv(m)) << "a message out of an empty queue";
    for (int k = 0; k <= i % 3; ++k) {
      Message s = Message::make(0, sent++);
      ASSERT_TRUE(q.try_send(s));
    }
    while (received < sent) {
      ASSERT_TRUE(q.try_recv(m)) << "iteration " << i;
      ASSERT_EQ(m.seq, received++);
    }
  }
}

// Q holds std::unique_ptr<std::string>: `sent` messages in, the first
// `received` out, the rest destroyed with the queue. ASan reports a leak if
// a message left in the queue is not destroyed, and a double free if a taken
// one is.
template <class Q>
void destroyed_holding_owning_messages(int sent, int received) {
  auto q = std::make_unique<Q>(0);
  for (int i = 0; i < sent; ++i) {
    auto m = std::make_unique<std::string>(std::to_string(i) + " owned and long enough to allocate");
    ASSERT_TRUE(q->try_send(m));
    EXPECT_EQ(m, nullptr) << "moved from on success";
  }
  for (int i = 0; i < received; ++i) {
    std::unique_ptr<std::string> m;
    ASSERT_TRUE(q->try_recv(m));
    EXPECT_EQ(*m, std::to_string(i) + " owned and long enough to allocate");
  }
  q.reset();
}

}  // namespace synclab::testing
