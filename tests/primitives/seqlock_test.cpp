// The seqlock (primitives/include/synclab/seqlock/seqlock.hpp): a load never
// returns a torn value or an older one than before, with one writer and with
// two (serialised by the sequence word), and the last store wins. Under
// ThreadSanitizer the same runs must produce no report: every shared access
// is atomic.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

#include "seqlock_testing.hpp"
#include "synclab/seqlock/seqlock.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::seqlock::SeqLock;
using synclab::testing::CheckedValue;
using synclab::testing::check_torn_reads;

int reader_threads() {
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(hw, 2, 8);
}

TEST(SeqLock, StartsWithTheInitialValueAndReturnsTheLastStore) {
  SeqLock<CheckedValue> empty;
  EXPECT_EQ(empty.load().words[0], 0u);
  SeqLock<CheckedValue> lock(CheckedValue::make(7));
  std::uint64_t retries = 0;
  EXPECT_EQ(lock.load(retries).words[0], 7u);
  for (std::uint64_t v = 8; v < 1000; ++v) {
    lock.store(CheckedValue::make(v));
    const CheckedValue got = lock.load(retries);
    ASSERT_TRUE(got.intact());
    ASSERT_EQ(got.words[0], v);
  }
  EXPECT_EQ(retries, 0u) << "nobody wrote during the loads";
}

TEST(SeqLock, OneWriterReadersNeverSeeATornOrOlderValue) {
  SeqLock<CheckedValue> lock(CheckedValue::make(0));
  const auto r = check_torn_reads(lock, 1, reader_threads(), 300ms, 2'000'000);
  EXPECT_GT(r.reads, 0u);
  EXPECT_GT(r.writes, 0u);
  EXPECT_EQ(r.torn, 0u);
  EXPECT_EQ(r.went_back, 0u);
  RecordProperty("retries_per_read_x1000", static_cast<int>(1000 * r.retries / std::max<std::uint64_t>(r.reads, 1)));
  EXPECT_EQ(lock.load().words[0], r.writes) << "the last store is the one a load returns";
}

TEST(SeqLock, TwoWritersAreSerialisedBySequenceWord) {
  SeqLock<CheckedValue> lock(CheckedValue::make(0));
  const auto r = check_torn_reads(lock, 2, reader_threads(), 300ms, 1'000'000);
  EXPECT_GT(r.reads, 0u);
  EXPECT_GT(r.writes, 0u);
  EXPECT_EQ(r.torn, 0u) << "two writers interleaved their words, or a reader accepted a torn copy";
  EXPECT_TRUE(lock.load().intact());
}

}  // namespace
