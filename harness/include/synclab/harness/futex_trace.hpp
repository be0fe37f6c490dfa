// futex_trace.hpp — real futex syscall counts per worker thread, from the
// kernel's syscall tracepoints through perf_event_open.
//
// synclab's wait layer (wait/futex.hpp) counts only the futex calls our own
// primitives make through it; std::mutex, pthread, Abseil, TBB or
// std::atomic::wait make theirs behind its back. The kernel sees them all:
// every futex(2) call passes the `syscalls:sys_enter_futex` tracepoint, and a
// perf event on that tracepoint, opened for one thread (pid 0, cpu -1, no
// inheritance), counts that thread's calls.
//
// Waits and wakes: two events on sys_enter_futex, each with an ftrace filter
//   on the call's `op` argument (PERF_EVENT_IOC_SET_FILTER) that lists every
//   op of its kind with and without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
//   (classify_futex_op is the table; futex_op_filter writes the filter from
//   it). The futex2 calls are counted where the kernel has them: futex_waitv
//   (5.16) and futex_wait (6.7) as waits, futex_wake and futex_requeue (6.7)
//   as wakes. glibc 2.36 and libstdc++ 12 use none of them, but a peer may.
// The id of each tracepoint is read from tracefs (events/syscalls/<name>/id
//   under /sys/kernel/tracing or /sys/kernel/debug/tracing). synclab never
//   mounts tracefs itself; docs/counters.md says who does.
// Permission: the events count user-mode entries only (exclude_kernel: the
//   registers a syscall tracepoint sees are the caller's user registers), so
//   perf_event_paranoid 2 allows them for one's own threads; reading the ids
//   from tracefs is what normally needs root.
// Trust: the probe opens the events on the calling thread, makes known calls
//   (futex waits that return EAGAIN at once, wakes of a word nobody sleeps on)
//   inside and outside an enabled span and accepts the tracepoint only if the
//   counts are exact; otherwise it is unavailable, with what it counted.
// Cost: while any thread holds a syscall tracepoint event, every syscall of
//   every thread takes the kernel's traced entry path (tens of ns more), and
//   a futex call of a thread whose events are enabled pays for the count
//   (some 200 ns on the development VM): docs/counters.md. Closing the last
//   event of a tracepoint costs a kernel-wide RCU synchronisation (about
//   40 ms per tracepoint, 200 ms for the set), so the probe's own events stay
//   open, disabled, for as long as its result lives: a worker's close is then
//   cheap, and windows do not wait for the kernel between them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclab::harness {

enum class FutexCallKind { wait, wake, other };

// The kind of a futex(2) call by its `op` argument. Waits can put the caller
// to sleep: FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI,
// FUTEX_LOCK_PI, FUTEX_LOCK_PI2. Wakes release sleepers or move them:
// FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_WAKE_OP, FUTEX_REQUEUE,
// FUTEX_CMP_REQUEUE, FUTEX_CMP_REQUEUE_PI, FUTEX_UNLOCK_PI. Everything else
// (FUTEX_TRYLOCK_PI, which never sleeps, the removed FUTEX_FD, unknown
// commands or flag bits) is other and counted as neither.
FutexCallKind classify_futex_op(std::uint64_t op);

// The ftrace filter on sys_enter_futex's `op` field that matches exactly the
// ops classify_futex_op calls `kind`, each with every combination of
// FUTEX_PRIVATE_FLAG (128) and FUTEX_CLOCK_REALTIME (256).
std::string futex_op_filter(FutexCallKind kind);

class ThreadFutexTrace;

struct FutexCalls {
  std::uint64_t waits = 0;
  std::uint64_t wakes = 0;
  friend bool operator==(const FutexCalls&, const FutexCalls&) = default;
};

// One tracepoint event a worker opens.
struct FutexTraceEvent {
  std::string name;  // "sys_enter_futex", "sys_enter_futex_waitv", ...
  std::uint64_t id = 0;
  FutexCallKind kind = FutexCallKind::wait;
  std::string filter;  // empty: every call counts
};

// Whether this process can count futex syscalls per thread, and how.
struct FutexTracepoint {
  bool available = false;
  std::string reason;   // why not, when unavailable
  std::string tracefs;  // where the ids were read
  std::vector<FutexTraceEvent> events;
  // The probe's events, disabled: they keep the tracepoints registered.
  std::shared_ptr<const ThreadFutexTrace> registration;
  // "available: ..." or "unavailable: <reason>", for the results context.
  [[nodiscard]] std::string describe() const;
};

// Where tracefs may be mounted, in the order they are tried.
std::vector<std::string> default_tracefs_roots();

// Finds the tracepoints under the first root that has them, opens them on the
// calling thread and checks their counts (above). Never throws; never mounts.
FutexTracepoint probe_futex_tracepoint(const std::vector<std::string>& tracefs_roots = default_tracefs_roots());

// The probe's result for this process, probed once on first use. The
// environment's SYNCLAB_FUTEX_TRACE: unset or `auto` probes; `off` makes it
// unavailable without probing (to time futex-heavy cases without the
// tracing cost); anything else throws std::invalid_argument.
FutexTracepoint futex_tracepoint_for_this_process();
const FutexTracepoint& process_futex_tracepoint();

// One worker's events, opened for the calling thread, disabled. Used by that
// thread only: enable() right after the start barrier, disable() when it
// sees the stop flag, then read().
class ThreadFutexTrace {
 public:
  explicit ThreadFutexTrace(const FutexTracepoint& tracepoint);
  ~ThreadFutexTrace();
  ThreadFutexTrace(const ThreadFutexTrace&) = delete;
  ThreadFutexTrace& operator=(const ThreadFutexTrace&) = delete;

  // False when the tracepoint is unavailable or an event failed to open here.
  [[nodiscard]] bool opened() const { return !fds_.empty(); }
  // Why it did not open, when it was available ("" otherwise).
  [[nodiscard]] const std::string& error() const { return error_; }
  void enable();
  void disable();
  // The calls made while enabled; nullopt when not opened or unreadable.
  [[nodiscard]] std::optional<FutexCalls> read() const;

 private:
  std::vector<int> fds_;  // the group: the first one leads
  std::vector<FutexCallKind> kinds_;
  std::string error_;
};

}  // namespace synclab::harness
