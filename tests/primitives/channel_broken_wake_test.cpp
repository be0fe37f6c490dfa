// Negative test, every build: LostWakeBlocking leaves out the wake after a
// send and after a receive, so a receiver asleep on an empty ring (or a
// sender asleep on a full one) is never woken and the run hangs. The stress
// check's hang detector must report it as a stall; its on_stall closes the
// channel, which still wakes everyone, so the test ends instead of hanging.
// The same run over blocking_spsc_ring (below) must not stall. SilentMutexRing
// is mutex_ring with the same notifies left out; mutex_ring itself must not
// stall.
#include <gtest/gtest.h>

#include <chrono>

#include "synclab/channels/blocking.hpp"
#include "synclab/channels/mutex_ring.hpp"
#include "synclab/channels/spsc_ring.hpp"
#include "synclab/testing/channel_broken.hpp"
#include "synclab/testing/channel_stress.hpp"

namespace {

using synclab::testing::Message;

template <class C>
synclab::testing::StressResult run(C& channel) {
  synclab::testing::StressOptions options;
  options.blocking_api = true;
  options.stall_limit = std::chrono::seconds(5);
  options.on_stall = [&channel] { channel.close(); };
  return synclab::testing::run_stress(channel, 1, 1, 200'000, options);
}

TEST(LostWakeBlocking, HangDetectorCatchesTheLostWakeUp) {
  synclab::testing::LostWakeBlocking<synclab::channels::SpscRing<Message>> channel(2);
  const auto r = run(channel);
  EXPECT_TRUE(r.stalled) << "a channel that never wakes its sleepers did not hang: " << r.describe();
  EXPECT_FALSE(r.ok());
}

TEST(LostWakeBlocking, TheSameRunCompletesOnBlockingSpscRing) {
  synclab::channels::BlockingSpscRing<Message> channel(2);
  const auto r = run(channel);
  EXPECT_TRUE(r.ok()) << r.describe();
}

TEST(SilentMutexRing, HangDetectorCatchesTheLostWakeUp) {
  synclab::testing::SilentMutexRing<Message> channel(2);
  const auto r = run(channel);
  EXPECT_TRUE(r.stalled) << "a ring that never wakes its sleepers did not hang: " << r.describe();
  EXPECT_FALSE(r.ok());
}

TEST(SilentMutexRing, TheSameRunCompletesOnMutexRing) {
  synclab::channels::MutexRing<Message> channel(2);
  const auto r = run(channel);
  EXPECT_TRUE(r.ok()) << r.describe();
}

}  // namespace
