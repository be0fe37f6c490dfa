// channel_testing.hpp — what the channel tests share: the checked message,
// a move-only payload that counts its live instances, the GoogleTest type
// lists built from the catalogue, and the shapes each channel allows.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "synclab/channels/catalog.hpp"
#include "synclab/channels/concepts.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

namespace synclab::testing {

// One message of a stress test: who sent it, its number in that sender's
// sequence, and a checksum of both, so that a torn or overwritten slot is
// seen as corrupt rather than as a plausible message.
struct Message {
  std::uint32_t producer = 0;
  std::uint64_t seq = 0;
  std::uint64_t check = 0;

  static constexpr std::uint64_t checksum(std::uint32_t producer, std::uint64_t seq) noexcept {
    std::uint64_t x = (static_cast<std::uint64_t>(producer) << 48) ^ seq ^ 0x9E3779B97F4A7C15ULL;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 29;
    return x;
  }
  static constexpr Message make(std::uint32_t producer, std::uint64_t seq) noexcept {
    return Message{producer, seq, checksum(producer, seq)};
  }
  [[nodiscard]] constexpr bool intact() const noexcept { return check == checksum(producer, seq); }
};

// Move-only, counts live instances: a message dropped or destroyed twice by
// a channel shows in `live` (and as a leak or a double free under ASan).
struct Counted {
  static inline std::atomic<long> live{0};
  std::uint64_t* value = nullptr;  // heap-owned, so a lost destructor is a leak

  Counted() = delete;  // channels must not need a default-constructible payload
  explicit Counted(std::uint64_t v) : value(new std::uint64_t(v)) { live.fetch_add(1, std::memory_order_relaxed); }
  Counted(Counted&& o) noexcept : value(std::exchange(o.value, nullptr)) {
    live.fetch_add(1, std::memory_order_relaxed);
  }
  Counted& operator=(Counted&& o) noexcept {
    delete value;
    value = std::exchange(o.value, nullptr);
    return *this;
  }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  ~Counted() {
    delete value;
    live.fetch_sub(1, std::memory_order_relaxed);
  }
};

using ChannelsOfMessage = GTestTypes<channels::OurChannels<Message>>::type;

// The base of the typed tests over channels::OurChannels: a channel this
// machine cannot run (channels::unavailable, e.g. lcrq without cmpxchg16b)
// is skipped with its reason, never constructed.
template <class C>
class ChannelTypedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string_view why = channels::unavailable<C>(); !why.empty())
      GTEST_SKIP() << C::name << " left out: " << why;
  }
};
using OneShotsOfMessage = GTestTypes<channels::OurOneShots<Message>>::type;

// How many threads a channel allows on each side.
template <class C>
constexpr int max_producers(int wanted) {
  return C::semantics.multi_producer ? wanted : 1;
}
template <class C>
constexpr int max_consumers(int wanted) {
  return C::semantics.multi_consumer ? wanted : 1;
}

// Whether a channel holds messages at all: the rendezvous channel (capacity
// 0) only hands them from a waiting sender to a receiver.
template <class C>
constexpr bool stores_messages() {
  return C::name != std::string_view("rendezvous");
}

// try_send / try_recv until they succeed, yielding now and then so that an
// oversubscribed machine lets the other side run.
template <class C, class T>
void send_spinning(C& c, T& v) {
  for (unsigned i = 1; !c.try_send(v); ++i) {
    if (i % 64 == 0) std::this_thread::yield();
  }
}
template <class C, class T>
void recv_spinning(C& c, T& out) {
  for (unsigned i = 1; !c.try_recv(out); ++i) {
    if (i % 64 == 0) std::this_thread::yield();
  }
}

}  // namespace synclab::testing
