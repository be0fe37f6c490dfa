// Negative test, every build: OverwritingRing never checks for full, so a
// producer ahead of its consumer overwrites messages that were not received
// yet. The stress check (channel_stress.hpp) must see it as lost, duplicated
// or reordered messages. The consumer starts only after the producer has had
// time to lap the small ring, so the overwrite is certain rather than likely.
// Under ThreadSanitizer the overwrites are also data races; this test is
// judged by its own assertion there (report_bugs=0, channels.cmake).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "synclab/testing/channel_broken.hpp"
#include "synclab/testing/channel_stress.hpp"

namespace {

using synclab::testing::Message;
using synclab::testing::OverwritingRing;

// The consumer's first try_recv waits until the producer is far ahead.
struct SlowStartRing : OverwritingRing<Message> {
  using OverwritingRing<Message>::OverwritingRing;
  bool try_recv(Message& out) {
    if (!started_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      started_ = true;
    }
    return OverwritingRing<Message>::try_recv(out);
  }
  bool started_ = false;  // the consumer's own
};

TEST(OverwritingRing, ExactlyOnceCheckCatchesTheOverwrites) {
  SlowStartRing ring(4);
  const auto r = synclab::testing::run_stress(ring, 1, 1, 100'000);
  EXPECT_FALSE(r.ok()) << "the overwrites went unnoticed: " << r.describe();
  EXPECT_GT(r.missing + r.duplicates + r.out_of_order + r.corrupt, 0u) << r.describe();
}

// The same check passes on the real ring with the same slow start: the
// failure above is the overwrite, not the check.
TEST(OverwritingRing, TheSameCheckPassesOnSpscRing) {
  struct SlowStart : synclab::channels::SpscRing<Message> {
    using SpscRing::SpscRing;
    bool try_recv(Message& out) {
      if (!started_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        started_ = true;
      }
      return SpscRing::try_recv(out);
    }
    bool started_ = false;
  };
  SlowStart ring(4);
  const auto r = synclab::testing::run_stress(ring, 1, 1, 100'000);
  EXPECT_TRUE(r.ok()) << r.describe();
}

}  // namespace
