#include "synclab/harness/context.hpp"

#include <gnu/libc-version.h>
#include <sys/utsname.h>

#include <cstdlib>
#include <fstream>
#include <string_view>
#include <utility>
#include <vector>

#include "synclab/harness/futex_source.hpp"
#include "synclab/harness/json.hpp"

#ifndef SYNCLAB_VERSION
#define SYNCLAB_VERSION "unknown"
#endif
#ifndef SYNCLAB_GIT_SHA
#define SYNCLAB_GIT_SHA "unknown"
#endif
#ifndef SYNCLAB_CXX_FLAGS
#define SYNCLAB_CXX_FLAGS "unknown"
#endif
#ifndef SYNCLAB_BUILD_TYPE
#define SYNCLAB_BUILD_TYPE "unknown"
#endif

namespace synclab::harness {
namespace {

std::string cpuinfo_field(std::string_view key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return {};
}

std::string first_line(const char* path, const char* otherwise) {
  std::ifstream in(path);
  std::string line;
  return std::getline(in, line) ? line : otherwise;
}

std::string arch_name() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "arm64";
#else
  return "unknown";
#endif
}

std::string cpu_model() {
  std::string m = cpuinfo_field("model name");  // x86
  if (m.empty()) m = cpuinfo_field("CPU part");  // arm64 names parts by number
  return m.empty() ? "unknown" : m;
}

bool under_hypervisor() {
  const std::string flags = cpuinfo_field("flags");
  return flags.find(" hypervisor") != std::string::npos;
}

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

Context futex_context(const FutexTracepoint& tracepoint) {
  if (tracepoint.available) return {{"futex_count_source", "tracepoint"}, {"futex_tracepoint", tracepoint.describe()}};
  const std::string why =
      "not counted for primitives that may sleep outside synclab's counted wait layer (peers, std::mutex, "
      "std::atomic::wait): the futex syscall tracepoint is unavailable: " + tracepoint.reason;
  std::string absent;  // {"metric": "why", ...}
  for (const std::string_view metric : kFutexMetrics)
    absent += (absent.empty() ? "{" : ", ") + json_string(metric) + ": " + json_string(why);
  return {{"futex_count_source", "wait_layer"},
          {"futex_tracepoint", tracepoint.describe()},
          {"not_measured", absent + "}"}};
}

Context machine_context(const Topology& topo) {
  utsname u{};
  uname(&u);
  Context context = {
      {"synclab_version", SYNCLAB_VERSION},
      // run_suite passes the revision it measured; the compiled-in one is the
      // revision at configure time.
      {"git_sha", env_or("SYNCLAB_GIT_SHA", SYNCLAB_GIT_SHA)},
      {"arch", arch_name()},
      {"emulated", env_or("SYNCLAB_EMULATED", "false")},
      {"cpu_model", cpu_model()},
      {"topology", topo.summary()},
      {"topology_synthetic", topo.synthetic},
      {"compiler", "g++ " __VERSION__},
      {"cxx_flags", SYNCLAB_CXX_FLAGS},
      {"build_type", SYNCLAB_BUILD_TYPE},
      {"kernel", std::string(u.sysname) + " " + u.release},
      {"libc", std::string("glibc ") + gnu_get_libc_version()},
      {"governor", first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "unreadable (no cpufreq)")},
      {"vm", under_hypervisor() ? "true" : "false"},
      {"perf_event_paranoid", first_line("/proc/sys/kernel/perf_event_paranoid", "unreadable")},
      {"pmu", probe_pmu()},
      // The perf event entries (counters, counters_unavailable, ...) come
      // from counter_context() once the request is resolved.
      {"os_counters", "getrusage(RUSAGE_THREAD) per worker: cpu_ns_per_op, ctx_switches_per_op; "
                      "futex_waits/wakes_per_op: from futex_count_source"},
  };
  for (auto& entry : futex_context(process_futex_tracepoint())) context.push_back(std::move(entry));
  return context;
}

}  // namespace synclab::harness
