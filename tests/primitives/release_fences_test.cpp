// The fences release builds run and ThreadSanitizer never sees.
//
// channels/event_count.hpp orders "publish, then look for sleepers" against
// "count myself as a sleeper, then look at the condition" with a seq_cst
// fence on each side (a Dekker pair); refcount/detail.hpp puts an acquire
// fence after the final release decrement. TSan does not model stand-alone
// fences, so under TSan both headers compile RMWs or loads instead: the code
// a release build runs is not the code TSan checks. These tests check the
// release code itself:
//   - a Dekker race, round by round, between a publication followed by
//     notify_one() and a sleeper: the event count as shipped must never lose
//     the wake-up; the twin with the fence pair weakened to acquire fences
//     (no instruction on x86-64, `dmb ishld` on arm64: neither keeps a store
//     before a later load, so the notifier's store and load may pass each
//     other) must lose one;
//   - a census of the compiled code: the shipped notify path contains the
//     architecture's full barrier and the weakened twin's does not; on arm64
//     the reference counts' final-decrement path contains its load barrier
//     (on x86-64 an acquire fence is no instruction, so there is nothing to
//     count there).
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/channels/event_count.hpp"
#include "synclab/refcount/detail.hpp"
#include "synclab/testing/cpu_affinity.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::channels::BasicEventCount;
using synclab::channels::EventCount;
using synclab::testing::AffinityRestorer;
using synclab::testing::allowed_cpus;
using synclab::testing::pin_current_thread;

// BROKEN: the event count with its fence pair weakened to acquire fences,
// which give no store-load order: a notifier may read `sleepers` before its
// publication is visible while the waiter reads the condition before its
// count is, and nobody wakes the waiter. (Not acq_rel: arm64 compiles that to
// the same full barrier as seq_cst.)
struct WeakenedFences {
  static void announce(std::atomic<std::uint32_t>& sleepers) noexcept {
    sleepers.fetch_add(1, std::memory_order_relaxed);
  }
  static void barrier() noexcept { std::atomic_thread_fence(std::memory_order_acquire); }
  static std::uint32_t look(std::atomic<std::uint32_t>& sleepers) noexcept {
    return sleepers.load(std::memory_order_relaxed);
  }
};
using WeakenedEventCount = BasicEventCount<WeakenedFences>;

bool under_thread_sanitizer() {
#if defined(__SANITIZE_THREAD__)
  return true;
#else
  return false;
#endif
}

bool emulated() {
  const char* v = std::getenv("SYNCLAB_EMULATED");
  return v != nullptr && std::string_view(v) == "true";
}

struct DekkerRaceResult {
  std::uint64_t rounds = 0;
  std::uint64_t lost = 0;  // rounds in which the waiter went to sleep and no notify came for it
};

// Round r: both threads meet at a spin barrier, each waits a random handful
// of pauses (so the two sides' instructions slide across each other), then
//   notifier: flag = r (release store); ec.notify_one();
//   waiter:   token = ec.prepare_wait(); flag == r ? cancel_wait() : wait(token).
// A lost wake-up is seen without any timeout: once notify_one() has
// returned, a waiter that announced it would sleep with `token` while the
// epoch still equals `token` was not woken and never will be (only a notify
// moves the epoch). The notifier then counts it and rescues the waiter with
// notify_all(). Runs at least `min_rounds` rounds and `budget`, at most
// `cap`; with stop_at_first_loss, until the first loss.
template <class EC>
DekkerRaceResult race_publication_against_sleeper(std::uint64_t min_rounds, std::chrono::milliseconds budget,
                                                  std::chrono::milliseconds cap, bool stop_at_first_loss) {
  const AffinityRestorer restore;
  const std::vector<int> cpus = allowed_cpus();
  EC ec;
  std::atomic<std::uint64_t> flag{0};
  std::atomic<std::uint64_t> arrived{0};
  std::atomic<std::uint64_t> sleeping_round{0};  // round for which the waiter is about to call wait()
  std::atomic<std::uint32_t> sleeping_token{0};
  std::atomic<std::uint64_t> waiter_done{0};
  std::atomic<bool> stop{false};
  DekkerRaceResult result;

  const auto meet = [&](std::uint64_t round) {
    arrived.fetch_add(1, std::memory_order_acq_rel);
    while (arrived.load(std::memory_order_acquire) < 2 * round) synclab::cpu_relax();
  };
  const auto pause = [](std::minstd_rand& rng) {
    for (std::uint32_t i = rng() % 8; i > 0; --i) synclab::cpu_relax();
  };

  std::thread waiter([&] {
    if (cpus.size() >= 2) static_cast<void>(pin_current_thread(cpus[1]));
    std::minstd_rand rng(2);
    for (std::uint64_t round = 1;; ++round) {
      meet(round);
      if (stop.load(std::memory_order_acquire)) break;
      pause(rng);
      const auto token = ec.prepare_wait();
      if (flag.load(std::memory_order_acquire) == round) {
        ec.cancel_wait();
      } else {
        sleeping_token.store(token, std::memory_order_relaxed);
        sleeping_round.store(round, std::memory_order_release);
        ec.wait(token);
      }
      waiter_done.store(round, std::memory_order_release);
    }
  });

  if (cpus.size() >= 2) static_cast<void>(pin_current_thread(cpus[0]));
  std::minstd_rand rng(1);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t round = 1;
  for (;; ++round) {
    const auto now = std::chrono::steady_clock::now();
    const bool last = (round > min_rounds && now >= start + budget) || now >= start + cap ||
                      (stop_at_first_loss && result.lost > 0);
    if (last) stop.store(true, std::memory_order_release);
    meet(round);
    if (last) break;
    pause(rng);
    flag.store(round, std::memory_order_release);
    ec.notify_one();
    while (waiter_done.load(std::memory_order_acquire) != round) {
      if (sleeping_round.load(std::memory_order_acquire) == round &&
          ec.epoch() == sleeping_token.load(std::memory_order_relaxed)) {
        ++result.lost;
        ec.notify_all();  // the rescue
        break;
      }
      synclab::cpu_relax();
    }
    while (waiter_done.load(std::memory_order_acquire) != round) synclab::cpu_relax();
  }
  waiter.join();
  result.rounds = round - 1;
  return result;
}

TEST(EventCountFences, TheShippedEventCountNeverLosesAWakeUpInADekkerRace) {
  const auto r = race_publication_against_sleeper<EventCount>(20'000, 300ms, 10s, false);
  EXPECT_GT(r.rounds, 0u);
  EXPECT_EQ(r.lost, 0u) << "in " << r.rounds << " rounds";
}

TEST(EventCountFencesBroken, WeakenedFencesLoseAWakeUpInADekkerRace) {
  if (under_thread_sanitizer()) GTEST_SKIP() << "the race is about the fences release builds run";
  if (emulated()) GTEST_SKIP() << "an emulator does not reorder like the hardware";
  if (allowed_cpus().size() < 2) GTEST_SKIP() << "needs two CPUs";
  const auto r = race_publication_against_sleeper<WeakenedEventCount>(0, 20s, 20s, true);
  EXPECT_GT(r.lost, 0u) << "no lost wake-up in " << r.rounds << " rounds: the race cannot see a missing fence";
}

// --- The census -------------------------------------------------------------------

}  // namespace

// Out-of-line copies of the paths whose barriers are counted, with names the
// disassembler finds.
extern "C" {
[[gnu::noinline]] void synclab_fence_census_shipped_notify(EventCount* ec) { ec->notify_one(); }
[[gnu::noinline]] void synclab_fence_census_weakened_notify(WeakenedEventCount* ec) { ec->notify_one(); }
[[gnu::noinline]] void synclab_fence_census_refcount_final_decrement(std::atomic<std::size_t>* count) {
  synclab::refcount::detail::acquire_after_release_decrements(*count);
}
}

namespace {

// The disassembly of `symbol` in this test binary, or nullopt if objdump is
// not there or does not know the symbol.
std::optional<std::string> disassembly_of(const char* symbol) {
  std::array<char, 4096> self{};
  const ssize_t length = readlink("/proc/self/exe", self.data(), self.size() - 1);
  if (length <= 0) return std::nullopt;
  const std::string command = std::string("objdump -d --no-show-raw-insn --disassemble=") + symbol + " '" +
                              std::string(self.data(), static_cast<std::size_t>(length)) + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return std::nullopt;
  std::string text;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()) != nullptr) text += buffer.data();
  if (text.find(std::string("<") + symbol + ">:") == std::string::npos) return std::nullopt;
  return text;
}

// The instruction a seq_cst fence compiles to: mfence or a locked RMW on the
// stack on x86-64 (GCC chooses), dmb ish on arm64.
const std::regex& full_barrier() {
#if defined(__x86_64__)
  static const std::regex re(R"(\bmfence\b|\block or[lq]? +\$0x0,)");
#elif defined(__aarch64__)
  static const std::regex re(R"(\bdmb\s+ish\b)");
#else
  static const std::regex re("(?!)");
#endif
  return re;
}

TEST(FenceCensus, TheShippedNotifyHasAFullBarrierAndTheWeakenedOneNone) {
  if (under_thread_sanitizer()) GTEST_SKIP() << "a TSan build compiles RMWs instead of the fences";
#if !defined(__x86_64__) && !defined(__aarch64__)
  GTEST_SKIP() << "no barrier pattern for this architecture";
#endif
  const auto shipped = disassembly_of("synclab_fence_census_shipped_notify");
  const auto weakened = disassembly_of("synclab_fence_census_weakened_notify");
  if (!shipped || !weakened) GTEST_SKIP() << "objdump cannot disassemble this binary";
  EXPECT_TRUE(std::regex_search(*shipped, full_barrier())) << *shipped;
  EXPECT_FALSE(std::regex_search(*weakened, full_barrier())) << *weakened;
}

TEST(FenceCensus, TheFinalDecrementHasItsLoadBarrierOnArm64) {
#if !defined(__aarch64__)
  GTEST_SKIP() << "an acquire fence is no instruction on this architecture (x86-64 orders loads already)";
#else
  if (under_thread_sanitizer()) GTEST_SKIP() << "a TSan build compiles an acquire load instead of the fence";
  const auto code = disassembly_of("synclab_fence_census_refcount_final_decrement");
  if (!code) GTEST_SKIP() << "objdump cannot disassemble this binary";
  EXPECT_TRUE(std::regex_search(*code, std::regex(R"(\bdmb\s+ishld\b)"))) << *code;
#endif
}

}  // namespace
