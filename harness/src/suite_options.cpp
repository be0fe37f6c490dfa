#include "synclab/harness/suite_options.hpp"

#include "synclab/harness/split.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string_view>

namespace synclab::harness {
namespace {

constexpr std::string_view kPrefix = "--synclab_";
constexpr double kMaxThreadsPerPu = 64;
// The lock workload writes at most this many protected lines (LockWorkload::kMaxCsLines).
constexpr std::uint32_t kMaxCustomCsLines = 8;

template <class T>
T parse_number(std::string_view flag, std::string_view text, T min, T max) {
  T v{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty() || v < min || v > max)
    throw UsageError("--synclab_" + std::string(flag) + "=" + std::string(text) + ": expected a number from " +
                     std::to_string(min) + " to " + std::to_string(max));
  return v;
}

bool parse_on_off(std::string_view flag, std::string_view v) {
  if (v == "on" || v == "true" || v == "1") return true;
  if (v == "off" || v == "false" || v == "0") return false;
  throw UsageError("--synclab_" + std::string(flag) + "=" + std::string(v) + ": expected on or off");
}

constexpr SuiteFlag kSuiteFlags[] = {
    {"contention", "LEVEL[,LEVEL...]", "contention levels (uncontended, low, medium, high, oversubscribed, oversub_sweep)"},
    {"cs_ns", "NS", "custom level: critical section length in ns (with cs_lines and think_ns)"},
    {"think_ns", "NS", "custom level: think time between operations in ns"},
    {"cs_lines", "N", "custom level: cache lines written in the critical section (1 to 8)"},
    {"threads", "N[,N...]", "thread counts (default 1, 2, 4, ... and the placement's PU count)"},
    {"oversubscription", "F[,F...]", "threads per PU of the oversub_sweep level (default 0.5,1,2,4)"},
    {"placement", "POLICY", "compact, scatter or cpus:LIST (docs/contention.md)"},
    {"duration_ms", "MS", "measured window per repetition (default 300)"},
    {"sweeps", "on|off", "off: only each family's key cases, no sweeps along one axis (default on)"},
    {"sampling", "on|off", "latency sampling (default on)"},
    {"sample_every", "N", "time one operation in N, a power of two (default 64)"},
    {"delay_calibration", "ITERS_PER_US", "skip the delay-loop calibration and use this value"},
    {"print_calibration", "", "print the delay-loop calibration as JSON and exit"},
    {"watchdog_s", "S", "grace after the window before a hung case is stopped (default 10)"},
    {"counters", "SET|EV[,EV...]", "perf events: auto, off, default, cache, coherence, os or a list (docs/counters.md)"},
    {"counters_kernel", "on|off", "hardware events count kernel mode too (default on)"},
    {"counter_rotation", "on|off", "one hardware event group per repetition (default off)"},
    {"list_counters", "", "print every event of every set and whether it opens here, then exit"},
    {"describe", "", "print the run parameters (families, levels, thread counts) as JSON, then exit"},
    {"hold_futex_tracepoints", "", "keep the futex tracepoints registered until stdin closes (run beside the cases, docs/counters.md)"},
    {"plugin", "PATH[,PATH...]", "lock plugins (synclab/harness/lock_plugin.h) run in every lock scenario (docs/apps.md)"},
    {"test_cases", "", "add the test-only cases (a lock that never unlocks, for the watchdog's tests)"},
};

bool known_flag(std::string_view flag) {
  return std::any_of(std::begin(kSuiteFlags), std::end(kSuiteFlags), [&](const SuiteFlag& f) { return f.name == flag; });
}

void apply(SuiteOptions& o, std::string_view flag, std::string_view value, bool has_value) {
  if (!known_flag(flag)) throw UsageError("unknown flag --synclab_" + std::string(flag) + " (see --help)");
  auto need_value = [&] {
    if (!has_value || value.empty()) throw UsageError("--synclab_" + std::string(flag) + " needs a value (=...)");
  };
  if (flag == "threads") {
    need_value();
    o.threads.clear();
    for (std::string_view t : split_list(value)) {
      const int n = parse_number<int>(flag, t, 1, 4096);
      if (std::find(o.threads.begin(), o.threads.end(), n) == o.threads.end()) o.threads.push_back(n);
    }
  } else if (flag == "contention") {
    need_value();
    o.contention.clear();
    for (std::string_view c : split_list(value)) {
      if (!find_contention_level(c)) {
        std::string known;
        for (const ContentionLevel& l : contention_levels()) known += (known.empty() ? "" : ", ") + std::string(l.name);
        throw UsageError("unknown contention level '" + std::string(c) + "' (known: " + known + ")");
      }
      o.contention.emplace_back(c);
    }
  } else if (flag == "cs_ns" || flag == "think_ns" || flag == "cs_lines") {
    need_value();
    CustomLevel& custom = o.custom ? *o.custom : o.custom.emplace();
    if (flag == "cs_ns") custom.cs_ns = parse_number<std::uint64_t>(flag, value, 0, 10'000'000);
    else if (flag == "think_ns") custom.think_ns = parse_number<std::uint64_t>(flag, value, 0, 10'000'000);
    else custom.cs_lines = parse_number<std::uint32_t>(flag, value, 1, kMaxCustomCsLines);
  } else if (flag == "sweeps") {
    need_value();
    o.sweeps = parse_on_off(flag, value);
  } else if (flag == "describe") {
    o.describe = !has_value || parse_on_off(flag, value);
  } else if (flag == "oversubscription") {
    need_value();
    o.oversubscription.clear();
    for (std::string_view f : split_list(value)) {
      double v = 0;
      auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
      if (ec != std::errc() || p != f.data() + f.size() || f.empty() || !(v > 0) || v > kMaxThreadsPerPu)
        throw UsageError("--synclab_oversubscription=" + std::string(value) + ": expected threads per PU, each above 0 and at most " +
                         std::to_string(static_cast<int>(kMaxThreadsPerPu)) + " (e.g. 0.5,1,2,4)");
      if (std::find(o.oversubscription.begin(), o.oversubscription.end(), v) == o.oversubscription.end())
        o.oversubscription.push_back(v);
    }
  } else if (flag == "placement") {
    need_value();
    try {
      o.placement = parse_placement(value);
    } catch (const PlacementError& e) {
      throw UsageError(e.what());
    }
  } else if (flag == "duration_ms") {
    need_value();
    o.duration = std::chrono::milliseconds(parse_number<int>(flag, value, 1, 3'600'000));
  } else if (flag == "sampling") {
    need_value();
    o.sample_latency = parse_on_off(flag, value);
  } else if (flag == "sample_every") {
    need_value();
    const auto n = parse_number<std::uint32_t>(flag, value, 1, 1u << 20);
    if ((n & (n - 1)) != 0) throw UsageError("--synclab_sample_every must be a power of two");
    o.sample_every = n;
  } else if (flag == "delay_calibration") {
    need_value();
    double v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || !(v > 0))
      throw UsageError("--synclab_delay_calibration=" + std::string(value) + ": expected a positive number");
    o.delay_iters_per_us = v;
  } else if (flag == "watchdog_s") {
    need_value();
    o.watchdog_grace = std::chrono::seconds(parse_number<int>(flag, value, 1, 3600));
  } else if (flag == "print_calibration") {
    o.print_calibration = !has_value || parse_on_off(flag, value);
  } else if (flag == "counters") {
    need_value();
    o.counters = std::string(value);
  } else if (flag == "counters_kernel") {
    need_value();
    o.counters_kernel = parse_on_off(flag, value);
  } else if (flag == "counter_rotation") {
    need_value();
    o.counter_rotation = parse_on_off(flag, value);
  } else if (flag == "list_counters") {
    o.list_counters = !has_value || parse_on_off(flag, value);
  } else if (flag == "hold_futex_tracepoints") {
    o.hold_futex_tracepoints = !has_value || parse_on_off(flag, value);
  } else if (flag == "plugin") {
    need_value();
    for (std::string_view path : split_list(value)) o.plugins.emplace_back(path);
  } else if (flag == "test_cases") {
    o.test_cases = !has_value || parse_on_off(flag, value);
  } else {
    throw std::logic_error("--synclab_" + std::string(flag) + " is in the flag table but has no parser");
  }
}

// Names of custom levels, kept for the life of the process: a
// ContentionLevel holds its name as a string_view.
std::string_view interned(std::string name) {
  static std::mutex mutex;
  static std::deque<std::string> names;
  const std::lock_guard lock(mutex);
  for (const std::string& n : names)
    if (n == name) return n;
  return names.emplace_back(std::move(name));
}

}  // namespace

std::span<const SuiteFlag> suite_flags() { return kSuiteFlags; }

ContentionLevel CustomLevel::level() const {
  const std::string name = "custom-cs" + std::to_string(cs_ns) + "ns-think" + std::to_string(think_ns) + "ns-lines" +
                           std::to_string(cs_lines);
  return ContentionLevel{.name = interned(name), .cs_ns = cs_ns, .cs_lines = cs_lines, .think_ns = think_ns};
}

std::vector<int> default_thread_counts(int pus) {
  std::vector<int> t;
  for (int n = 1; n < pus; n *= 2) t.push_back(n);
  t.push_back(pus);
  return t;
}

std::vector<ContentionLevel> selected_levels(const SuiteOptions& options) {
  std::vector<ContentionLevel> levels;
  if (options.contention.empty()) {
    if (!options.custom) levels.assign(contention_levels().begin(), contention_levels().end());
  } else {
    for (const std::string& name : options.contention) {
      const bool seen = std::any_of(levels.begin(), levels.end(), [&](const auto& l) { return l.name == name; });
      if (!seen) levels.push_back(*find_contention_level(name));
    }
  }
  if (options.custom) levels.push_back(options.custom->level());
  return levels;
}

SuiteOptions parse_suite_options(int& argc, char** argv) {
  SuiteOptions o;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with(kPrefix)) {
      argv[kept++] = argv[i];
      continue;
    }
    arg.remove_prefix(kPrefix.size());
    const size_t eq = arg.find('=');
    apply(o, arg.substr(0, eq), eq == arg.npos ? std::string_view{} : arg.substr(eq + 1), eq != arg.npos);
  }
  argc = kept;
  argv[argc] = nullptr;
  return o;
}

std::vector<int> oversubscription_thread_counts(const std::vector<double>& factors, int pus) {
  std::vector<int> ts;
  for (double f : factors) {
    const int t = std::max(1, static_cast<int>(std::lround(f * pus)));
    if (std::find(ts.begin(), ts.end(), t) == ts.end()) ts.push_back(t);
  }
  return ts;
}

std::vector<CasePlan> plan_cases(const Topology& topo, const SuiteOptions& options) {
  const int pus = static_cast<int>(placement_order(topo, options.placement).size());
  const std::vector<int> counts = options.threads.empty() ? default_thread_counts(pus) : options.threads;
  std::vector<CasePlan> plans;
  for (const ContentionLevel& level : selected_levels(options)) {
    std::vector<int> ts = counts;
    if (level.single_thread) ts = {1};
    if (level.per_pu_factor > 0) ts = {level.per_pu_factor * pus};
    if (level.pu_sweep) ts = oversubscription_thread_counts(options.oversubscription, pus);
    for (int t : ts) {
      const bool oversubscribe = level.per_pu_factor > 0 || level.pu_sweep;
      plans.push_back({level, t, plan_pins(topo, options.placement, t, oversubscribe)});
    }
  }
  return plans;
}

std::string case_name(std::string_view family, std::string_view primitive, const CasePlan& plan,
                      const PlacementSpec& placement) {
  return std::string(family) + "/" + std::string(primitive) + "/" + std::string(plan.level.name) +
         "/t:" + std::to_string(plan.threads) + "/place:" + placement.text;
}

}  // namespace synclab::harness
