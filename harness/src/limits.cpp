#include "synclab/harness/limits.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
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
constexpr std::uint64_t kCheckClockEvery = 256;

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
  std::uint64_t trips = 0, now = start;
  for (std::uint64_t serve = 1;; serve += 2) {
    ball.value.store(serve, std::memory_order_release);
    while (ball.value.load(std::memory_order_acquire) != serve + 1) cpu_relax();
    ++trips;
    if (trips % kCheckClockEvery == 0 && (now = now_ns()) >= deadline) break;
  }
  ball.value.store(kStop, std::memory_order_release);
  b.join();
  hw.unpin_current_thread();
  const double roundtrip = static_cast<double>(now - start) / static_cast<double>(trips);
  return {roundtrip, roundtrip / 2, trips};
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
