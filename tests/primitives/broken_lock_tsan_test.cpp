// Negative test for ThreadSanitizer: RelaxedUnlockLock excludes correctly on
// the lock word, but its relaxed unlock gives no happens-before between
// critical sections. On x86 nothing observable goes wrong, so this test checks
// only that the stress run completes. It is registered only in the thread-
// sanitizer build, with WILL_FAIL: TSan must report the data race on the
// protected fields and make the process exit non-zero.
#include <gtest/gtest.h>

#include <chrono>

#include "synclab/testing/broken_locks.hpp"
#include "synclab/testing/lock_stress.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::RelaxedUnlockLock;
using synclab::testing::stress_mutual_exclusion;

TEST(RelaxedUnlockLock, StressRunCompletes) {
  RelaxedUnlockLock lock;
  const auto result = stress_mutual_exclusion(lock, 4, 200ms, 20'000);
  RecordProperty("ops", static_cast<int>(result.ops));
}

}  // namespace
