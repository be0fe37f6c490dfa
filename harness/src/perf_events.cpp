// perf_events.cpp — the effectful edge of the counters: probing this machine
// and opening, enabling and reading a worker's event groups.
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "pfm_events.hpp"
#include "synclab/harness/perf_counters.hpp"

namespace synclab::harness {
namespace {

constexpr std::uint64_t kReadFormat =
    PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;

// The calling thread (pid 0) on whatever CPU it runs (cpu -1).
int open_event(perf_event_attr attr, int group_fd) {
  const long fd = syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
  return fd < 0 ? -1 : static_cast<int>(fd);
}

int try_open_once(const perf_event_attr& attr) {
  perf_event_attr copy = attr;
  copy.disabled = 1;
  copy.inherit = 0;
  copy.read_format = kReadFormat;
  const int fd = open_event(copy, -1);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

std::optional<int> read_int(const char* path) {
  std::ifstream in(path);
  int v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

}  // namespace

PerfEnvironment probe_perf_environment() {
  PerfEnvironment env;
  env.libpfm = pfm::initialised();
  if (const auto core = pfm::detected_core_pmu()) {
    env.core_pmu = core->name;
    env.core_pmu_desc = core->desc;
    env.generic_counters = core->generic_counters;
  }
  if (const auto w = read_int("/proc/sys/kernel/nmi_watchdog")) env.nmi_watchdog = *w != 0;
  env.paranoid = read_int("/proc/sys/kernel/perf_event_paranoid");
  env.try_open = try_open_once;
  perf_event_attr cycles{};
  cycles.size = sizeof cycles;
  cycles.type = PERF_TYPE_HARDWARE;
  cycles.config = PERF_COUNT_HW_CPU_CYCLES;
  cycles.exclude_kernel = 1;
  cycles.exclude_hv = 1;
  env.cycles_errno = try_open_once(cycles);
  return env;
}

ThreadCounters::ThreadCounters(const CounterPlan& plan, std::uint64_t repetition) : plan_(&plan) {
  for (std::size_t g : plan.groups_for_repetition(repetition)) {
    const CounterGroup& group = plan.groups[g];
    OpenGroup open{g, {}};
    for (std::size_t k = 0; k < group.events.size(); ++k) {
      perf_event_attr attr = plan.events[group.events[k]].attr;
      // Only the leader starts disabled: enabling it starts the whole group,
      // so its members always count over the same interval.
      attr.disabled = k == 0 ? 1 : 0;
      attr.inherit = 0;
      attr.read_format = kReadFormat;
      const int fd = open_event(attr, k == 0 ? -1 : open.fds.front());
      if (fd < 0) break;
      open.fds.push_back(fd);
    }
    if (open.fds.size() == group.events.size()) {
      open_.push_back(std::move(open));
    } else {
      for (int fd : open.fds) close(fd);
      ++failed_groups_;
    }
  }
}

ThreadCounters::~ThreadCounters() {
  for (const OpenGroup& g : open_)
    for (int fd : g.fds) close(fd);
}

void ThreadCounters::enable() {
  for (const OpenGroup& g : open_) ioctl(g.fds.front(), PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

void ThreadCounters::disable() {
  for (const OpenGroup& g : open_) ioctl(g.fds.front(), PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

std::vector<CounterReading> ThreadCounters::read() const {
  std::vector<CounterReading> out(plan_->events.size());
  for (const OpenGroup& g : open_) {
    // PERF_FORMAT_GROUP: { nr, time_enabled, time_running, value[nr] }.
    const std::size_t n = g.fds.size();
    std::vector<std::uint64_t> buf(3 + n);
    const auto bytes = static_cast<ssize_t>(buf.size() * sizeof(std::uint64_t));
    if (::read(g.fds.front(), buf.data(), static_cast<std::size_t>(bytes)) != bytes || buf[0] != n) continue;
    const CounterGroup& group = plan_->groups[g.group];
    for (std::size_t k = 0; k < n; ++k) out[group.events[k]] = {true, buf[3 + k], buf[1], buf[2]};
  }
  return out;
}

}  // namespace synclab::harness
