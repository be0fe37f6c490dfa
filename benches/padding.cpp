// padding.cpp — the padding family: how far apart two written variables must
// be for their writers not to slow each other down, the book's chapter 7
// experiments, and what Padded<T, N> buys and costs in arrays of counters,
// locks and ring indices (docs/padding.md). Cases with one thread belong to
// the `uncontended` level, the others to `high` (docs/contention.md).
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "families.hpp"
#include "synclab/channels/spsc_ring.hpp"
#include "synclab/harness/workloads/channel_workload.hpp"
#include "synclab/harness/workloads/padding.hpp"
#include "synclab/locks/futex_mutex3.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::bench {
namespace {

constexpr std::string_view kFamily = "padding";

harness::PinPlan pins_of(const FamilyContext& f, std::vector<int> pus) {
  const harness::TopologyClass cls = harness::classify(f.hw.topology(), pus);
  const int distinct = static_cast<int>(pus.size());
  return harness::PinPlan{std::move(pus), cls, distinct, false};
}

// Two passes over `points` measurements, the second in reverse order,
// keeping each point's better result: noise (another process on the PU, a
// vCPU descheduled) only ever makes a point worse, and a drift over time
// does not favour one end of the sweep. `better(a, b)` is true when a beats b.
template <class Point, class MeasurePoint, class Better>
std::vector<Point> best_of_two_passes(std::size_t points, MeasurePoint measure_point, Better better) {
  std::vector<Point> best(points);
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t k = 0; k < points; ++k) {
      const std::size_t i = pass == 0 ? k : points - 1 - k;
      const Point p = measure_point(i);
      if (pass == 0 || better(p, best[i])) best[i] = p;
    }
  return best;
}

Measurement distance_measurement(const harness::DistancePoint& p) {
  const double writes_per_thread = static_cast<double>(p.ops) / 2.0;
  return {p.ns_per_op * 1e-9 * writes_per_thread, writes_per_thread, {{"ns_per_op", p.ns_per_op},
                                                                      {"ops_per_sec", p.ops_per_sec},
                                                                      {"bytes", static_cast<double>(p.bytes)}}};
}

harness::Metrics interference_metrics(const std::vector<harness::DistancePoint>& sweep) {
  const harness::InterferenceEstimate e = harness::estimate_interference(sweep);
  const harness::InterferenceConstants c = harness::interference_constants();
  harness::Metrics m;
  if (e.bytes) m.emplace_back("interference_bytes", static_cast<double>(*e.bytes));
  else m.emplace_back("interference_beyond_bytes", static_cast<double>(sweep.back().bytes));  // even the largest is slowed
  m.emplace_back("baseline_ns_per_op", e.baseline_ns);
  m.emplace_back("max_slowdown", e.max_slowdown);
  for (std::size_t bytes : {0, 8, 64, 128})
    for (const auto& p : sweep)
      if (p.bytes == bytes) harness::put(m, "slowdown_at_" + std::to_string(bytes), harness::per(p.ns_per_op, e.baseline_ns));
  m.emplace_back("hardware_destructive_interference_size", static_cast<double>(c.destructive));
  m.emplace_back("hardware_constructive_interference_size", static_cast<double>(c.constructive));
  if (c.coherency_line_size) m.emplace_back("coherency_line_size", static_cast<double>(*c.coherency_line_size));
  m.emplace_back("reference_bytes", static_cast<double>(c.reference));
  m.emplace_back("threshold", harness::kInterferenceThreshold);
  return m;
}

void register_distance(const FamilyContext& f, const harness::PinPlan& pins) {
  const harness::HwlocTopology* hw = &f.hw;
  const auto window = f.short_window();
  for (std::size_t bytes : harness::distance_sweep()) {
    if (!f.options.sweeps) break;  // the summary below measures the whole sweep in one case
    register_case(f.registry, f.case_name(kFamily, "distance", "write", 2) + "/bytes:" + std::to_string(bytes),
                  pins.describe(), [=](std::uint64_t) {
                    return distance_measurement(
                        harness::measure_distance(hw, pins.pu_of_thread[0], pins.pu_of_thread[1], bytes, window));
                  });
  }
  // The whole sweep again inside one case, so the distance can be computed
  // here: run_suite runs every case in its own process.
  const auto point_window = std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(2), window / 16);
  register_case(f.registry, f.case_name(kFamily, "distance", "summary", 2), pins.describe(), [=](std::uint64_t) {
    const auto distances = harness::distance_sweep();
    const auto sweep = best_of_two_passes<harness::DistancePoint>(
        distances.size(),
        [&](std::size_t i) {
          return harness::measure_distance(hw, pins.pu_of_thread[0], pins.pu_of_thread[1], distances[i], point_window);
        },
        [](const auto& a, const auto& b) { return a.ns_per_op < b.ns_per_op; });
    Measurement m{static_cast<double>(point_window.count()) * 1e-9 * 2.0 * static_cast<double>(sweep.size()), 1,
                  interference_metrics(sweep)};
    m.metrics.emplace_back("point_window_ms", static_cast<double>(point_window.count()) * 1e-6);
    return m;
  });
}

void register_ch7_case(const FamilyContext& f, const std::string& name, const harness::PinPlan& pins,
                       std::string_view background, std::string_view target) {
  const harness::HwlocTopology* hw = &f.hw;
  const auto window = f.short_window();
  const int main_pu = pins.pu_of_thread[0];
  const int background_pu = pins.pu_of_thread.size() > 1 ? pins.pu_of_thread[1] : main_pu;
  register_case(f.registry, name, pins.describe(), [=](std::uint64_t) {
    const harness::Ch7Result r = harness::measure_ch7(hw, main_pu, background_pu, background, target, window);
    const double loads = static_cast<double>(r.loads);
    Measurement m{r.ns_per_load * 1e-9 * loads, loads, {{"ns_per_op", r.ns_per_load}}};
    harness::put(m.metrics, "ops_per_sec", harness::per(1e9, r.ns_per_load));
    m.metrics.emplace_back("background_ops_per_sec", r.background_ops_per_sec);
    return m;
  });
}

void register_ch7(const FamilyContext& f, const std::vector<int>& order) {
  if (f.runs("uncontended"))
    register_ch7_case(f, f.case_name(kFamily, "ch7", "none", 1), pins_of(f, {order[0]}), "none", "same");
  if (order.size() < 2 || !f.runs("high")) return;
  for (std::string_view bg : harness::ch7_background_ops())
    for (std::string_view target : harness::ch7_targets())
      register_ch7_case(f, f.case_name(kFamily, "ch7", bg, 2) + "/target:" + std::string(target),
                        pins_of(f, {order[0], order[1]}), bg, target);
}

template <class Workload>
void register_padded_case(const FamilyContext& f, std::string_view primitive, std::string_view scenario, int threads,
                          std::size_t pad) {
  CaseSetup setup = f.scenario(kFamily, primitive, scenario, threads);
  setup.driver.case_name += "/pad:" + std::to_string(pad);
  setup.driver.duration = f.short_window();
  register_window_case(f.registry, setup, [threads] { return std::make_unique<Workload>(threads); });
}

template <std::size_t N>
void register_padded_width(const FamilyContext& f, int t) {
  register_padded_case<harness::PaddedCountersWorkload<N>>(f, "padded_counters", "fetch_add", t, N);
  register_padded_case<harness::PaddedLocksWorkload<locks::FutexMutex3, N>>(f, "padded_locks", locks::FutexMutex3::name,
                                                                           t, N);
}

// padded_ring: spsc_ring<T, IndexPadding> streaming 8-byte messages 1:1 at
// capacity 1024 (the channels family's spsc workload) for each padding width;
// bytes_per_ring is sizeof the ring object, which holds the padded index
// blocks (the slot array is a separate allocation, the same at every width).
template <std::size_t N>
using PaddedRing = channels::SpscRing<harness::ChannelPayload<8>, N>;
template <std::size_t N>
class PaddedRingWorkload : public harness::ChannelStreamWorkload<PaddedRing<N>> {
 public:
  static constexpr std::size_t kCapacity = 1024;
  PaddedRingWorkload() : harness::ChannelStreamWorkload<PaddedRing<N>>(harness::ChannelShape{1, 1}, kCapacity) {}
  [[nodiscard]] harness::Metrics extra_metrics(const harness::RunResult& run) const {
    harness::Metrics m = harness::ChannelStreamWorkload<PaddedRing<N>>::extra_metrics(run);
    m.emplace_back("bytes_per_ring", static_cast<double>(sizeof(PaddedRing<N>)));
    return m;
  }
};
constexpr std::size_t kRingDefaultPadding = 128;  // the channels catalogue's spsc_ring

template <std::size_t N>
void register_padded_ring_width(const FamilyContext& f) {
  CaseSetup setup = f.scenario(kFamily, "padded_ring", "spsc", 2);
  setup.driver.case_name += "/pad:" + std::to_string(N);
  setup.driver.duration = f.short_window();
  register_window_case(f.registry, setup, [] { return std::make_unique<PaddedRingWorkload<N>>(); });
}

// One width's messages per second in a window of `window`.
template <std::size_t N>
double ring_rate(harness::DriverConfig driver, std::chrono::nanoseconds window) {
  driver.duration = window;
  PaddedRingWorkload<N> w;
  const Measurement m = measure_window(driver, w);
  if (!m.error.empty()) throw std::runtime_error(m.error);
  return static_cast<double>(w.received()) / m.elapsed_s;
}

// padded_ring/summary: every width in one case, two passes (the second in
// reverse order), the better window of each kept, so the slowdown of each
// width against the default (128) is a ratio from one process.
void register_padded_ring_summary(const FamilyContext& f) {
  const CaseSetup setup = f.scenario(kFamily, "padded_ring", "summary", 2);
  const auto point = std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(2), f.short_window() / 8);
  register_case(f.registry, setup.driver.case_name, setup.plan.pins.describe(), [setup, point](std::uint64_t) {
    constexpr std::size_t kWidths[] = {0, 64, 128, 256};
    constexpr std::size_t kBytes[] = {sizeof(PaddedRing<0>), sizeof(PaddedRing<64>), sizeof(PaddedRing<128>),
                                      sizeof(PaddedRing<256>)};
    const auto best = best_of_two_passes<double>(
        4,
        [&](std::size_t i) {
          switch (i) {
            case 0: return ring_rate<0>(setup.driver, point);
            case 1: return ring_rate<64>(setup.driver, point);
            case 2: return ring_rate<128>(setup.driver, point);
            default: return ring_rate<256>(setup.driver, point);
          }
        },
        [](double a, double b) { return a > b; });
    Measurement m{static_cast<double>(point.count()) * 1e-9 * 8.0, 1, {}};
    for (std::size_t i = 0; i < 4; ++i) {
      const std::string w = std::to_string(kWidths[i]);
      m.metrics.emplace_back("messages_per_sec_pad_" + w, best[i]);
      harness::put(m.metrics, "slowdown_pad_" + w, harness::per(best[2], best[i]));
      m.metrics.emplace_back("bytes_per_ring_pad_" + w, static_cast<double>(kBytes[i]));
    }
    m.metrics.emplace_back("default_padding_bytes", static_cast<double>(kRingDefaultPadding));
    m.metrics.emplace_back("point_window_ms", static_cast<double>(point.count()) * 1e-6);
    return m;
  });
}

// Every width in one summary case always; each width as a case of its own
// with sweeps.
void register_padded_ring(const FamilyContext& f) {
  if (f.options.sweeps) {
    register_padded_ring_width<0>(f);
    register_padded_ring_width<64>(f);
    register_padded_ring_width<128>(f);
    register_padded_ring_width<256>(f);
  }
  register_padded_ring_summary(f);
}

void record_context() {
  const harness::InterferenceConstants c = harness::interference_constants();
  benchmark::AddCustomContext("hardware_destructive_interference_size", std::to_string(c.destructive));
  benchmark::AddCustomContext("hardware_constructive_interference_size", std::to_string(c.constructive));
  benchmark::AddCustomContext("coherency_line_size",
                              c.coherency_line_size ? std::to_string(*c.coherency_line_size) : "unknown");
  benchmark::AddCustomContext("padding_default_bytes", std::to_string(padding::kDefaultPadding));
}

}  // namespace

void register_padding(const FamilyContext& f) {
  const std::vector<int> order = f.pus();
  const std::size_t before = f.registry.names.size();
  const bool pair = order.size() >= 2 && f.runs("high");
  if (pair) register_distance(f, pins_of(f, {order[0], order[1]}));
  register_ch7(f, order);
  for (int t : f.thread_counts()) {
    if (!f.runs(t == 1 ? "uncontended" : "high")) continue;
    register_padded_width<0>(f, t);  // unpadded against the default: the key pair
    register_padded_width<128>(f, t);
    if (!f.options.sweeps) continue;
    register_padded_width<64>(f, t);
    register_padded_width<256>(f, t);
  }
  if (pair) register_padded_ring(f);
  if (f.registry.names.size() > before) record_context();
}

}  // namespace synclab::bench
