// Negative tests: the rwlock checks must catch the broken twins of
// synclab/testing/broken_rwlocks.hpp. If these fail, rwlock_contract_test
// proves nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "rwlock_testing.hpp"
#include "synclab/testing/broken_rwlocks.hpp"
#include "synclab/testing/cpu_affinity.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::testing::BravoWriterSkipsDrain;
using synclab::testing::PerCpuUnlocksCurrentCpuSlot;
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

// Fresh rounds of the overlap check (four threads, 200 ms each) until a
// reader sees a writer or 10 s have passed.
template <class L>
void expect_overlap_caught(int read_percent) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  std::uint64_t caught = 0;
  int rounds = 0;
  do {
    L lock;
    caught = synclab::testing::stress_readers_and_writers(lock, 4, read_percent, 200ms, 1'000'000).overlaps;
    ++rounds;
  } while (caught == 0 && std::chrono::steady_clock::now() < give_up);
  EXPECT_GT(caught, 0u) << "no reader saw a writer in " << rounds << " rounds";
}

// A reader that never looks at the writer: readers see half-written patterns.
TEST(RwReaderIgnoresWriter, OverlapIsCaughtByTheReaderCheck) { expect_overlap_caught<RwReaderIgnoresWriter>(50); }

// BRAVO whose writer does not wait for the fast-path readers: the
// mutual-exclusion check sees readers overlapping the writer.
TEST(BravoWriterSkipsDrain, OverlapIsCaughtByTheReaderCheck) { expect_overlap_caught<BravoWriterSkipsDrain>(90); }

// The same defect, seen directly: a reader inside through the table (the bias
// is on after one slow read), and the writer gets in before it leaves.
TEST(BravoWriterSkipsDrain, WriterEntersBesideAVisibleReader) {
  BravoWriterSkipsDrain lock;
  lock.lock_shared();  // the first read is slow and turns the bias on
  lock.unlock_shared();
  ASSERT_TRUE(lock.reader_bias());
  const auto result = synclab::testing::writer_behind_readers(lock, 50ms, 10s, [] {});
  EXPECT_TRUE(result.entered_while_read_held) << "the writer waited for the visible reader";
}

// The per-CPU lock whose reader unlocks the slot of its CPU at unlock time: a
// reader moved between two CPUs inside its section leaves a slot read-held,
// and the next writer never gets in (the hang detector, then the rescue).
TEST(PerCpuUnlocksCurrentCpuSlot, MigratedReaderIsCaughtByTheWriterCheck) {
  const std::vector<int> cpus = synclab::testing::allowed_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs to move a reader between";
  PerCpuUnlocksCurrentCpuSlot lock;
  if (lock.slot_count() < 2) GTEST_SKIP() << "one slot: every CPU shares it";
  const auto result =
      synclab::testing::writer_after_a_migrated_read(lock, cpus[0], cpus[1], 1s, [&] { lock.rescue(); });
  if (!result.migrated) GTEST_SKIP() << "could not move the reader from CPU " << cpus[0] << " to " << cpus[1];
  EXPECT_FALSE(result.writer_got_in) << "the writer got in: the wrong slot went unnoticed";
}

}  // namespace
