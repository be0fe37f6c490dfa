// perf_counters.cpp — the event catalogue, scaling, and the resolution of a
// counter request into a plan. Opening and reading events is in
// perf_events.cpp; libpfm4 is reached only through pfm_events.hpp.
#include "synclab/harness/perf_counters.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "pfm_events.hpp"
#include "synclab/harness/split.hpp"

namespace synclab::harness {

// ---- arithmetic -------------------------------------------------------------

std::optional<double> scaled_value(const CounterReading& r) {
  if (!r.counted || r.running_ns == 0) return std::nullopt;
  const double value = static_cast<double>(r.value);
  if (r.running_ns >= r.enabled_ns) return value;  // never multiplexed
  return value * (static_cast<double>(r.enabled_ns) / static_cast<double>(r.running_ns));
}

double running_fraction(const CounterReading& r) {
  if (!r.counted || r.enabled_ns == 0 || r.running_ns == 0) return 0.0;
  if (r.running_ns >= r.enabled_ns) return 1.0;
  return static_cast<double>(r.running_ns) / static_cast<double>(r.enabled_ns);
}

// ---- the catalogue ------------------------------------------------------------
//
// PMU-specific spellings were checked against libpfm4 4.13's tables: every
// x86 one encodes when libpfm4 is forced to that model (LIBPFM_FORCE_PMU, see
// tests/harness/perf_counters_test.cpp); the Arm ones are from libpfm4's
// arm_n1/arm_n2 tables, which an x86-64 build of libpfm4 does not contain.

namespace {

// Loads whose line came from another core's cache in the same socket or node.
constexpr std::array kCrossCoreFills = {
    PmuSpelling{"hsw,hsw_ep,bdw,bdw_ep", "MEM_LOAD_UOPS_L3_HIT_RETIRED:XSNP_HITM"},
    PmuSpelling{"skl,skx,clx,icl,icx", "MEM_LOAD_L3_HIT_RETIRED:XSNP_HITM"},
    PmuSpelling{"spr", "MEM_LOAD_L3_HIT_RETIRED:XSNP_FWD"},
    PmuSpelling{"amd64_fam17h_zen2", "DATA_CACHE_REFILLS_FROM_SYSTEM:LS_MABRESP_LCL_CACHE"},
    PmuSpelling{"amd64_fam19h_zen3", "DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:INT_CACHE:EXT_CACHE_LCL"},
    PmuSpelling{"amd64_fam19h_zen4", "DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:LOCAL_CCX:NEAR_CACHE_NEAR_FAR"},
    PmuSpelling{"arm_n1,arm_n2", "L1D_CACHE_REFILL_INNER"},
};

// Loads whose line came from a cache on another socket or node.
constexpr std::array kCrossSocketFills = {
    PmuSpelling{"hsw_ep,bdw_ep", "MEM_LOAD_UOPS_L3_MISS_RETIRED:REMOTE_HITM"},
    PmuSpelling{"skx,clx,icx,spr", "MEM_LOAD_L3_MISS_RETIRED:REMOTE_HITM"},
    PmuSpelling{"amd64_fam17h_zen2", "DATA_CACHE_REFILLS_FROM_SYSTEM:LS_MABRESP_RMT_CACHE"},
    PmuSpelling{"amd64_fam19h_zen3", "DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:EXT_CACHE_RMT"},
    PmuSpelling{"amd64_fam19h_zen4", "DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:FAR_CACHE_NEAR_FAR"},
    PmuSpelling{"arm_n1,arm_n2", "REMOTE_ACCESS"},
};

constexpr CounterDefinition hw(std::string_view name, std::string_view set, std::string_view meaning,
                               std::string_view aliases, std::uint32_t type, std::uint64_t config,
                               std::string_view libpfm_name) {
  CounterDefinition d;
  d.name = name;
  d.set = set;
  d.meaning = meaning;
  d.aliases = aliases;
  d.kind = EventKind::hardware;
  d.perf_type = type;
  d.perf_config = config;
  d.libpfm_name = libpfm_name;
  return d;
}

constexpr CounterDefinition sw(std::string_view name, std::string_view meaning, std::string_view aliases,
                               std::uint64_t config, std::string_view perf_name, bool user_mode_is_enough) {
  CounterDefinition d;
  d.name = name;
  d.set = "os";
  d.meaning = meaning;
  d.aliases = aliases;
  d.kind = EventKind::software;
  d.perf_type = PERF_TYPE_SOFTWARE;
  d.perf_config = config;
  d.libpfm_name = perf_name;
  d.user_mode_is_enough = user_mode_is_enough;
  return d;
}

constexpr CounterDefinition per_pmu(std::string_view name, std::string_view meaning,
                                    std::span<const PmuSpelling> spellings) {
  CounterDefinition d;
  d.name = name;
  d.set = "coherence";
  d.meaning = meaning;
  d.kind = EventKind::hardware;
  d.per_pmu = spellings;
  return d;
}

constexpr std::uint64_t hw_cache(std::uint64_t cache, std::uint64_t op, std::uint64_t result) {
  return cache | (op << 8) | (result << 16);
}

const std::array kCatalogue = {
    hw("cycles", "default", "core clock cycles", "cpu_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES,
       "perf::CYCLES"),
    hw("instructions", "default", "instructions retired", "", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS,
       "perf::INSTRUCTIONS"),
    hw("ref_cycles", "default", "reference (constant-rate) cycles", "", PERF_TYPE_HARDWARE,
       PERF_COUNT_HW_REF_CPU_CYCLES, "perf::REF-CYCLES"),
    hw("branch_misses", "default", "mispredicted branches", "", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES,
       "perf::BRANCH-MISSES"),
    hw("cache_references", "cache", "last-level cache accesses (the kernel's generic mapping)", "",
       PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, "perf::CACHE-REFERENCES"),
    hw("cache_misses", "cache", "last-level cache misses (the kernel's generic mapping)", "", PERF_TYPE_HARDWARE,
       PERF_COUNT_HW_CACHE_MISSES, "perf::CACHE-MISSES"),
    hw("l1d_load_misses", "cache", "L1 data cache load misses", "l1_dcache_load_misses", PERF_TYPE_HW_CACHE,
       hw_cache(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_MISS),
       "perf::L1-DCACHE-LOAD-MISSES"),
    hw("llc_load_misses", "cache", "last-level cache load misses", "", PERF_TYPE_HW_CACHE,
       hw_cache(PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_MISS),
       "perf::LLC-LOAD-MISSES"),
    per_pmu("xcore_fills", "loads served by another core's cache in the same socket (HITM-type)", kCrossCoreFills),
    per_pmu("xsocket_fills", "loads served by a cache on another socket or node", kCrossSocketFills),
    sw("task_clock_ns", "time the thread was on a CPU, ns", "task_clock", PERF_COUNT_SW_TASK_CLOCK,
       "software:TASK-CLOCK", true),
    sw("context_switches", "times the thread was switched out", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES,
       "software:CONTEXT-SWITCHES", false),
    sw("cpu_migrations", "times the thread moved to another CPU", "migrations", PERF_COUNT_SW_CPU_MIGRATIONS,
       "software:CPU-MIGRATIONS", false),
    sw("page_faults", "page faults taken by the thread", "faults", PERF_COUNT_SW_PAGE_FAULTS, "software:PAGE-FAULTS",
       true),
};

constexpr std::array<std::string_view, 4> kSets = {"default", "cache", "coherence", "os"};

// ---- small text helpers --------------------------------------------------------

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(" \t") - first + 1));
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// "perf::L1-dcache-load-misses" → "l1_dcache_load_misses": how catalogue
// names and aliases are matched.
std::string normalise(std::string_view s) {
  if (s.starts_with("perf::") || s.starts_with("PERF::")) s.remove_prefix(6);
  std::string out;
  for (char c : s) out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A metric stem for an event named the libpfm4 way:
// "skl::MEM_LOAD_RETIRED:L1_MISS" → "mem_load_retired_l1_miss".
std::string metric_stem(std::string_view spec) {
  if (const auto sep = spec.find("::"); sep != std::string_view::npos) spec.remove_prefix(sep + 2);
  std::string out;
  for (char c : spec) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

bool is_set(std::string_view s) { return std::find(kSets.begin(), kSets.end(), s) != kSets.end(); }

const CounterDefinition* find_definition(const std::string& normalised) {
  for (const CounterDefinition& d : kCatalogue) {
    if (d.name == normalised) return &d;
    for (std::string_view alias : split_list(d.aliases))
      if (!alias.empty() && alias == normalised) return &d;
  }
  return nullptr;
}

bool lists(std::string_view pmus, std::string_view pmu) {
  for (std::string_view p : split_list(pmus))
    if (p == pmu) return true;
  return false;
}

std::string paranoid_text(const PerfEnvironment& env) {
  return env.paranoid ? std::to_string(*env.paranoid) : std::string("unreadable");
}

}  // namespace

std::span<const CounterDefinition> counter_catalogue() { return kCatalogue; }
std::span<const std::string_view> counter_set_names() { return kSets; }

bool hardware_pmu_exposed(const PerfEnvironment& env) {
  return env.cycles_errno != ENOENT && env.cycles_errno != EOPNOTSUPP && env.cycles_errno != ENODEV;
}

// ---- resolution ----------------------------------------------------------------

namespace {

// `what` names the call that failed: "perf_event_open" for the event's own
// probe, "perf_event_open(cycles)" when the event was not tried at all.
std::string no_hardware_pmu_reason(int err, std::string_view what) {
  return "no hardware PMU exposed to this kernel (" + std::string(what) + ": " + std::strerror(err) +
         ", typical of virtual machines without a virtual PMU)";
}

// Why perf_event_open refused an event, in words a user can act on.
std::string open_failure_reason(int err, const PerfEnvironment& env, EventKind kind, bool kernel_mode) {
  const std::string sys = std::string("perf_event_open: ") + std::strerror(err);
  switch (err) {
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
      if (kind == EventKind::software) return "this kernel does not provide it (" + sys + ")";
      if (!hardware_pmu_exposed(env)) return no_hardware_pmu_reason(err, "perf_event_open");
      return "this PMU does not support it (" + sys + ")";
    case EACCES:
    case EPERM:
      if (kernel_mode)
        return "perf_event_paranoid=" + paranoid_text(env) +
               " forbids counting kernel mode (needs perf_event_paranoid <= 1 or CAP_PERFMON" +
               (kind == EventKind::hardware ? ", or --synclab_counters_kernel=off for user mode only" : "") + ", " +
               sys + ")";
      return "perf_event_paranoid=" + paranoid_text(env) +
             " forbids per-thread counting (needs perf_event_paranoid <= 2 or CAP_PERFMON, " + sys + ")";
    case EINVAL:
      return "the kernel rejected its encoding (" + sys + ")";
    case EMFILE:
    case ENFILE:
      return "no file descriptor left (" + sys + ")";
    case EBUSY:
    case ENOSPC:
      return "no free counter, another user holds the PMU (" + sys + ")";
    default:
      return sys;
  }
}

std::string no_core_pmu_reason(const PerfEnvironment& env) {
  if (!hardware_pmu_exposed(env)) return no_hardware_pmu_reason(env.cycles_errno, "perf_event_open(cycles)");
  if (!env.libpfm) return "built without libpfm4, which names PMU-specific events";
  return "libpfm4 does not recognise this CPU's core PMU (only the kernel's generic events can be named)";
}

std::string short_list(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 6;
  std::vector<std::string> shown(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min(names.size(), kShown)));
  std::string out = join(shown, ", ");
  if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
  return out;
}

perf_event_attr direct_attr(std::uint32_t type, std::uint64_t config, bool kernel_mode) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = type;
  attr.config = config;
  attr.exclude_kernel = kernel_mode ? 0 : 1;
  attr.exclude_hv = 1;
  return attr;
}

// Probes an event whose attr is set and records the verdict.
void probe(CounterEvent& ev, const PerfEnvironment& env, bool kernel_mode) {
  const int err = env.try_open ? env.try_open(ev.attr) : ENOSYS;
  ev.available = err == 0;
  if (!ev.available) ev.reason = open_failure_reason(err, env, ev.kind, kernel_mode);
}

CounterEvent software_event(const CounterDefinition& d, const PerfEnvironment& env) {
  CounterEvent ev{std::string(d.name), std::string(d.set), std::string(d.libpfm_name), EventKind::software, {}, false,
                  {}, {}};
  // The kernel is where switches, migrations and faults happen: with
  // exclude_kernel a context-switch counter stays at 0, so the software
  // events always count kernel mode when they may.
  ev.attr = direct_attr(PERF_TYPE_SOFTWARE, d.perf_config, /*kernel_mode=*/true);
  const int err = env.try_open ? env.try_open(ev.attr) : ENOSYS;
  if (err == 0) {
    ev.available = true;
    return ev;
  }
  if ((err == EACCES || err == EPERM) && d.user_mode_is_enough) {
    perf_event_attr user = direct_attr(PERF_TYPE_SOFTWARE, d.perf_config, /*kernel_mode=*/false);
    if (env.try_open(user) == 0) {
      ev.attr = user;
      ev.available = true;
      ev.note = "user mode only, perf_event_paranoid=" + paranoid_text(env) + " forbids kernel mode, same count";
      return ev;
    }
  }
  ev.reason = open_failure_reason(err, env, EventKind::software, /*kernel_mode=*/true);
  if ((err == EACCES || err == EPERM) && d.perf_config == PERF_COUNT_SW_CONTEXT_SWITCHES)
    ev.reason += ", ctx_switches_per_op (getrusage) still counts switches";
  return ev;
}

CounterEvent generic_hardware_event(const CounterDefinition& d, const PerfEnvironment& env, bool kernel_mode) {
  CounterEvent ev{std::string(d.name), std::string(d.set), std::string(d.libpfm_name), EventKind::hardware, {}, false,
                  {}, {}};
  if (env.libpfm) {
    pfm::Encoding e = pfm::encode(std::string(d.libpfm_name), kernel_mode);
    if (!e.ok) {
      ev.reason = "libpfm4 cannot encode " + ev.encoding + " (" + e.message + ")";
      return ev;
    }
    ev.attr = e.attr;
  } else {
    ev.encoding = "perf type " + std::to_string(d.perf_type) + " config " + std::to_string(d.perf_config);
    ev.attr = direct_attr(d.perf_type, d.perf_config, kernel_mode);
  }
  probe(ev, env, kernel_mode);
  return ev;
}

CounterEvent pmu_specific_event(const CounterDefinition& d, const PerfEnvironment& env, bool kernel_mode) {
  CounterEvent ev{std::string(d.name), std::string(d.set), "per PMU (docs/counters.md)", EventKind::hardware, {},
                  false, {}, {}};
  if (env.core_pmu.empty()) {
    ev.reason = no_core_pmu_reason(env);
    return ev;
  }
  const auto spelling = std::find_if(d.per_pmu.begin(), d.per_pmu.end(),
                                     [&](const PmuSpelling& s) { return lists(s.pmus, env.core_pmu); });
  if (spelling == d.per_pmu.end()) {
    ev.reason = "event unknown to this PMU: the " + env.core_pmu + " PMU has no spelling of it (docs/counters.md)";
    return ev;
  }
  ev.encoding = env.core_pmu + "::" + std::string(spelling->event);
  pfm::Encoding e = pfm::encode(ev.encoding, kernel_mode);
  if (!e.ok) {
    ev.reason = "libpfm4 cannot encode " + ev.encoding + " (" + e.message + ")";
    return ev;
  }
  ev.attr = e.attr;
  probe(ev, env, kernel_mode);
  return ev;
}

// An event named the libpfm4 way ("MEM_LOAD_RETIRED:L1_MISS",
// "perf::DTLB-LOAD-MISSES"): an error only if no PMU model names it.
CounterEvent libpfm_event(const std::string& spec, const PerfEnvironment& env, bool kernel_mode) {
  CounterEvent ev{metric_stem(spec), "custom", spec, EventKind::hardware, {}, false, {}, {}};
  if (ev.name.empty()) throw CounterRequestError("counter event '" + spec + "' has no name");
  if (!env.libpfm)
    throw CounterRequestError("unknown counter set or event '" + spec + "' (" + pfm::describe_library() +
                              ": only the sets and synclab's own event names are known, see --synclab_list_counters)");
  pfm::Encoding e = pfm::encode(spec, kernel_mode);
  if (e.ok) {
    ev.attr = e.attr;
    if (e.attr.type == PERF_TYPE_SOFTWARE) ev.kind = EventKind::software;
    probe(ev, env, kernel_mode || ev.kind == EventKind::software);
    return ev;
  }
  const std::vector<std::string> models = pfm::models_naming(spec);
  if (models.empty())
    throw CounterRequestError("unknown counter set or event '" + spec +
                              "': not a set (auto, off, default, cache, coherence, os), not a synclab event "
                              "(--synclab_list_counters), and libpfm4 cannot encode it for any PMU it knows (" +
                              e.message + ")");
  const bool here = std::find(models.begin(), models.end(), env.core_pmu) != models.end();
  if (env.core_pmu.empty()) {
    ev.reason = no_core_pmu_reason(env) + ", libpfm4 names it for " + short_list(models);
  } else if (here) {
    ev.reason = "libpfm4 cannot encode it for the " + env.core_pmu + " PMU (" + e.message + ")";
  } else {
    ev.reason = "event unknown to this PMU (" + env.core_pmu + ", libpfm4: " + e.message + "), libpfm4 names it for " +
                short_list(models);
  }
  return ev;
}

struct Wanted {
  const CounterDefinition* definition = nullptr;
  std::string spec;  // when there is no definition
};

void add_set(std::vector<Wanted>& wanted, std::string_view set) {
  for (const CounterDefinition& d : kCatalogue)
    if (d.set == set) wanted.push_back({&d, {}});
}

std::pair<int, std::string> group_width(const PerfEnvironment& env) {
  const bool known = env.generic_counters > 0;
  const int counters = known ? env.generic_counters : 4;
  const bool keep_one = env.nmi_watchdog.value_or(true);
  const int width = std::max(1, counters - (keep_one ? 1 : 0));
  std::string why = known ? std::to_string(counters) + " generic counters (libpfm4, " + env.core_pmu + ")"
                          : "generic counter count unknown, 4 assumed";
  if (!env.nmi_watchdog) why += ", one left for the NMI watchdog (its state is unreadable)";
  else if (*env.nmi_watchdog) why += ", one left for the NMI watchdog";
  else why += ", NMI watchdog off";
  return {width, why};
}

}  // namespace

std::size_t CounterPlan::hardware_groups() const {
  return static_cast<std::size_t>(std::count_if(groups.begin(), groups.end(), [](const CounterGroup& g) { return g.rotates; }));
}

std::vector<std::size_t> CounterPlan::groups_for_repetition(std::uint64_t repetition) const {
  std::vector<std::size_t> chosen;
  const std::size_t hardware = hardware_groups();
  std::size_t hw_index = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (!rotation || !groups[g].rotates || hardware == 0) {
      chosen.push_back(g);
      continue;
    }
    if (hw_index == repetition % hardware) chosen.push_back(g);
    ++hw_index;
  }
  return chosen;
}

std::vector<std::string> CounterPlan::names() const {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const CounterEvent& e : events) out.push_back(e.name);
  return out;
}

CounterPlan resolve_counters(const CounterRequest& request, const PerfEnvironment& env) {
  CounterPlan plan;
  plan.request = request.text;
  plan.count_kernel = request.count_kernel;
  plan.rotation = request.rotation;
  const std::string text = trim(request.text);
  if (text.empty())
    throw CounterRequestError(
        "--synclab_counters needs a value: auto, off, a set (default, cache, coherence, os) or a comma list of events");
  if (text == "off") return plan;

  std::vector<Wanted> wanted;
  if (text == "auto" || is_set(text)) {
    plan.set = text == "auto" ? (hardware_pmu_exposed(env) ? "default" : "os") : text;
    add_set(wanted, plan.set);
  } else {
    plan.set = "custom";
    for (std::string_view raw : split_list(text)) {
      const std::string item = trim(raw);
      if (item.empty()) throw CounterRequestError("--synclab_counters=" + text + ": empty event name in the list");
      if (is_set(item)) add_set(wanted, item);
      else if (const CounterDefinition* d = find_definition(normalise(item))) wanted.push_back({d, {}});
      else wanted.push_back({nullptr, item});
    }
  }
  add_set(wanted, "os");  // OS events always

  for (const Wanted& w : wanted) {
    CounterEvent ev;
    if (w.definition == nullptr) ev = libpfm_event(w.spec, env, request.count_kernel);
    else if (w.definition->kind == EventKind::software) ev = software_event(*w.definition, env);
    else if (!w.definition->per_pmu.empty()) ev = pmu_specific_event(*w.definition, env, request.count_kernel);
    else ev = generic_hardware_event(*w.definition, env, request.count_kernel);
    const bool seen = std::any_of(plan.events.begin(), plan.events.end(),
                                  [&](const CounterEvent& e) { return e.name == ev.name; });
    if (!seen) plan.events.push_back(std::move(ev));
  }

  // Software events share one group: they never occupy a PMU counter.
  // Hardware events are split into groups the PMU can hold at once.
  std::tie(plan.group_width, plan.group_width_reason) = group_width(env);
  CounterGroup software;
  std::vector<std::size_t> hardware;
  for (std::size_t i = 0; i < plan.events.size(); ++i) {
    if (!plan.events[i].available) continue;
    (plan.events[i].kind == EventKind::software ? software.events : hardware).push_back(i);
  }
  if (!software.events.empty()) plan.groups.push_back(software);
  for (std::size_t i = 0; i < hardware.size(); i += static_cast<std::size_t>(plan.group_width)) {
    CounterGroup g;
    g.rotates = true;
    const std::size_t end = std::min(hardware.size(), i + static_cast<std::size_t>(plan.group_width));
    g.events.assign(hardware.begin() + static_cast<std::ptrdiff_t>(i), hardware.begin() + static_cast<std::ptrdiff_t>(end));
    plan.groups.push_back(std::move(g));
  }
  return plan;
}

// ---- context and listing ------------------------------------------------------

std::vector<std::pair<std::string, std::string>> counter_context(const CounterPlan& plan) {
  std::vector<std::string> resolved, unavailable;
  for (const CounterEvent& e : plan.events) {
    if (e.available) {
      resolved.push_back(e.name + "=available" + (e.note.empty() ? "" : " (" + e.note + ")"));
    } else {
      resolved.push_back(e.name + "=unavailable: " + e.reason);
      unavailable.push_back(e.name + ": " + e.reason);
    }
  }
  std::string counters = "requested=" + plan.request + " set=" + plan.set;
  if (!resolved.empty()) counters += "; " + join(resolved, "; ");

  const std::size_t hardware = plan.hardware_groups();
  std::string rotation;
  if (plan.rotation && hardware > 1)
    rotation = "on: " + std::to_string(hardware) + " hardware groups, repetition k counts hardware group k mod " +
               std::to_string(hardware) + ", software events in every repetition";
  else if (plan.rotation)
    rotation = "on: " + std::to_string(hardware) + " hardware group(s), nothing to rotate";
  else if (hardware > 1)
    rotation = "off: " + std::to_string(hardware) + " hardware groups share the PMU in every repetition (multiplexed)";
  else
    rotation = "off";

  std::vector<std::string> groups;
  int hw_number = 0;
  for (const CounterGroup& g : plan.groups) {
    std::vector<std::string> names;
    for (std::size_t i : g.events) names.push_back(plan.events[i].name);
    groups.push_back((g.rotates ? "hardware " + std::to_string(++hw_number) : std::string("software")) + ": " +
                     join(names, ","));
  }
  std::string group_text = groups.empty() ? std::string("none") : join(groups, " | ");
  if (plan.set != "off") group_text += " (hardware group width " + std::to_string(plan.group_width) + ": " +
                                       plan.group_width_reason + ")";

  return {
      {"counters", counters},
      {"counters_unavailable", unavailable.empty() ? std::string("none") : join(unavailable, "; ")},
      {"counters_kernel", plan.count_kernel ? "on" : "off"},
      {"counter_rotation", rotation},
      {"counter_groups", group_text},
  };
}

std::string counter_listing(const PerfEnvironment& env, bool count_kernel) {
  CounterRequest everything{"default,cache,coherence,os", count_kernel, false};
  const CounterPlan plan = resolve_counters(everything, env);
  std::ostringstream out;
  out << "synclab counters on this machine\n";
  out << "  core PMU (libpfm4):   "
      << (env.core_pmu.empty() ? std::string("none detected") : env.core_pmu + " (" + env.core_pmu_desc + ")") << "\n";
  out << "  hardware counting:    "
      << (env.cycles_errno == 0 ? std::string("available (a user-mode cycles counter opened)")
                                : std::string("perf_event_open(cycles): ") + std::strerror(env.cycles_errno) +
                                      (hardware_pmu_exposed(env) ? "" : ", no hardware PMU exposed to this kernel"))
      << "\n";
  out << "  libpfm4:              " << pfm::describe_library() << "\n";
  out << "  perf_event_paranoid:  " << paranoid_text(env) << "\n";
  out << "  kernel mode counted:  " << (count_kernel ? "on" : "off")
      << " (--synclab_counters_kernel; software events count the kernel whenever they may)\n";
  out << "  hardware group width: " << plan.group_width << " (" << plan.group_width_reason << ")\n";
  out << "  auto resolves to:     " << (hardware_pmu_exposed(env) ? "default" : "os") << "\n\n";

  std::size_t name_w = 5, enc_w = 8;
  for (const CounterEvent& e : plan.events) {
    name_w = std::max(name_w, e.name.size());
    enc_w = std::max(enc_w, e.encoding.size());
  }
  auto row = [&](std::string_view set, std::string_view name, std::string_view enc, std::string_view status) {
    out << std::string(set) << std::string(11 - std::min<std::size_t>(set.size(), 10), ' ') << std::string(name)
        << std::string(name_w + 2 - name.size(), ' ') << std::string(enc)
        << std::string(enc_w + 2 - std::min(enc.size(), enc_w), ' ') << std::string(status) << "\n";
  };
  row("set", "event", "encoding", "status");
  for (std::string_view set : kSets) {
    for (const CounterEvent& e : plan.events) {
      if (e.set != set) continue;
      std::string status = e.available ? "available" : "unavailable: " + e.reason;
      if (e.available && !e.note.empty()) status += " (" + e.note + ")";
      row(set, e.name, e.encoding, status);
    }
  }
  return out.str();
}

std::vector<std::string> catalogue_encoding_failures() {
  std::vector<std::string> failures;
  const auto core = pfm::detected_core_pmu();
  if (!core) return failures;
  for (const CounterDefinition& d : kCatalogue) {
    for (const PmuSpelling& s : d.per_pmu) {
      if (!lists(s.pmus, core->name)) continue;
      const std::string spec = core->name + "::" + std::string(s.event);
      for (bool kernel : {false, true}) {
        const pfm::Encoding e = pfm::encode(spec, kernel);
        if (!e.ok) failures.push_back(std::string(d.name) + ": " + spec + ": " + e.message);
      }
    }
  }
  return failures;
}

std::vector<std::string> libpfm_pmu_models() { return pfm::all_models(); }

}  // namespace synclab::harness
