// Every litmus test under every ordering, briefly: an outcome the C++ memory
// model forbids for that ordering must never be seen (a seen one is a bug in
// the compiler, the hardware or the harness). Allowed outcomes, surprising or
// not, are only counted.
#include "synclab/harness/workloads/litmus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <numeric>
#include <string_view>

namespace synclab::harness {
namespace {

using std::chrono::milliseconds;

bool under_thread_sanitizer() {
#if defined(__SANITIZE_THREAD__)
  return true;
#else
  return false;
#endif
}

LitmusConfig config(const HwlocTopology& hw, int threads, milliseconds window) {
  LitmusConfig cfg;
  cfg.pinner = &hw;
  const auto& pus = hw.topology().pus;
  for (int t = 0; t < threads; ++t) cfg.pus.push_back(pus[static_cast<std::size_t>(t) % pus.size()].os_index);
  cfg.window = window;
  return cfg;
}

TEST(LitmusTables, SeqCstForbidsEveryNonScOutcomeAndWeakerOrdersForbidLess) {
  for (std::string_view test : litmus_tests()) {
    for (const std::string& o : litmus_outcomes(test)) {
      EXPECT_EQ(litmus_forbidden(test, "seq_cst", o), litmus_non_sc(test, o)) << test << " " << o;
      if (litmus_forbidden(test, "relaxed", o)) {
        EXPECT_TRUE(litmus_forbidden(test, "rel_acq", o));
      }
      if (litmus_forbidden(test, "rel_acq", o)) {
        EXPECT_TRUE(litmus_forbidden(test, "seq_cst", o));
      }
    }
  }
  EXPECT_FALSE(litmus_forbidden("sb", "rel_acq", "00")) << "store buffering is allowed under release/acquire";
  EXPECT_TRUE(litmus_forbidden("mp", "rel_acq", "10"));
  EXPECT_FALSE(litmus_forbidden("mp", "relaxed", "10"));
  EXPECT_TRUE(litmus_forbidden("lb", "rel_acq", "11"));
  EXPECT_FALSE(litmus_forbidden("iriw", "rel_acq", "1010"));
  EXPECT_TRUE(litmus_forbidden("2+2w", "seq_cst", "11"));
  EXPECT_EQ(litmus_outcomes("iriw").size(), 16u);
  EXPECT_EQ(litmus_threads("iriw"), 4);
  EXPECT_THROW(litmus_threads("dekker"), std::invalid_argument);
}

bool emulated() {
  const char* v = std::getenv("SYNCLAB_EMULATED");
  return v != nullptr && std::string_view(v) == "true";
}

// Under emulation (qemu user mode) the guest's atomics run with the host's
// memory model, so outcomes are counted but not judged there.
TEST(Litmus, NoForbiddenOutcomeUnderAnyOrdering) {
  const auto hw = HwlocTopology::load_this_machine();
  const bool judged = !emulated();
  for (std::string_view test : litmus_tests())
    for (std::string_view order : litmus_orders()) {
      const LitmusResult r = run_litmus(test, order, config(hw, litmus_threads(test), milliseconds(40)));
      const std::uint64_t sum = std::accumulate(r.outcomes.begin(), r.outcomes.end(), std::uint64_t{0},
                                                [](std::uint64_t s, const auto& o) { return s + o.second; });
      EXPECT_GT(r.trials, 0u) << test << "/" << order;
      EXPECT_EQ(sum, r.trials) << test << "/" << order;
      EXPECT_EQ(r.outcomes.size(), litmus_outcomes(test).size());
      if (judged) {
        EXPECT_EQ(r.forbidden, 0u) << test << "/" << order << ": an outcome the memory model forbids was observed";
      }
      for (const auto& [outcome, n] : r.outcomes)
        if (n > 0 && litmus_non_sc(test, outcome))
          RecordProperty(std::string(test) + "_" + std::string(order) + "_" + outcome, static_cast<int>(n));
    }
}

TEST(Litmus, RejectsAPlanWithTheWrongNumberOfThreads) {
  const auto hw = HwlocTopology::load_this_machine();
  EXPECT_THROW(run_litmus("iriw", "relaxed", config(hw, 2, milliseconds(1))), std::invalid_argument);
  EXPECT_THROW(run_litmus("sb", "acquire", config(hw, 2, milliseconds(1))), std::invalid_argument);
}

// The harness must be able to see a reordering the hardware does: x86-64's
// store buffer lets each thread's load pass its own store (sb "00" under
// relaxed). If this never shows, the trials are not lined up well enough for
// the other histograms to mean anything.
TEST(Litmus, StoreBufferingIsObservedOnX86) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the check is for x86-64 hardware";
#endif
  const auto hw = HwlocTopology::load_this_machine();
  if (hw.topology().pus.size() < 2) GTEST_SKIP() << "needs two PUs";
  if (under_thread_sanitizer()) GTEST_SKIP() << "the sanitizer's atomics change the timing";
  if (emulated()) GTEST_SKIP() << "an emulator does not reorder like the hardware";
  std::uint64_t seen = 0, trials = 0;
  for (int attempt = 0; attempt < 20 && seen == 0; ++attempt) {
    const LitmusResult r = run_litmus("sb", "relaxed", config(hw, 2, milliseconds(100)));
    seen += r.count("00");
    trials += r.trials;
  }
  EXPECT_GT(seen, 0u) << "no store buffering in " << trials << " trials";
}

TEST(Litmus, RelaxedSpinLockLosesNothingOnX86) {
  const auto hw = HwlocTopology::load_this_machine();
  const RelaxedSpinlockResult r = run_relaxed_spinlock(config(hw, 2, milliseconds(30)));
  EXPECT_GT(r.increments, 0u);
  EXPECT_EQ(r.counter + r.lost, r.increments);
#if defined(__x86_64__)
  if (!emulated()) {
    EXPECT_EQ(r.lost, 0u) << "x86-64 orders the relaxed lock's accesses in hardware (R-13)";
  }
#endif
}

}  // namespace
}  // namespace synclab::harness
