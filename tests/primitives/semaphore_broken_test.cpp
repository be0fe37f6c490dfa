// Negative test: the holder-count check must catch a semaphore that admits
// more holders than it has permits. If this test fails, the same check in
// semaphore_contract_test (and the bench's verify()) proves nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "semaphore_testing.hpp"
#include "synclab/testing/broken_semaphores.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::OverAdmittingSemaphore;

// The semaphore is kept honest (no widened window); the check is repeated
// until it fires or about 5 s have passed.
TEST(OverAdmittingSemaphore, IsCaughtByTheHolderCountCheck) {
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  bool caught = false;
  int rounds = 0;
  std::uint32_t most = 0;
  int available = 0;
  do {
    OverAdmittingSemaphore semaphore(1);
    const auto result = synclab::testing::check_holders(semaphore, 1, 4, 250ms);
    most = result.most_holders;
    available = result.available_after;
    caught = most > 1 || available != 1;
    ++rounds;
  } while (!caught && std::chrono::steady_clock::now() < give_up);
  EXPECT_TRUE(caught) << "no over-admission seen in " << rounds << " rounds (last: " << most << " holders, "
                      << available << " permits left)";
}

}  // namespace
