// Negative test: the torn-read check must catch a seqlock whose reader
// forgets the second look at the sequence number. If this fails,
// seqlock_test proves nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "seqlock_testing.hpp"

namespace {

using namespace std::chrono_literals;

TEST(SeqLockNoRecheck, TornReadsAreCaughtByTheChecksum) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  std::uint64_t torn = 0;
  int rounds = 0;
  do {
    synclab::testing::SeqLockNoRecheck<synclab::testing::CheckedValue> lock;
    torn = synclab::testing::check_torn_reads(lock, 1, 2, 200ms, 10'000'000).torn;
    ++rounds;
  } while (torn == 0 && std::chrono::steady_clock::now() < give_up);
  EXPECT_GT(torn, 0u) << "no torn read in " << rounds << " rounds";
}

}  // namespace
