// Negative test: the mutual-exclusion stress check must catch a lock that
// does not exclude. If this test fails, lock_stress_test proves nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "synclab/testing/broken_locks.hpp"
#include "synclab/testing/lock_stress.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::stress_mutual_exclusion;
using synclab::testing::TestThenSetLock;

// The lock is kept honest (no widened window); instead the check is repeated
// until it fires or about 5 s have passed.
TEST(TestThenSetLock, IsCaughtByTheMutualExclusionCheck) {
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  std::uint64_t caught = 0;
  int rounds = 0;
  do {
    TestThenSetLock lock;
    const auto result = stress_mutual_exclusion(lock, 4, 250ms, 10'000'000);
    caught = result.owner_violations + result.lost_updates;
    ++rounds;
  } while (caught == 0 && std::chrono::steady_clock::now() < give_up);
  EXPECT_GT(caught, 0u) << "no violation and no lost update in " << rounds << " rounds";
}

}  // namespace
