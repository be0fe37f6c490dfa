// Negative tests: the seed's wake-up count check must catch a condition
// variable that never sleeps, and the notify_all census a requeueing condvar
// that wakes everyone instead. If one of these fails, the same check in
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

// Inside the fixture that checks timed-out waits, as the real one's test.
class CvRequeueBroken : public synclab::testing::NoTimedOutWaits {};

TEST_F(CvRequeueBroken, WakingAllIsSeenByTheNotifyAllCensus) {
  constexpr int kWaiters = 4;
  const auto census = synclab::testing::notify_all_census<synclab::testing::CvRequeueWakingAll>(kWaiters);
  EXPECT_EQ(census.returned, kWaiters) << "the census did not see every waiter come back";
  EXPECT_EQ(census.requeued, 0);
  EXPECT_EQ(census.through, kWaiters);
}

}  // namespace
