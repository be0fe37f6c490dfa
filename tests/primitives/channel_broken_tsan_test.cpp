// Negative test for ThreadSanitizer: RelaxedPublishRing delivers every
// message on x86-64 (stores are not reordered with stores there), but its
// relaxed publication gives no happens-before from the producer's write of a
// slot to the consumer's read, so TSan must report a data race. The test
// itself only checks that the run completes; it is registered only in the
// thread-sanitizer build, passing on TSan's report (channels.cmake). The same
// check over spsc_ring is part of channel_stress_test, where TSan stays quiet.
#include <gtest/gtest.h>

#include "synclab/testing/channel_broken.hpp"
#include "synclab/testing/channel_stress.hpp"

namespace {

TEST(RelaxedPublishRing, StressRunCompletes) {
  synclab::testing::RelaxedPublishRing<synclab::testing::Message> ring(16);
  const auto r = synclab::testing::run_stress(ring, 1, 1, 20'000);
  EXPECT_EQ(r.sent, 20'000u) << r.describe();
}

}  // namespace
