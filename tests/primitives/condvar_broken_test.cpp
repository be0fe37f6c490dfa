// Negative test: the seed's wake-up count check must catch a condition
// variable that never sleeps. If this test fails, the same check in
// condvar_contract_test proves nothing about ours.
#include <gtest/gtest.h>

#include <chrono>

#include "condvar_testing.hpp"
#include "synclab/testing/broken_condvars.hpp"

namespace {

using namespace std::chrono_literals;

TEST(BusyWaitCondVar, IsCaughtByTheWakeupCountCheck) {
  const auto result = synclab::testing::wakeups_for_one_notification<synclab::testing::BusyWaitCondVar>(250ms);
  // It is functionally "correct": the waiter saw the value and holds the mutex...
  EXPECT_TRUE(result.relocked);
  // ...but wait() returned far more often than one notification explains.
  EXPECT_GE(result.wakeups, synclab::testing::kWakeupBound)
      << "the busy-waiting condvar passed the wake-up count check: the check cannot see spinning";
}

}  // namespace
