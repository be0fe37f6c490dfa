// cas2_test — the double-width CAS (synclab/arch/cas2.hpp) on its own: a
// matching pair is replaced; a pair that differs in either word (or both) is
// left as it is and the call reports the pair memory holds; and two threads
// incrementing one 128-bit counter (low word, high word, the carry crossing
// mid-run; each yields every 256 increments, so that they interleave even on
// one CPU) through cas2 lose no increment, and every pair a failed cas2
// reports is one the counter really held (never a torn mix of the two words
// around a carry). Which instruction runs is checked against the machine:
// on arm64 `caspal` where the CPU has LSE, the ldaxp/stlxp loop otherwise or
// with SYNCLAB_CAS2_FORCE_LLSC=1 (cas2_llsc_test, so both paths run under
// qemu-aarch64, whose default CPU has LSE). Every wait is bounded; a hang
// fires the watchdog.
#include <gtest/gtest.h>

#include "synclab/arch/cas2.hpp"

#if SYNCLAB_HAVE_CAS2

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/testing/hang_watchdog.hpp"

namespace {

using synclab::cas2;
using synclab::testing::HangWatchdog;
using synclab::testing::kHangLimit;

bool env_set(const char* name) {
  const char* e = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before any thread starts
  return e != nullptr && e[0] != '\0' && std::string(e) != "0";
}

bool emulated() {
  const char* v = std::getenv("SYNCLAB_EMULATED");  // NOLINT(concurrency-mt-unsafe)
  return v != nullptr && std::string_view(v) == "true";
}

struct alignas(16) Words {
  std::uint64_t w[2];
};

class Cas2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string_view why = synclab::cas2_missing(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(Cas2Test, AMatchingPairIsReplaced) {
  Words p{{1, 2}};
  std::uint64_t e0 = 1, e1 = 2;
  EXPECT_TRUE(cas2(&p, e0, e1, 3, 4));
  EXPECT_EQ(p.w[0], 3u);
  EXPECT_EQ(p.w[1], 4u);
  EXPECT_EQ(e0, 1u) << "a success leaves the expected pair as it was";
  EXPECT_EQ(e1, 2u);
  // All bits of both words take part.
  e0 = 3;
  e1 = 4;
  EXPECT_TRUE(cas2(&p, e0, e1, ~std::uint64_t{0}, std::uint64_t{1} << 63));
  EXPECT_EQ(p.w[0], ~std::uint64_t{0});
  EXPECT_EQ(p.w[1], std::uint64_t{1} << 63);
}

TEST_F(Cas2Test, AFailureLeavesMemoryAndReportsTheCurrentPair) {
  Words p{{10, 20}};
  const std::uint64_t wrong[][2] = {{11, 20}, {10, 21}, {11, 21}, {20, 10}};
  for (const auto& w : wrong) {
    std::uint64_t e0 = w[0], e1 = w[1];
    EXPECT_FALSE(cas2(&p, e0, e1, 99, 99)) << "expected {" << w[0] << ", " << w[1] << "}";
    EXPECT_EQ(p.w[0], 10u) << "memory changed by a failed cas2";
    EXPECT_EQ(p.w[1], 20u) << "memory changed by a failed cas2";
    EXPECT_EQ(e0, 10u) << "the failure did not report the current pair";
    EXPECT_EQ(e1, 20u) << "the failure did not report the current pair";
  }
  // The reported pair is the one to retry with.
  std::uint64_t e0 = 0, e1 = 0;
  EXPECT_FALSE(cas2(&p, e0, e1, 5, 6));
  EXPECT_TRUE(cas2(&p, e0, e1, 5, 6));
  EXPECT_EQ(p.w[0], 5u);
  EXPECT_EQ(p.w[1], 6u);
}

// A 128-bit counter {low, high}, starting `below` increments short of the
// carry into the high word. Each thread adds 1 `per_thread` times with a
// cas2 loop that retries with the pair a failure reports.
TEST_F(Cas2Test, TwoThreadsIncrementingA128BitCounterLoseNothing) {
  HangWatchdog watchdog(kHangLimit, "cas2", "128-bit counter");
  const std::uint64_t per_thread = emulated() ? 1000000 : 2000000;
  const std::uint64_t below = per_thread;  // the carry happens about halfway
  const std::uint64_t start_low = ~std::uint64_t{0} - below + 1;
  Words counter{{start_low, 0}};
  std::atomic<bool> torn{false};
  std::atomic<std::uint64_t> failures{0};
  // A pair the counter held: before the carry {≥ start_low, 0}, after it {< 2 × per_thread − below, 1}.
  auto valid = [&](std::uint64_t lo, std::uint64_t hi) {
    return (hi == 0 && lo >= start_low) || (hi == 1 && lo <= 2 * per_thread - below);
  };
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      // Both start together, so that their increments interleave.
      ready.fetch_add(1, std::memory_order_relaxed);
      while (ready.load(std::memory_order_relaxed) < 2) synclab::cpu_relax();
      std::uint64_t lo = start_low, hi = 0, failed = 0;
      for (std::uint64_t i = 0; i < per_thread; ++i) {
        // Every 256 increments the other thread gets the CPU, if it shares one with this
        // one: the next cas2 here then fails, and the pair it reports is checked.
        if ((i & 255) == 0) std::this_thread::yield();
        for (;;) {
          const std::uint64_t nlo = lo + 1, nhi = hi + (nlo == 0 ? 1 : 0);
          if (cas2(&counter, lo, hi, nlo, nhi)) {
            lo = nlo;
            hi = nhi;
            break;
          }
          ++failed;
          if (!valid(lo, hi)) torn.store(true, std::memory_order_relaxed);
        }
      }
      failures.fetch_add(failed, std::memory_order_relaxed);
    });
  for (auto& t : threads) t.join();
  EXPECT_FALSE(torn.load()) << "a failed cas2 reported a pair the counter never held";
  const std::uint64_t total = 2 * per_thread;
  EXPECT_EQ(counter.w[1], 1u) << "the carry into the high word";
  EXPECT_EQ(counter.w[0], total - below) << "increments lost";
  RecordProperty("failed_cas2", std::to_string(failures.load()));
}

TEST(Cas2Method, TheChosenInstructionAgreesWithTheMachine) {
#if defined(__x86_64__)
  EXPECT_EQ(synclab::cas2_method(), "cmpxchg16b");
#else
  const bool lse = (getauxval(AT_HWCAP) & HWCAP_ATOMICS) != 0;
  const std::string_view want = (lse && !env_set("SYNCLAB_CAS2_FORCE_LLSC")) ? "caspal" : "ldaxp/stlxp";
  EXPECT_EQ(synclab::cas2_method(), want) << "LSE: " << lse;
  if (env_set("SYNCLAB_CAS2_FORCE_LLSC") && !lse)
    GTEST_SKIP() << "this CPU has no LSE: the exclusive-pair loop is the only path anyway";
#endif
}

TEST(Cas2Missing, OnlyTheOverrideMakesItMissingOnArm64) {
  if (env_set("SYNCLAB_ASSUME_NO_CAS2")) {
    EXPECT_EQ(synclab::cas2_missing(), "double-width CAS treated as absent (SYNCLAB_ASSUME_NO_CAS2)");
    return;
  }
#if defined(__aarch64__)
  EXPECT_EQ(synclab::cas2_missing(), "") << "every ARMv8-A core has ldaxp/stlxp";
#else
  GTEST_SKIP() << "x86-64: lcrq_test checks cas2_missing() against the CPU's cx16 flag";
#endif
}

}  // namespace

#else  // neither x86-64 nor arm64

TEST(Cas2, NotWrittenForThisArchitecture) {
  GTEST_SKIP() << "synclab/arch/cas2.hpp is written for x86-64 and arm64 only";
}

#endif
