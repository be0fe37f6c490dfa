// perf_counters.hpp — hardware and OS event counts per worker thread, through
// perf_event_open, with hardware events named by libpfm4.
//
// Three parts, as everywhere in the harness:
//   resolution  a request (auto, off, a set name or a comma list of events)
//               and a PerfEnvironment (what this machine offers, probed once
//               on the main thread) become a CounterPlan: every requested
//               event with its perf_event_attr, or the reason it cannot be
//               counted here, and the groups the countable ones open in;
//   counting    each worker opens the plan's groups for itself (pid 0,
//               cpu -1, no inheritance) after it is pinned and before the
//               start barrier, enables them after the barrier, disables them
//               when it sees the stop flag and reads each group once, so
//               nothing is read inside the measured loop;
//   arithmetic  a reading is scaled for multiplexing, value × enabled /
//               running, and running / enabled is kept as its confidence.
// The sets, the events of each PMU and what "unavailable" means are in
// docs/counters.md; keep the catalogue and that table in step.
#pragma once

#include <linux/perf_event.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclab::harness {

// ---- arithmetic -------------------------------------------------------------

// One event of one worker, as read from its group (PERF_FORMAT_GROUP with
// TOTAL_TIME_ENABLED and TOTAL_TIME_RUNNING: the times are the group's).
struct CounterReading {
  bool counted = false;  // false: not opened in this run (unavailable, rotated out, open failed)
  std::uint64_t value = 0;
  std::uint64_t enabled_ns = 0;
  std::uint64_t running_ns = 0;
};

// value × enabled / running, computed in floating point so no product of two
// 64-bit counts can overflow. Unknown (nullopt) when the event was not
// counted or its group never reached the PMU (running 0).
std::optional<double> scaled_value(const CounterReading& r);

// running / enabled in [0, 1]: 1 means the group was on the PMU for the whole
// window (no multiplexing). 0 when it never ran or was never enabled.
double running_fraction(const CounterReading& r);

// ---- the catalogue ------------------------------------------------------------

enum class EventKind { software, hardware };

// A PMU-specific spelling of an event: the libpfm4 PMU models it applies to
// (comma list of libpfm4 PMU names) and the event string libpfm4 encodes.
struct PmuSpelling {
  std::string_view pmus;
  std::string_view event;
};

// An event synclab knows by name. Software events are perf's own; generic
// hardware events go through libpfm4's "perf" PMU (the kernel maps them to
// each PMU's native event); the rest are spelled per PMU model.
struct CounterDefinition {
  std::string_view name;     // metric stem: cycles → cycles_per_op
  std::string_view set;      // default, cache, coherence, os
  std::string_view meaning;  // one line for listings
  std::string_view aliases;  // comma list, normalised (lower case, '_' for '-')
  EventKind kind = EventKind::hardware;
  std::uint32_t perf_type = 0;  // software and generic hardware: PERF_TYPE_*
  std::uint64_t perf_config = 0;
  std::string_view libpfm_name;  // generic hardware: the libpfm4 perf PMU name; software: a label
  bool user_mode_is_enough = false;  // software: the count is the same without the kernel
  std::span<const PmuSpelling> per_pmu;  // PMU-specific hardware events
};

std::span<const CounterDefinition> counter_catalogue();
std::span<const std::string_view> counter_set_names();  // default, cache, coherence, os

// ---- the machine ---------------------------------------------------------------

// What this machine offers, probed once at start-up (probe_perf_environment)
// or written by hand in tests.
struct PerfEnvironment {
  bool libpfm = false;              // built with libpfm4 and it initialised
  std::string core_pmu;             // libpfm4 name of the detected core PMU ("skl", "amd64_fam19h_zen3"); empty: none
  std::string core_pmu_desc;        // "Intel Skylake"
  int generic_counters = 0;         // that PMU's generic counters per thread (libpfm4 num_cntrs); 0: unknown
  std::optional<bool> nmi_watchdog;  // /proc/sys/kernel/nmi_watchdog; nullopt: unreadable
  std::optional<int> paranoid;      // /proc/sys/kernel/perf_event_paranoid; nullopt: unreadable
  int cycles_errno = 0;             // errno of opening a user-mode cycles counter; 0: it opened
  // Opens `attr` for the calling thread once and closes it: 0 or the errno.
  std::function<int(const perf_event_attr&)> try_open;
};

PerfEnvironment probe_perf_environment();

// True when the kernel exposes a hardware PMU: the cycles probe opened, or
// failed for another reason than "no such PMU" (paranoid settings, say).
bool hardware_pmu_exposed(const PerfEnvironment& env);

// ---- resolution ----------------------------------------------------------------

struct CounterRequest {
  std::string text = "auto";  // auto | off | default | cache | coherence | os | EV1,EV2,...
  bool count_kernel = true;   // hardware events count kernel mode too (futex sleeps and wakes)
  bool rotation = false;      // one hardware group per repetition
};

// A request that names no set and no event libpfm4 can encode for any PMU it
// knows. An event that is valid but cannot be counted here is not an error.
class CounterRequestError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct CounterEvent {
  std::string name;      // metric stem
  std::string set;       // the catalogue set, or "custom"
  std::string encoding;  // how it was named: "perf::CYCLES", "skl::MEM_LOAD_L3_HIT_RETIRED:XSNP_HITM", "software:TASK-CLOCK"
  EventKind kind = EventKind::hardware;
  perf_event_attr attr{};  // meaningful when available
  bool available = false;
  std::string reason;  // why not, when unavailable
  std::string note;    // what to know when it is available ("user mode only: ...")
};

struct CounterGroup {
  std::vector<std::size_t> events;  // indexes into CounterPlan::events; the first one leads
  bool rotates = false;             // a hardware group: opened alone per repetition under rotation
};

struct CounterPlan {
  std::string request = "off";  // as written
  std::string set = "off";      // default, cache, coherence, os, custom, off
  bool count_kernel = true;
  bool rotation = false;
  int group_width = 0;          // hardware events per group
  std::string group_width_reason;
  std::vector<CounterEvent> events;  // every requested event, available or not
  std::vector<CounterGroup> groups;  // the available ones, grouped

  [[nodiscard]] bool empty() const { return groups.empty(); }
  [[nodiscard]] std::size_t hardware_groups() const;
  // The groups a run opens: every group, or under rotation the software group
  // and hardware group (repetition mod hardware_groups()).
  [[nodiscard]] std::vector<std::size_t> groups_for_repetition(std::uint64_t repetition) const;
  // Metric stems, one per event, in plan order.
  [[nodiscard]] std::vector<std::string> names() const;
};

// Throws CounterRequestError. Probes each event once through env.try_open.
CounterPlan resolve_counters(const CounterRequest& request, const PerfEnvironment& env);

// The context entries of the results file: counters, counters_unavailable,
// counters_kernel, counter_rotation, counter_groups.
std::vector<std::pair<std::string, std::string>> counter_context(const CounterPlan& plan);

// The table printed by --synclab_list_counters: every event of every set on
// this machine, available or why not, with the PMU and paranoid level.
std::string counter_listing(const PerfEnvironment& env, bool count_kernel);

// Encodes every PMU-specific spelling of the catalogue that names the core PMU
// libpfm4 detected (or was forced to with LIBPFM_FORCE_PMU); returns one line
// per spelling libpfm4 rejects. Empty without a detected core PMU.
std::vector<std::string> catalogue_encoding_failures();

// The libpfm4 PMU models this build of libpfm4 has tables for (any type).
std::vector<std::string> libpfm_pmu_models();

// ---- counting ------------------------------------------------------------------

// The plan's groups for one worker, opened for the calling thread, disabled.
// Not thread-safe: one per worker, used by that worker only.
class ThreadCounters {
 public:
  ThreadCounters(const CounterPlan& plan, std::uint64_t repetition);
  ~ThreadCounters();
  ThreadCounters(const ThreadCounters&) = delete;
  ThreadCounters& operator=(const ThreadCounters&) = delete;

  void enable();
  void disable();
  // One reading per plan event; events of groups not open stay uncounted.
  [[nodiscard]] std::vector<CounterReading> read() const;
  // Groups that failed to open on this thread although the probe opened their events.
  [[nodiscard]] int failed_groups() const { return failed_groups_; }

 private:
  struct OpenGroup {
    std::size_t group = 0;
    std::vector<int> fds;  // leader first
  };
  const CounterPlan* plan_;
  std::vector<OpenGroup> open_;
  int failed_groups_ = 0;
};

}  // namespace synclab::harness
