#include "synclab/harness/limits.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::harness {
namespace {

// The ball: odd values are served by a, even values returned by b. The stop
// value is even, so b sees it where it expects its next serve and leaves.
struct alignas(128) Ball {
  std::atomic<std::uint64_t> value{0};
};
constexpr std::uint64_t kStop = ~std::uint64_t{0} - 1;
// The clock is read once per batch (about 0.1 ns per round trip); short
// batches let the fastest one be a stretch where neither thread was preempted.
constexpr std::uint64_t kCheckClockEvery = 32;
// A pair's reference is the best of a few windows: on a loaded machine one
// window may never see both threads running at once.
constexpr int kReferenceWindows = 3;

constexpr std::array<std::string_view, 5> kAtomicOps = {"fetch_add", "cas", "exchange", "seqcst_store", "pause"};
constexpr std::array<std::string_view, 2> kSyscallOps = {"getppid", "futex_wake_nowaiter"};

// Runs `op` in batches of 64 until `window` has passed; the clock is read
// once per batch so its cost stays out of the per-operation figure.
template <class Op>
OperationCost run_for(std::chrono::nanoseconds window, Op op) {
  constexpr std::uint64_t kBatch = 64;
  const std::uint64_t start = now_ns();
  const std::uint64_t deadline = start + static_cast<std::uint64_t>(window.count());
  std::uint64_t ops = 0, now = start;
  do {
    for (std::uint64_t i = 0; i < kBatch; ++i) op();
    ops += kBatch;
    now = now_ns();
  } while (now < deadline);
  return {static_cast<double>(now - start) / static_cast<double>(ops), ops};
}

}  // namespace

PingPongResult measure_pingpong(const HwlocTopology& hw, int pu_a, int pu_b, std::chrono::nanoseconds window) {
  Ball ball;
  std::atomic<int> ready{0};
  std::string b_error;
  // Acquire/release is what a lock handoff uses; relaxed would measure the
  // same transfers on x86 but not on weaker architectures.
  std::thread b([&] {
    try {
      hw.pin_current_thread(pu_b);
    } catch (const std::exception& e) {
      b_error = e.what();
    }
    ready.fetch_add(1, std::memory_order_release);
    if (!b_error.empty()) return;
    for (std::uint64_t expect = 1;; expect += 2) {
      std::uint64_t v;
      while ((v = ball.value.load(std::memory_order_acquire)) != expect) {
        if (v == kStop) return;
        cpu_relax();
      }
      ball.value.store(expect + 1, std::memory_order_release);
    }
  });
  try {
    hw.pin_current_thread(pu_a);
  } catch (...) {
    ball.value.store(kStop, std::memory_order_release);
    b.join();
    throw;
  }
  while (ready.load(std::memory_order_acquire) == 0) std::this_thread::yield();
  if (!b_error.empty()) {
    b.join();
    hw.unpin_current_thread();
    throw TopologyError(b_error);
  }
  const std::uint64_t start = now_ns();
  const std::uint64_t deadline = start + static_cast<std::uint64_t>(window.count());
  std::uint64_t trips = 0, now = start, batch_start = start;
  std::uint64_t best_batch = ~std::uint64_t{0};
  for (std::uint64_t serve = 1;; serve += 2) {
    ball.value.store(serve, std::memory_order_release);
    while (ball.value.load(std::memory_order_acquire) != serve + 1) cpu_relax();
    ++trips;
    if (trips % kCheckClockEvery == 0) {
      now = now_ns();
      best_batch = std::min(best_batch, now - batch_start);
      batch_start = now;
      if (now >= deadline) break;
    }
  }
  ball.value.store(kStop, std::memory_order_release);
  b.join();
  hw.unpin_current_thread();
  const double roundtrip = static_cast<double>(now - start) / static_cast<double>(trips);
  const double best_roundtrip = static_cast<double>(best_batch) / static_cast<double>(kCheckClockEvery);
  return {roundtrip, roundtrip / 2, trips, best_roundtrip / 2};
}

std::vector<std::pair<int, int>> reference_pairs(std::span<const int> pus) {
  std::vector<int> distinct;
  for (int pu : pus)
    if (std::find(distinct.begin(), distinct.end(), pu) == distinct.end()) distinct.push_back(pu);
  std::vector<std::pair<int, int>> all;
  for (std::size_t i = 0; i < distinct.size(); ++i)
    for (std::size_t j = i + 1; j < distinct.size(); ++j)
      all.emplace_back(std::min(distinct[i], distinct[j]), std::max(distinct[i], distinct[j]));
  if (all.size() <= static_cast<std::size_t>(kMaxReferencePairs)) return all;
  std::vector<std::pair<int, int>> spread;
  for (std::size_t k = 0; k < static_cast<std::size_t>(kMaxReferencePairs); ++k)
    spread.push_back(all[k * all.size() / kMaxReferencePairs]);
  return spread;
}

std::optional<OnewayReference> reference_oneway(const HwlocTopology& hw, std::span<const int> pus,
                                                std::chrono::nanoseconds window_per_pair) {
  static std::mutex mutex;
  static std::map<std::pair<int, int>, double> oneway_by_pair;
  const std::vector<std::pair<int, int>> pairs = reference_pairs(pus);
  if (pairs.empty()) return std::nullopt;
  const std::lock_guard lock(mutex);
  double sum = 0;
  for (const auto& pair : pairs) {
    auto it = oneway_by_pair.find(pair);
    if (it == oneway_by_pair.end()) {
      double best = measure_pingpong(hw, pair.first, pair.second, window_per_pair).best_oneway_ns;
      for (int w = 1; w < kReferenceWindows; ++w)
        best = std::min(best, measure_pingpong(hw, pair.first, pair.second, window_per_pair).best_oneway_ns);
      it = oneway_by_pair.emplace(pair, best).first;
    }
    sum += it->second;
  }
  return OnewayReference{sum / static_cast<double>(pairs.size()), static_cast<int>(pairs.size())};
}

std::span<const std::string_view> atomic_operations() { return kAtomicOps; }
std::span<const std::string_view> syscall_operations() { return kSyscallOps; }

OperationCost measure_cost(std::string_view operation, std::chrono::nanoseconds window) {
  // One cache line per run, owned by this thread: the uncontended cost.
  alignas(64) static thread_local std::atomic<std::uint64_t> word{0};
  alignas(64) static thread_local std::atomic<std::uint32_t> futex_word{0};
  if (operation == "fetch_add")
    return run_for(window, [] { word.fetch_add(1, std::memory_order_seq_cst); });
  if (operation == "cas")
    return run_for(window, [] {
      std::uint64_t expected = word.load(std::memory_order_relaxed);
      word.compare_exchange_strong(expected, expected + 1, std::memory_order_seq_cst);
    });
  if (operation == "exchange")
    return run_for(window, [] { word.exchange(1, std::memory_order_seq_cst); });
  if (operation == "seqcst_store")
    return run_for(window, [] { word.store(1, std::memory_order_seq_cst); });
  if (operation == "pause") return run_for(window, [] { cpu_relax(); });
  if (operation == "getppid") return run_for(window, [] { ::syscall(SYS_getppid); });
  if (operation == "futex_wake_nowaiter") return run_for(window, [] { wait::futex_wake_one(futex_word); });
  throw std::invalid_argument("unknown operation '" + std::string(operation) + "'");
}

}  // namespace synclab::harness
