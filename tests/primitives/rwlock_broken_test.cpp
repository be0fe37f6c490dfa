// Negative tests: the rwlock checks must catch the broken twins of
// synclab/testing/broken_rwlocks.hpp. If these fail, rwlock_contract_test
// proves nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "rwlock_testing.hpp"
#include "synclab/testing/broken_rwlocks.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::RwReaderIgnoresWriter;
using synclab::testing::RwWriterPrefSeedTypo;

// The seed's `== 1` read-unlock test: the writer asleep behind the reader is
// never woken. The writer gets 50 ms to fall asleep before the reader
// leaves; in the rare round where it has not got that far yet it sees the
// reader gone and takes the lock, so the scenario is repeated a few times.
TEST(RwWriterPrefSeedTypo, LostWriterWakeUpIsCaughtByTheHangDetector) {
  int stalls = 0;
  int rounds = 0;
  for (; rounds < 5 && stalls == 0; ++rounds) {
    RwWriterPrefSeedTypo lock;
    const auto result = synclab::testing::writer_behind_readers(lock, 50ms, 1s, [&] { lock.rescue_sleeping_writers(); });
    EXPECT_FALSE(result.entered_while_read_held);
    if (!result.woken) ++stalls;
  }
  EXPECT_GT(stalls, 0) << "the writer was woken in each of " << rounds << " rounds";
}

// A reader that never looks at the writer: readers see half-written patterns.
TEST(RwReaderIgnoresWriter, OverlapIsCaughtByTheReaderCheck) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  std::uint64_t caught = 0;
  int rounds = 0;
  do {
    RwReaderIgnoresWriter lock;
    const auto result = synclab::testing::stress_readers_and_writers(lock, 4, 50, 200ms, 1'000'000);
    caught = result.overlaps;
    ++rounds;
  } while (caught == 0 && std::chrono::steady_clock::now() < give_up);
  EXPECT_GT(caught, 0u) << "no reader saw a writer in " << rounds << " rounds";
}

}  // namespace
