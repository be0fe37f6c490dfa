// futex_trace.cpp — the futex op table, finding the tracepoints in tracefs,
// and opening, checking and reading them per thread.
#include "synclab/harness/futex_trace.hpp"

#include <linux/futex.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace synclab::harness {

// ---- the op table ----------------------------------------------------------------

namespace {

// FUTEX_CMD_MASK's complement: the flag bits a command may carry.
constexpr std::uint64_t kOpFlags = FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME;

// The commands by number (linux/futex.h). FUTEX_LOCK_PI2 is 13 (Linux 5.14);
// Debian 12's headers predate it.
constexpr std::uint64_t kFutexLockPi2 = 13;
constexpr std::uint64_t kHighestCommand = kFutexLockPi2;

}  // namespace

FutexCallKind classify_futex_op(std::uint64_t op) {
  if ((op & ~(kOpFlags | 127u)) != 0) return FutexCallKind::other;
  switch (op & ~kOpFlags) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_WAIT_REQUEUE_PI:
    case FUTEX_LOCK_PI:
    case kFutexLockPi2:
      return FutexCallKind::wait;
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
    case FUTEX_WAKE_OP:
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
    case FUTEX_CMP_REQUEUE_PI:
    case FUTEX_UNLOCK_PI:
      return FutexCallKind::wake;
    default:
      return FutexCallKind::other;
  }
}

std::string futex_op_filter(FutexCallKind kind) {
  std::string filter;
  for (std::uint64_t command = 0; command <= kHighestCommand; ++command) {
    for (const std::uint64_t flags : {std::uint64_t{0}, std::uint64_t{FUTEX_PRIVATE_FLAG},
                                      std::uint64_t{FUTEX_CLOCK_REALTIME}, kOpFlags}) {
      if (classify_futex_op(command | flags) != kind) continue;
      if (!filter.empty()) filter += " || ";
      filter += "op == " + std::to_string(command | flags);
    }
  }
  return filter;
}

// ---- finding the tracepoints --------------------------------------------------------

namespace {

struct TracepointSpec {
  std::string_view name;
  FutexCallKind kind;
  bool required;
};

// sys_enter_futex twice (one per kind, filtered); the futex2 calls where the
// kernel has them, unfiltered.
constexpr std::array kTracepoints = {
    TracepointSpec{"sys_enter_futex", FutexCallKind::wait, true},
    TracepointSpec{"sys_enter_futex", FutexCallKind::wake, true},
    TracepointSpec{"sys_enter_futex_waitv", FutexCallKind::wait, false},
    TracepointSpec{"sys_enter_futex_wait", FutexCallKind::wait, false},
    TracepointSpec{"sys_enter_futex_wake", FutexCallKind::wake, false},
    TracepointSpec{"sys_enter_futex_requeue", FutexCallKind::wake, false},
};

std::string syscall_event_dir(const std::string& root, std::string_view name) {
  return root + "/events/syscalls/" + std::string(name);
}

// The tracepoint's id, or errno (ENOENT: no such tracepoint).
std::optional<std::uint64_t> read_id(const std::string& root, std::string_view name, int& error) {
  std::ifstream in(syscall_event_dir(root, name) + "/id");
  if (!in) {
    error = errno != 0 ? errno : ENOENT;
    return std::nullopt;
  }
  std::uint64_t id = 0;
  if (!(in >> id)) {
    error = EINVAL;
    return std::nullopt;
  }
  return id;
}

// The first root that has syscall tracepoints, or why none does.
std::optional<std::string> find_tracefs(const std::vector<std::string>& roots, std::string& why) {
  for (const std::string& root : roots) {
    struct stat st{};
    std::string what;
    if (stat((root + "/events").c_str(), &st) != 0) {
      what = errno == ENOENT ? "not mounted (no events/)" : std::strerror(errno);
    } else if (stat((root + "/events/syscalls").c_str(), &st) != 0) {
      what = errno == ENOENT ? "no syscall tracepoints (a kernel without CONFIG_FTRACE_SYSCALLS)" : std::strerror(errno);
    } else {
      return root;
    }
    why += (why.empty() ? "" : "; ") + root + ": " + what;
  }
  if (roots.empty()) why = "no tracefs location to look in";
  return std::nullopt;
}

std::string paranoid_level() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string level;
  return in >> level ? level : "unreadable";
}

std::string open_failure(int error, const FutexTraceEvent& e) {
  std::string why = "perf_event_open(syscalls:" + e.name + ", id " + std::to_string(e.id) + "): " + std::strerror(error);
  if (error == EACCES || error == EPERM) why += " (perf_event_paranoid=" + paranoid_level() + " forbids it for this user)";
  else if (error == ENOENT || error == ENODEV || error == EOPNOTSUPP) why += " (the kernel cannot count tracepoints with perf)";
  return why;
}

// ---- the probe's self-test ------------------------------------------------------------

long futex_call(std::uint32_t* word, int op, std::uint32_t value, std::uint32_t bitset = 0) {
  return syscall(SYS_futex, word, op, value, nullptr, nullptr, bitset);
}

// Known calls: each wait finds the word changed and returns EAGAIN at once,
// each wake finds nobody asleep; both are still one syscall entry each.
FutexCalls make_known_calls(std::uint32_t* word) {
  futex_call(word, FUTEX_WAIT_PRIVATE, *word + 1);
  futex_call(word, FUTEX_WAIT_PRIVATE, *word + 1);
  futex_call(word, FUTEX_WAIT, *word + 1);  // shared: flags 0
  futex_call(word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, *word + 1, FUTEX_BITSET_MATCH_ANY);
  futex_call(word, FUTEX_WAKE_PRIVATE, 1);
  futex_call(word, FUTEX_WAKE, INT_MAX);
  futex_call(word, FUTEX_FD, 0);  // removed in Linux 2.6.26: neither wait nor wake
  return {4, 2};
}

std::string self_test(ThreadFutexTrace& trace) {
  if (!trace.opened()) return trace.error();
  std::uint32_t word = 0;
  futex_call(&word, FUTEX_WAKE_PRIVATE, 1);  // before the span: not counted
  trace.enable();
  const FutexCalls made = make_known_calls(&word);
  trace.disable();
  futex_call(&word, FUTEX_WAIT_PRIVATE, word + 1);  // after it: not counted
  const std::optional<FutexCalls> seen = trace.read();
  if (!seen) return "the events opened but could not be read";
  if (*seen != made)
    return "the self-test counted " + std::to_string(seen->waits) + " waits and " + std::to_string(seen->wakes) +
           " wakes for " + std::to_string(made.waits) + " and " + std::to_string(made.wakes) + " made";
  return {};
}

}  // namespace

std::vector<std::string> default_tracefs_roots() { return {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}; }

FutexTracepoint probe_futex_tracepoint(const std::vector<std::string>& tracefs_roots) {
  FutexTracepoint tp;
  std::string why;
  const std::optional<std::string> root = find_tracefs(tracefs_roots, why);
  if (!root) {
    tp.reason = "tracefs not found: " + why;
    return tp;
  }
  tp.tracefs = *root;
  for (const TracepointSpec& spec : kTracepoints) {
    int error = 0;
    const std::optional<std::uint64_t> id = read_id(*root, spec.name, error);
    if (!id) {
      if (!spec.required && error == ENOENT) continue;
      tp.reason = "cannot read " + syscall_event_dir(*root, spec.name) + "/id: " + std::strerror(error);
      return tp;
    }
    const bool filtered = spec.name == "sys_enter_futex";
    tp.events.push_back({std::string(spec.name), *id, spec.kind, filtered ? futex_op_filter(spec.kind) : ""});
  }
  auto trace = std::make_shared<ThreadFutexTrace>(tp);
  if (std::string failure = self_test(*trace); !failure.empty()) {
    tp.reason = std::move(failure);
    tp.events.clear();
    return tp;
  }
  tp.registration = std::move(trace);
  tp.available = true;
  return tp;
}

FutexTracepoint futex_tracepoint_for_this_process() {
  const char* setting = std::getenv("SYNCLAB_FUTEX_TRACE");
  const std::string_view value = setting != nullptr ? setting : "";
  if (value == "off") {
    FutexTracepoint off;
    off.reason = "switched off (SYNCLAB_FUTEX_TRACE=off)";
    return off;
  }
  if (!value.empty() && value != "auto")
    throw std::invalid_argument("SYNCLAB_FUTEX_TRACE=" + std::string(value) + ": use auto (the default) or off");
  return probe_futex_tracepoint();
}

const FutexTracepoint& process_futex_tracepoint() {
  static const FutexTracepoint probed = futex_tracepoint_for_this_process();
  return probed;
}

std::string FutexTracepoint::describe() const {
  if (!available) return "unavailable: " + reason;
  std::string out = "available: " + tracefs;
  for (const FutexTraceEvent& e : events) {
    out += ", syscalls:" + e.name + " (id " + std::to_string(e.id) + ", ";
    out += e.kind == FutexCallKind::wait ? "waits" : "wakes";
    out += e.filter.empty() ? ")" : ", op filtered)";
  }
  return out;
}

// ---- counting ------------------------------------------------------------------------

ThreadFutexTrace::ThreadFutexTrace(const FutexTracepoint& tracepoint) {
  if (tracepoint.events.empty()) return;
  for (const FutexTraceEvent& e : tracepoint.events) {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.config = e.id;
    attr.disabled = fds_.empty() ? 1 : 0;  // enabling the leader starts them all
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.read_format = PERF_FORMAT_GROUP;
    const long fd = syscall(SYS_perf_event_open, &attr, 0, -1, fds_.empty() ? -1 : fds_.front(), PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
      error_ = open_failure(errno, e);
      break;
    }
    fds_.push_back(static_cast<int>(fd));
    kinds_.push_back(e.kind);
    if (!e.filter.empty() && ioctl(static_cast<int>(fd), PERF_EVENT_IOC_SET_FILTER, e.filter.c_str()) != 0) {
      error_ = "the kernel rejected the op filter on syscalls:" + e.name + ": " + std::strerror(errno);
      break;
    }
  }
  if (!error_.empty()) {
    for (int fd : fds_) close(fd);
    fds_.clear();
    kinds_.clear();
  }
}

ThreadFutexTrace::~ThreadFutexTrace() {
  for (int fd : fds_) close(fd);
}

void ThreadFutexTrace::enable() {
  if (opened()) ioctl(fds_.front(), PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

void ThreadFutexTrace::disable() {
  if (opened()) ioctl(fds_.front(), PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

std::optional<FutexCalls> ThreadFutexTrace::read() const {
  if (!opened()) return std::nullopt;
  // PERF_FORMAT_GROUP: { nr, value[nr] }.
  std::vector<std::uint64_t> buf(1 + fds_.size());
  const auto bytes = static_cast<ssize_t>(buf.size() * sizeof(std::uint64_t));
  if (::read(fds_.front(), buf.data(), static_cast<std::size_t>(bytes)) != bytes || buf[0] != fds_.size())
    return std::nullopt;
  FutexCalls calls;
  for (std::size_t k = 0; k < fds_.size(); ++k)
    (kinds_[k] == FutexCallKind::wait ? calls.waits : calls.wakes) += buf[1 + k];
  return calls;
}

}  // namespace synclab::harness
