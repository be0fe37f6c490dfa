// padding.cpp — the padding family: how far apart two written variables must
// be for their writers not to slow each other down, the book's chapter 7
// experiments, and what Padded<T, N> buys and costs in arrays of counters
// and locks (docs/padding.md).
#include "padding.hpp"

#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "families.hpp"
#include "synclab/harness/workloads/padding.hpp"
#include "synclab/locks/futex_mutex3.hpp"
#include "synclab/padding/padded.hpp"

// The ring indices of the channels family, padded at each width (issue: the
// spsc_ring's IndexPadding parameter), when the channels are built.
#if __has_include("synclab/channels/spsc_ring.hpp")
#include "synclab/channels/spsc_ring.hpp"
#include "synclab/harness/workloads/channel_workload.hpp"
#define SYNCLAB_PADDING_RING 1
#else
#define SYNCLAB_PADDING_RING 0
#endif

namespace synclab::bench {
namespace {

struct Family {
  CaseRegistry& registry;
  const harness::DriverConfig& base;
  const harness::HwlocTopology& hw;
  const harness::SuiteOptions& options;
  std::vector<int> order;  // the placement's PUs, in its order
  std::chrono::nanoseconds window;
};

std::string name_of(const Family& f, std::string_view primitive, std::string_view scenario, int threads) {
  harness::CasePlan plan;
  plan.level = harness::ContentionLevel{scenario};
  plan.threads = threads;
  return harness::case_name("padding", primitive, plan, f.options.placement);
}

harness::PinPlan pins_of(const Family& f, std::vector<int> pus) {
  const harness::TopologyClass cls = harness::classify(f.hw.topology(), pus);
  const int distinct = static_cast<int>(pus.size());
  return harness::PinPlan{std::move(pus), cls, distinct, false};
}

template <class Body>
void add_manual(const Family& f, const std::string& name, Body body) {
  if (!f.registry.add(name)) return;
  benchmark::RegisterBenchmark(name.c_str(),
                               [body](benchmark::State& state) {
                                 try {
                                   body(state);
                                 } catch (const std::exception& e) {
                                   state.SkipWithError(e.what());
                                 }
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

void register_distance(const Family& f) {
  const harness::PinPlan pins = pins_of(f, {f.order[0], f.order[1]});
  const harness::HwlocTopology* hw = &f.hw;
  const auto window = f.window;
  for (std::size_t bytes : harness::distance_sweep()) {
    add_manual(f, name_of(f, "distance", "write", 2) + "/bytes:" + std::to_string(bytes),
               [=](benchmark::State& state) {
                 harness::DistancePoint p;
                 for (auto _ : state) {
                   p = harness::measure_distance(hw, pins.pu_of_thread[0], pins.pu_of_thread[1], bytes, window);
                   state.SetIterationTime(p.ns_per_op * 1e-9);
                 }
                 state.counters["ns_per_op"] = p.ns_per_op;
                 state.counters["ops_per_sec"] = p.ops_per_sec;
                 state.counters["bytes"] = static_cast<double>(bytes);
                 state.SetLabel(pins.describe());
               });
  }
  // The whole sweep again inside one case, so the distance can be computed
  // here: run_suite runs every case in its own process. Two passes, the
  // second in reverse order, keeping each distance's faster result: noise
  // (another process on the PU, a vCPU descheduled) only ever slows a point
  // down, and a drift over time does not favour one end of the sweep.
  const auto point_window = std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(2), window / 16);
  add_manual(f, name_of(f, "distance", "summary", 2), [=](benchmark::State& state) {
    const auto distances = harness::distance_sweep();
    std::vector<harness::DistancePoint> sweep;
    for (auto _ : state) {
      sweep.assign(distances.size(), harness::DistancePoint{});
      for (int pass = 0; pass < 2; ++pass)
        for (std::size_t k = 0; k < distances.size(); ++k) {
          const std::size_t i = pass == 0 ? k : distances.size() - 1 - k;
          const harness::DistancePoint p =
              harness::measure_distance(hw, pins.pu_of_thread[0], pins.pu_of_thread[1], distances[i], point_window);
          if (pass == 0 || p.ns_per_op < sweep[i].ns_per_op) sweep[i] = p;
        }
      state.SetIterationTime(static_cast<double>(point_window.count()) * 1e-9 * 2.0 * static_cast<double>(sweep.size()));
    }
    const harness::InterferenceEstimate e = harness::estimate_interference(sweep);
    const harness::InterferenceConstants c = harness::interference_constants();
    auto slowdown_at = [&](std::size_t bytes) {
      for (const auto& p : sweep)
        if (p.bytes == bytes && e.baseline_ns > 0) return p.ns_per_op / e.baseline_ns;
      return 0.0;
    };
    state.counters["interference_bytes"] = e.bytes ? static_cast<double>(*e.bytes) : -1.0;
    state.counters["baseline_ns_per_op"] = e.baseline_ns;
    state.counters["max_slowdown"] = e.max_slowdown;
    state.counters["slowdown_at_0"] = slowdown_at(0);
    state.counters["slowdown_at_8"] = slowdown_at(8);
    state.counters["slowdown_at_64"] = slowdown_at(64);
    state.counters["slowdown_at_128"] = slowdown_at(128);
    state.counters["hardware_destructive_interference_size"] = static_cast<double>(c.destructive);
    state.counters["hardware_constructive_interference_size"] = static_cast<double>(c.constructive);
    state.counters["coherency_line_size"] = c.coherency_line_size ? static_cast<double>(*c.coherency_line_size) : 0.0;
    state.counters["reference_bytes"] = static_cast<double>(c.reference);
    state.counters["point_window_ms"] = static_cast<double>(point_window.count()) * 1e-6;
    state.counters["threshold"] = harness::kInterferenceThreshold;
    state.SetLabel(pins.describe());
  });
}

void register_ch7(const Family& f) {
  const harness::HwlocTopology* hw = &f.hw;
  const auto window = f.window;
  auto body = [=](harness::PinPlan pins, std::string_view bg, std::string_view target) {
    return [=](benchmark::State& state) {
      harness::Ch7Result r;
      const int bg_pu = pins.pu_of_thread.size() > 1 ? pins.pu_of_thread[1] : pins.pu_of_thread[0];
      for (auto _ : state) {
        r = harness::measure_ch7(hw, pins.pu_of_thread[0], bg_pu, bg, target, window);
        state.SetIterationTime(r.ns_per_load * 1e-9);
      }
      state.counters["ns_per_op"] = r.ns_per_load;
      state.counters["ops_per_sec"] = r.ns_per_load > 0 ? 1e9 / r.ns_per_load : 0;
      state.counters["background_ops_per_sec"] = r.background_ops_per_sec;
      state.SetLabel(pins.describe());
    };
  };
  add_manual(f, name_of(f, "ch7", "none", 1), body(pins_of(f, {f.order[0]}), "none", "same"));
  if (f.order.size() < 2) return;
  for (std::string_view bg : harness::ch7_background_ops())
    for (std::string_view target : harness::ch7_targets())
      add_manual(f, name_of(f, "ch7", bg, 2) + "/target:" + std::string(target),
                 body(pins_of(f, {f.order[0], f.order[1]}), bg, target));
}

// A driver case with the family's short window; `check` compares the
// workload's own count with the operations.
template <class W>
void add_driver_case(const Family& f, const std::string& name, int threads) {
  if (!f.registry.add(name)) return;
  CaseSetup setup;
  setup.plan.level = harness::ContentionLevel{"padding"};
  setup.plan.threads = threads;
  setup.plan.pins = harness::plan_pins(f.hw.topology(), f.options.placement, threads, false);
  setup.driver = f.base;
  setup.driver.plan = setup.plan.pins;
  setup.driver.case_name = name;
  setup.driver.duration = f.window;
  benchmark::RegisterBenchmark(name.c_str(),
                               [setup, threads](benchmark::State& state) {
                                 run_case(
                                     state, setup, [threads] { return std::make_unique<W>(threads); },
                                     [](const W& w, const harness::RunResult& run) -> std::string {
                                       if (w.total() != run.total_ops())
                                         return "count mismatch: " + std::to_string(w.total()) + " increments for " +
                                                std::to_string(run.total_ops()) + " operations";
                                       return {};
                                     });
                                 state.counters["bytes_per_element"] = static_cast<double>(W::bytes_per_element);
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

template <std::size_t N>
void register_padded_width(const Family& f, int t) {
  const std::string pad = "/pad:" + std::to_string(N);
  add_driver_case<harness::PaddedCountersWorkload<N>>(f, name_of(f, "padded_counters", "fetch_add", t) + pad, t);
  add_driver_case<harness::PaddedLocksWorkload<locks::FutexMutex3, N>>(
      f, name_of(f, "padded_locks", locks::FutexMutex3::name, t) + pad, t);
}

#if SYNCLAB_PADDING_RING
// padded_ring: spsc_ring<T, IndexPadding> streaming 8-byte messages 1:1 at
// capacity 1024 (the channels family's spsc workload) for each padding width;
// bytes_per_ring is sizeof the ring object, which holds the padded index
// blocks (the slot array is a separate allocation, the same at every width).
template <std::size_t N>
using PaddedRing = channels::SpscRing<harness::ChannelPayload<8>, N>;
template <std::size_t N>
using PaddedRingWorkload = harness::ChannelStreamWorkload<PaddedRing<N>>;
constexpr std::size_t kRingCapacity = 1024;
constexpr std::size_t kRingDefaultPadding = 128;  // the channels catalogue's spsc_ring

template <std::size_t N>
std::unique_ptr<PaddedRingWorkload<N>> make_ring_workload() {
  return std::make_unique<PaddedRingWorkload<N>>(harness::ChannelShape{1, 1}, kRingCapacity);
}

CaseSetup ring_setup(const Family& f, const std::string& name) {
  CaseSetup setup;
  setup.plan.level = harness::ContentionLevel{"padding"};
  setup.plan.threads = 2;
  setup.plan.pins = harness::plan_pins(f.hw.topology(), f.options.placement, 2, false);
  setup.driver = f.base;
  setup.driver.plan = setup.plan.pins;
  setup.driver.case_name = name;
  setup.driver.duration = f.window;
  return setup;
}

template <std::size_t N>
void register_padded_ring_width(const Family& f) {
  const std::string name = name_of(f, "padded_ring", "spsc", 2) + "/pad:" + std::to_string(N);
  if (!f.registry.add(name)) return;
  const CaseSetup setup = ring_setup(f, name);
  benchmark::RegisterBenchmark(name.c_str(),
                               [setup](benchmark::State& state) {
                                 harness::Metrics extra;
                                 run_case(state, setup, make_ring_workload<N>,
                                          [&extra](PaddedRingWorkload<N>& w, const harness::RunResult& run) {
                                            std::string error = w.verify();
                                            extra = w.extra_metrics(run);
                                            return error;
                                          });
                                 for (const auto& [metric, value] : extra) state.counters[metric] = value;
                                 state.counters["bytes_per_ring"] = static_cast<double>(sizeof(PaddedRing<N>));
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

// One width's messages per second in a window of `window` (0 on a failed check).
template <std::size_t N>
double ring_rate(harness::DriverConfig driver, std::chrono::nanoseconds window, std::string& error) {
  driver.duration = window;
  auto w = make_ring_workload<N>();
  const harness::RunResult run = harness::run_fixed_duration(driver, *w);
  if (std::string e = run.first_error(); !e.empty()) error = e;
  else if (std::string v = w->verify(); !v.empty()) error = v;
  return run.elapsed_s > 0 ? static_cast<double>(w->received()) / run.elapsed_s : 0.0;
}

// padded_ring/summary: every width in one case, two passes (the second in
// reverse order), the better window of each kept, so the slowdown of each
// width against the default (128) is a ratio from one process.
void register_padded_ring_summary(const Family& f) {
  const std::string name = name_of(f, "padded_ring", "summary", 2);
  const CaseSetup setup = ring_setup(f, name);
  const auto point = std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(2), f.window / 8);
  add_manual(f, name, [setup, point](benchmark::State& state) {
    constexpr std::size_t kWidths[] = {0, 64, 128, 256};
    constexpr std::size_t kBytes[] = {sizeof(PaddedRing<0>), sizeof(PaddedRing<64>), sizeof(PaddedRing<128>),
                                      sizeof(PaddedRing<256>)};
    double best[4] = {};
    std::string error;
    for (auto _ : state) {
      std::fill(std::begin(best), std::end(best), 0.0);
      for (int pass = 0; pass < 2; ++pass)
        for (int k = 0; k < 4; ++k) {
          const int i = pass == 0 ? k : 3 - k;
          double r = 0;
          switch (i) {
            case 0: r = ring_rate<0>(setup.driver, point, error); break;
            case 1: r = ring_rate<64>(setup.driver, point, error); break;
            case 2: r = ring_rate<128>(setup.driver, point, error); break;
            default: r = ring_rate<256>(setup.driver, point, error); break;
          }
          best[i] = std::max(best[i], r);
        }
      if (!error.empty()) {
        state.SkipWithError(error.c_str());
        return;
      }
      state.SetIterationTime(static_cast<double>(point.count()) * 1e-9 * 8.0);
    }
    const double reference = best[2];
    for (int i = 0; i < 4; ++i) {
      const std::string w = std::to_string(kWidths[i]);
      state.counters["messages_per_sec_pad_" + w] = best[i];
      state.counters["slowdown_pad_" + w] = best[i] > 0 ? reference / best[i] : 0.0;
      state.counters["bytes_per_ring_pad_" + w] = static_cast<double>(kBytes[i]);
    }
    state.counters["default_padding_bytes"] = static_cast<double>(kRingDefaultPadding);
    state.counters["point_window_ms"] = static_cast<double>(point.count()) * 1e-6;
    state.SetLabel(setup.plan.pins.describe());
  });
}

void register_padded_ring(const Family& f) {
  if (f.order.size() < 2) return;
  register_padded_ring_width<0>(f);
  register_padded_ring_width<64>(f);
  register_padded_ring_width<128>(f);
  register_padded_ring_width<256>(f);
  register_padded_ring_summary(f);
}
#endif

void record_context() {
  const harness::InterferenceConstants c = harness::interference_constants();
  benchmark::AddCustomContext("hardware_destructive_interference_size", std::to_string(c.destructive));
  benchmark::AddCustomContext("hardware_constructive_interference_size", std::to_string(c.constructive));
  benchmark::AddCustomContext("coherency_line_size",
                              c.coherency_line_size ? std::to_string(*c.coherency_line_size) : "unknown");
  benchmark::AddCustomContext("padding_default_bytes", std::to_string(padding::kDefaultPadding));
}

}  // namespace

void register_padding_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups,
                             const harness::HwlocTopology& hw, const harness::SuiteOptions& options) {
  if (setups.empty()) return;
  const Family f{registry, setups.front().driver, hw, options,
                 harness::placement_order(hw.topology(), options.placement), short_window(options)};
  const std::size_t before = registry.names.size();
  if (f.order.size() >= 2) register_distance(f);
  register_ch7(f);
  for (int t : family_thread_counts(hw.topology(), options)) {
    register_padded_width<0>(f, t);
    register_padded_width<64>(f, t);
    register_padded_width<128>(f, t);
    register_padded_width<256>(f, t);
  }
#if SYNCLAB_PADDING_RING
  register_padded_ring(f);
#endif
  if (registry.names.size() > before) record_context();
}

}  // namespace synclab::bench
