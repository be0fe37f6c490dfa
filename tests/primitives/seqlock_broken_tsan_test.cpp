// Negative test for ThreadSanitizer: SeqLockPlainRead follows the seqlock
// protocol but copies the payload with plain loads while the writer stores.
// Torn copies are discarded, so on x86-64 nothing observable goes wrong and
// this test only checks that the run completes. It is registered only in the
// thread-sanitizer build, passing on TSan's data race report
// (tests/primitives/rwlocks.cmake); seqlock_test runs the same scenario on
// the real seqlock, where TSan stays quiet.
#include <gtest/gtest.h>

#include <chrono>

#include "seqlock_testing.hpp"

namespace {

using namespace std::chrono_literals;

TEST(SeqLockPlainRead, StressRunCompletes) {
  synclab::testing::SeqLockPlainRead<synclab::testing::CheckedValue> lock;
  const auto r = synclab::testing::check_torn_reads(lock, 1, 2, 200ms, 200'000);
  EXPECT_GT(r.reads, 0u);
}

}  // namespace
