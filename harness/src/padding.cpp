#include "synclab/harness/workloads/padding.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <new>
#include <stdexcept>
#include <vector>

#include "synclab/harness/workloads/pinned_loops.hpp"

namespace synclab::harness {
namespace {

constexpr std::array<std::size_t, 36> make_sweep() {
  std::array<std::size_t, 36> s{};
  std::size_t i = 0;
  for (std::size_t b = 0; b <= 256; b += 8) s[i++] = b;  // 33 points
  s[i++] = 320;
  s[i++] = 384;
  s[i++] = 512;
  return s;
}
constexpr std::array<std::size_t, 36> kSweep = make_sweep();
static_assert(kSweep.back() == 512);

constexpr std::array<std::string_view, 3> kBackgroundOps = {"load", "store", "cas_fail"};
constexpr std::array<std::string_view, 3> kTargets = {"same", "neighbour", "padded"};

// One page of 8-byte words; the measured counters live inside it, so their
// distance is exact and the first one starts a page (and a line pair).
struct alignas(4096) Arena {
  std::array<std::atomic<std::uint64_t>, 512> words{};
};
static_assert(sizeof(Arena) == 4096);

}  // namespace

std::span<const std::size_t> distance_sweep() { return kSweep; }

DistancePoint measure_distance(const HwlocTopology* hw, int pu_a, int pu_b, std::size_t bytes,
                               std::chrono::nanoseconds window) {
  if (bytes % 8 != 0 || bytes > 512) throw std::invalid_argument("distance must be a multiple of 8 up to 512 bytes");
  auto arena = std::make_unique<Arena>();
  std::atomic<std::uint64_t>& a = arena->words[0];
  std::atomic<std::uint64_t>& b = arena->words[bytes / 8];
  // A write that is not an RMW: load + store of the thread's own counter
  // (two plain moves on x86-64). At distance 0 both threads write one
  // counter and increments are lost, which does not matter here.
  auto writer = [](std::atomic<std::uint64_t>& c) {
    return [&c](std::uint64_t n) {
      std::atomic<std::uint64_t>* const p = &c;  // a local: not reloaded after every store
      keep_address(p);
      for (std::uint64_t i = 0; i < n; ++i) p->store(p->load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    };
  };
  const std::array<int, 2> pus = {pu_a, pu_b};
  const LoopCounts counts = run_pinned_loops(hw, pus, {writer(a), writer(b)}, window);
  DistancePoint p;
  p.bytes = bytes;
  p.ops = counts.total();
  const double per_thread = static_cast<double>(p.ops) / 2.0;
  p.ns_per_op = per_thread > 0 ? counts.elapsed_s * 1e9 / per_thread : 0;
  p.ops_per_sec = counts.elapsed_s > 0 ? static_cast<double>(p.ops) / counts.elapsed_s : 0;
  return p;
}

InterferenceEstimate estimate_interference(std::span<const DistancePoint> sweep, double threshold) {
  InterferenceEstimate e;
  if (sweep.empty()) return e;
  std::vector<DistancePoint> points(sweep.begin(), sweep.end());
  std::sort(points.begin(), points.end(), [](const auto& x, const auto& y) { return x.bytes < y.bytes; });
  // Baseline: the median of the four largest distances (or fewer), so one
  // slow point out there does not move it.
  const std::size_t k = std::min<std::size_t>(4, points.size());
  std::vector<double> tail;
  for (std::size_t i = points.size() - k; i < points.size(); ++i) tail.push_back(points[i].ns_per_op);
  std::sort(tail.begin(), tail.end());
  e.baseline_ns = (tail[(tail.size() - 1) / 2] + tail[tail.size() / 2]) / 2;
  if (!(e.baseline_ns > 0)) return e;
  std::vector<double> slowdown;
  for (const DistancePoint& p : points) {
    slowdown.push_back(p.ns_per_op / e.baseline_ns);
    e.max_slowdown = std::max(e.max_slowdown, slowdown.back());
  }
  // A distance is slowed down when it and the next shorter one both are:
  // false sharing slows every distance below the one where it ends, while
  // noise hits single points. Distance 0 (one shared counter) stands alone.
  auto slowed = [&](std::size_t i) { return slowdown[i] > threshold && (i == 0 || slowdown[i - 1] > threshold); };
  std::size_t from = 0;
  for (std::size_t i = points.size(); i-- > 0;) {
    if (slowed(i)) {
      if (i + 1 == points.size()) return e;  // slowed down even at the largest distance
      from = i + 1;
      break;
    }
  }
  e.bytes = points[from].bytes;
  return e;
}

std::optional<std::size_t> read_coherency_line_size(const std::string& path) {
  std::ifstream in(path);
  long long v = 0;
  if (!(in >> v) || v <= 0) return std::nullopt;
  return static_cast<std::size_t>(v);
}

InterferenceConstants interference_constants() {
  InterferenceConstants c;
#if defined(__cpp_lib_hardware_interference_size)
  // GCC warns that the value depends on -mtune; recording that value is the
  // point here, so the warning is silenced for these two lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winterference-size"
  c.destructive = std::hardware_destructive_interference_size;
  c.constructive = std::hardware_constructive_interference_size;
#pragma GCC diagnostic pop
#endif
  c.coherency_line_size = read_coherency_line_size();
  return c;
}

std::span<const std::string_view> ch7_background_ops() { return kBackgroundOps; }
std::span<const std::string_view> ch7_targets() { return kTargets; }

Ch7Result measure_ch7(const HwlocTopology* hw, int pu_main, int pu_background, std::string_view background_op,
                      std::string_view target, std::chrono::nanoseconds window) {
  const bool alone = background_op == "none";
  if (!alone && std::find(kBackgroundOps.begin(), kBackgroundOps.end(), background_op) == kBackgroundOps.end())
    throw std::invalid_argument("unknown background operation '" + std::string(background_op) + "'");
  if (std::find(kTargets.begin(), kTargets.end(), target) == kTargets.end())
    throw std::invalid_argument("unknown target '" + std::string(target) + "'");
  auto arena = std::make_unique<Arena>();
  // The measured variable starts a 128-byte block; its neighbour is the next
  // word of the same line; the padded one starts the next 128-byte
  // block (R-9 with 128-byte alignment, the book's tip for newer CPUs).
  std::atomic<std::uint64_t>& measured = arena->words[16];
  std::atomic<std::uint64_t>& other = target == "same"        ? arena->words[16]
                                      : target == "neighbour" ? arena->words[17]
                                                              : arena->words[32];
  std::vector<std::function<void(std::uint64_t)>> loops;
  loops.emplace_back([&measured](std::uint64_t n) {
    keep_address(&measured);
    for (std::uint64_t i = 0; i < n; ++i) keep(measured.load(std::memory_order_relaxed));
  });
  if (!alone) {
    if (background_op == "load") {
      loops.emplace_back([&other](std::uint64_t n) {
        keep_address(&other);
        for (std::uint64_t i = 0; i < n; ++i) keep(other.load(std::memory_order_relaxed));
      });
    } else if (background_op == "store") {
      loops.emplace_back([&other](std::uint64_t n) {
        keep_address(&other);
        for (std::uint64_t i = 0; i < n; ++i) other.store(0, std::memory_order_relaxed);
      });
    } else {  // cas_fail: the variable stays 0, so 10 -> 20 never succeeds
      loops.emplace_back([&other](std::uint64_t n) {
        keep_address(&other);
        for (std::uint64_t i = 0; i < n; ++i) {
          std::uint64_t expected = 10;
          keep(other.compare_exchange_strong(expected, 20, std::memory_order_relaxed, std::memory_order_relaxed));
        }
      });
    }
  }
  const std::array<int, 2> pus = {pu_main, pu_background};
  const LoopCounts counts =
      run_pinned_loops(hw, std::span<const int>(pus.data(), alone ? 1 : 2), loops, window);
  Ch7Result r;
  r.loads = counts.ops[0];
  r.ns_per_load = r.loads > 0 ? counts.elapsed_s * 1e9 / static_cast<double>(r.loads) : 0;
  if (!alone && counts.elapsed_s > 0) r.background_ops_per_sec = static_cast<double>(counts.ops[1]) / counts.elapsed_s;
  return r;
}

}  // namespace synclab::harness
