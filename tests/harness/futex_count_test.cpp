// futex_count_test — where futex figures come from: the op table, the
// tracepoint probe and its failures, exact per-thread counts, the driver's
// choice of source, and absence (never a 0) when nothing counted them.
//
// Tests that need the tracepoint skip, with the probe's reason, where it is
// unavailable; with SYNCLAB_REQUIRE_FUTEX_TRACEPOINT=1 (scripts/run_tests sets
// it once it has mounted tracefs as root) they fail instead, so a CI that
// silently lost the tracepoint path cannot pass.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <set>
#include <string>
#include <thread>

#include "synclab/channels/catalog.hpp"
#include "synclab/condvars/catalog.hpp"
#include "synclab/harness/contention.hpp"
#include "synclab/harness/context.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/futex_source.hpp"
#include "synclab/harness/futex_trace.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/workloads/channel_payload.hpp"
#include "synclab/harness/workloads/lock_workload.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/peers/channel_peers.hpp"
#include "synclab/peers/condvar_peers.hpp"
#include "synclab/peers/lock_peers.hpp"
#include "synclab/peers/refcount_peers.hpp"
#include "synclab/peers/rwlock_peers.hpp"
#include "synclab/peers/semaphore_peers.hpp"
#include "synclab/peers/std_mutex.hpp"
#include "synclab/refcount/catalog.hpp"
#include "synclab/rwlocks/catalog.hpp"
#include "synclab/semaphores/catalog.hpp"

namespace synclab::harness {
namespace {

namespace fs = std::filesystem;

// ---- the trait -----------------------------------------------------------------

template <class... Ts>
constexpr bool all_counted(TypeList<Ts...>) {
  return (FutexCounted<Ts> && ...);
}
template <class... Ts>
constexpr bool none_counted(TypeList<Ts...>) {
  return (!FutexCounted<Ts> && ...);
}
// Every primitive of ours says, one way or the other: a new one cannot be
// left out of the wait layer's figures by forgetting.
template <class... Ts>
constexpr bool all_declared(TypeList<Ts...>) {
  return (requires { Ts::counts_futex_calls; } && ...);
}

using Msg = ChannelPayload<8>;

// Ours sleep through the counted wait layer or never; the one that sleeps in
// std::atomic::wait, and the channels built on std::mutex, do not qualify.
static_assert(!FutexCounted<locks::FutexMutex3AtomicWait>);
static_assert(!FutexCounted<channels::MutexQueue<Msg>>);
static_assert(!FutexCounted<channels::Rendezvous<Msg>>);
static_assert(all_counted(TypeList<locks::TasSpin, locks::TtasSpin, locks::TtasBackoff, locks::Ticket,
                                   locks::FutexMutex2, locks::FutexMutex3, locks::FutexMutex3Spin<>,
                                   locks::TicketBackoff, locks::Anderson<>, locks::WithThreadLocalNode<locks::Mcs>,
                                   locks::WithThreadLocalNode<locks::Clh>, locks::TtasYield, locks::TtasPark,
                                   locks::Cohort<>, locks::ParkingLot>{}));
static_assert(all_declared(locks::OurLocks{}));
static_assert(all_counted(locks::OurNodeLocks{}));
static_assert(all_declared(channels::OurChannels<Msg>{}));
static_assert(all_declared(refcount::OurSingleThreadRefCounts<int>{}));
static_assert(all_counted(condvars::OurCondVars{}));
static_assert(all_counted(rwlocks::OurRwLocks{}));
static_assert(all_counted(semaphores::OurSemaphores{}));
static_assert(all_counted(refcount::OurRefCounts<int>{}));
static_assert(all_counted(channels::OurOneShots<Msg>{}));
static_assert(all_counted(TypeList<channels::SpscRing<Msg>, channels::MpmcBounded<Msg>, channels::MpscUnbounded<Msg>,
                                   channels::BlockingSpscRing<Msg>, channels::BlockingMpmcBounded<Msg>>{}));

// Every peer sleeps by its own means: none qualifies, whatever it wraps.
static_assert(none_counted(peers::PeerLocks{}));
static_assert(none_counted(peers::PeerNodeLocks{}));
static_assert(none_counted(peers::PeerRwLocks{}));
static_assert(none_counted(peers::PeerCondVars{}));
static_assert(none_counted(peers::PeerSemaphores{}));
static_assert(none_counted(peers::PeerChannels<Msg>{}));
static_assert(none_counted(peers::PeerOneShots<Msg>{}));
static_assert(none_counted(peers::PeerRefCounts<int>{}));

// A workload qualifies exactly when everything it drives does.
static_assert(FutexCounted<LockWorkload<locks::FutexMutex3>>);
static_assert(!FutexCounted<LockWorkload<peers::StdMutex>>);
static_assert(!FutexCounted<LockWorkload<locks::FutexMutex3AtomicWait>>);
static_assert(futex_counted<locks::FutexMutex3, locks::TtasSpin>);
static_assert(!futex_counted<locks::FutexMutex3, peers::StdMutex>);

// ---- the op table ----------------------------------------------------------------

constexpr std::uint64_t kPrivate = FUTEX_PRIVATE_FLAG;
constexpr std::uint64_t kRealtime = FUTEX_CLOCK_REALTIME;

TEST(FutexOps, WaitsWakesAndOthersWithEveryFlag) {
  const std::map<std::uint64_t, FutexCallKind> commands = {
      {FUTEX_WAIT, FutexCallKind::wait},          {FUTEX_WAKE, FutexCallKind::wake},
      {FUTEX_FD, FutexCallKind::other},           {FUTEX_REQUEUE, FutexCallKind::wake},
      {FUTEX_CMP_REQUEUE, FutexCallKind::wake},   {FUTEX_WAKE_OP, FutexCallKind::wake},
      {FUTEX_LOCK_PI, FutexCallKind::wait},       {FUTEX_UNLOCK_PI, FutexCallKind::wake},
      {FUTEX_TRYLOCK_PI, FutexCallKind::other},   {FUTEX_WAIT_BITSET, FutexCallKind::wait},
      {FUTEX_WAKE_BITSET, FutexCallKind::wake},   {FUTEX_WAIT_REQUEUE_PI, FutexCallKind::wait},
      {FUTEX_CMP_REQUEUE_PI, FutexCallKind::wake}, {13 /* FUTEX_LOCK_PI2 */, FutexCallKind::wait},
      {14, FutexCallKind::other},                 {127, FutexCallKind::other},
  };
  for (const auto& [command, kind] : commands)
    for (const std::uint64_t flags : {std::uint64_t{0}, kPrivate, kRealtime, kPrivate | kRealtime})
      EXPECT_EQ(classify_futex_op(command | flags), kind) << "op " << (command | flags);
  // A bit outside the command and the two flags makes an op the kernel rejects.
  EXPECT_EQ(classify_futex_op(FUTEX_WAIT | 512), FutexCallKind::other);
  EXPECT_EQ(classify_futex_op(FUTEX_WAKE | (std::uint64_t{1} << 40)), FutexCallKind::other);
  EXPECT_EQ(classify_futex_op(FUTEX_WAIT_PRIVATE), FutexCallKind::wait);
  EXPECT_EQ(classify_futex_op(FUTEX_WAKE_PRIVATE), FutexCallKind::wake);
}

std::set<std::uint64_t> ops_in_filter(const std::string& filter) {
  std::set<std::uint64_t> ops;
  std::size_t at = 0;
  while ((at = filter.find("op == ", at)) != std::string::npos) {
    at += 6;
    ops.insert(std::stoull(filter.substr(at)));
  }
  return ops;
}

// The filter names exactly the ops of its kind, no other: checked against
// the table over every op value up to the flag bits.
TEST(FutexOps, FilterListsExactlyTheOpsOfItsKind) {
  for (const FutexCallKind kind : {FutexCallKind::wait, FutexCallKind::wake}) {
    std::set<std::uint64_t> expected;
    for (std::uint64_t op = 0; op < 1024; ++op)
      if (classify_futex_op(op) == kind) expected.insert(op);
    const std::string filter = futex_op_filter(kind);
    EXPECT_EQ(ops_in_filter(filter), expected) << filter;
    EXPECT_EQ(filter.find("&&"), std::string::npos);
  }
  EXPECT_TRUE(ops_in_filter(futex_op_filter(FutexCallKind::wait)).contains(FUTEX_WAIT_BITSET_PRIVATE | kRealtime));
  EXPECT_FALSE(ops_in_filter(futex_op_filter(FutexCallKind::wake)).contains(FUTEX_WAIT_PRIVATE));
}

// ---- the probe without a tracepoint ---------------------------------------------

class TempDir {
 public:
  TempDir()
      : path_(fs::temp_directory_path() /
              ("synclab_futex_" + std::to_string(getpid()) + "_" + std::to_string(++n_))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  [[nodiscard]] const fs::path& path() const { return path_; }
  // A fake tracefs whose sys_enter_futex has id `id`.
  void add_tracepoint(const std::string& name, const std::string& id) const {
    const fs::path dir = path_ / "events" / "syscalls" / name;
    fs::create_directories(dir);
    std::ofstream(dir / "id") << id << "\n";
  }

 private:
  fs::path path_;
  static inline int n_ = 0;
};

TEST(FutexTraceProbe, NoTracefsAnywhereSaysWhereItLooked) {
  const TempDir empty;
  const FutexTracepoint tp = probe_futex_tracepoint({"/nonexistent/synclab/tracing", empty.path().string()});
  EXPECT_FALSE(tp.available);
  EXPECT_NE(tp.reason.find("tracefs not found"), std::string::npos) << tp.reason;
  EXPECT_NE(tp.reason.find("/nonexistent/synclab/tracing: not mounted"), std::string::npos) << tp.reason;
  EXPECT_NE(tp.reason.find(empty.path().string() + ": not mounted"), std::string::npos) << tp.reason;
  EXPECT_EQ(tp.describe(), "unavailable: " + tp.reason);
  EXPECT_FALSE(ThreadFutexTrace(tp).opened());
}

// Probes the fake tracefs at `root`: unavailable, and the reason says `why`.
void expect_unavailable_saying(const TempDir& root, const std::string& why) {
  const FutexTracepoint tp = probe_futex_tracepoint({root.path().string()});
  EXPECT_FALSE(tp.available);
  EXPECT_NE(tp.reason.find(why), std::string::npos) << tp.reason;
  EXPECT_TRUE(tp.events.empty());
  EXPECT_EQ(tp.registration, nullptr);
}

TEST(FutexTraceProbe, TracefsWithoutSyscallTracepoints) {
  const TempDir root;
  fs::create_directories(root.path() / "events" / "sched");
  expect_unavailable_saying(root, "no syscall tracepoints");
}

TEST(FutexTraceProbe, MissingFutexTracepoint) {
  const TempDir root;
  root.add_tracepoint("sys_enter_getppid", "1");
  expect_unavailable_saying(root, "sys_enter_futex/id");
}

// An id the kernel does not know: perf_event_open refuses it (or perf is
// missing altogether, as under qemu-user); either way, unavailable with why.
TEST(FutexTraceProbe, AnIdTheKernelRejectsIsUnavailable) {
  const TempDir root;
  root.add_tracepoint("sys_enter_futex", "4000000000");
  expect_unavailable_saying(root, "perf_event_open(syscalls:sys_enter_futex, id 4000000000)");
}

// SYNCLAB_FUTEX_TRACE=off switches the tracepoint off, with that reason; a
// value that means nothing is an error, not a silent default.
TEST(FutexTraceProbe, TheEnvironmentCanSwitchItOff) {
  const char* before = std::getenv("SYNCLAB_FUTEX_TRACE");
  const std::string saved = before != nullptr ? before : "";
  setenv("SYNCLAB_FUTEX_TRACE", "off", 1);
  const FutexTracepoint off = futex_tracepoint_for_this_process();
  EXPECT_FALSE(off.available);
  EXPECT_EQ(off.reason, "switched off (SYNCLAB_FUTEX_TRACE=off)");
  setenv("SYNCLAB_FUTEX_TRACE", "of", 1);
  EXPECT_THROW((void)futex_tracepoint_for_this_process(), std::invalid_argument);
  setenv("SYNCLAB_FUTEX_TRACE", "auto", 1);
  EXPECT_EQ(futex_tracepoint_for_this_process().available, probe_futex_tracepoint().available);
  if (before != nullptr) setenv("SYNCLAB_FUTEX_TRACE", saved.c_str(), 1);
  else unsetenv("SYNCLAB_FUTEX_TRACE");
}

// ---- with the tracepoint ---------------------------------------------------------

bool tracepoint_required() {
  const char* v = std::getenv("SYNCLAB_REQUIRE_FUTEX_TRACEPOINT");
  return v != nullptr && std::string(v) == "1";
}

#define SKIP_WITHOUT_FUTEX_TRACEPOINT()                                                                 \
  do {                                                                                                  \
    const FutexTracepoint& probed = process_futex_tracepoint();                                          \
    if (!probed.available) {                                                                            \
      if (tracepoint_required()) FAIL() << "SYNCLAB_REQUIRE_FUTEX_TRACEPOINT=1: " << probed.describe(); \
      GTEST_SKIP() << "futex tracepoint " << probed.describe();                                          \
    }                                                                                                   \
  } while (0)

long futex_call(std::uint32_t* word, std::uint64_t op, std::uint32_t value, void* timeout_or_count = nullptr,
                std::uint32_t* word2 = nullptr, std::uint32_t value3 = 0) {
  return syscall(SYS_futex, word, static_cast<int>(op), value, timeout_or_count, word2, value3);
}

// A fake tracefs whose sys_enter_futex id is another syscall's real one.
void expect_futex_id_of_unavailable_saying(const std::string& syscall_name, const std::string& why) {
  std::ifstream in(process_futex_tracepoint().tracefs + "/events/syscalls/sys_enter_" + syscall_name + "/id");
  std::string id;
  ASSERT_TRUE(static_cast<bool>(in >> id)) << syscall_name;
  const TempDir root;
  root.add_tracepoint("sys_enter_futex", id);
  expect_unavailable_saying(root, why);
}

// The probe's self-test catches a tracepoint that counts something else:
// epoll_ctl's entry has an `op` field too, so the filter is accepted, and
// the known futex calls count nothing there.
TEST(FutexTraceProbe, SelfTestRejectsATracepointThatCountsSomethingElse) {
  SKIP_WITHOUT_FUTEX_TRACEPOINT();
  expect_futex_id_of_unavailable_saying("epoll_ctl", "the self-test counted 0 waits and 0 wakes for 4 and 2 made");
}

// A filter the kernel rejects makes the tracepoint unavailable, not unfiltered:
// getppid's entry has no `op` field.
TEST(FutexTraceProbe, ARejectedFilterIsUnavailable) {
  SKIP_WITHOUT_FUTEX_TRACEPOINT();
  expect_futex_id_of_unavailable_saying("getppid", "the kernel rejected the op filter on syscalls:sys_enter_futex");
}

TEST(FutexTrace, CountsKnownCallsExactlyAndNothingOutsideTheSpan) {
  SKIP_WITHOUT_FUTEX_TRACEPOINT();
  ThreadFutexTrace trace(process_futex_tracepoint());
  ASSERT_TRUE(trace.opened()) << trace.error();
  std::uint32_t word = 7, other = 0;
  futex_call(&word, FUTEX_WAKE_PRIVATE, 1);  // before the span
  trace.enable();
  // Waits: each finds the word changed and returns EAGAIN at once.
  for (int i = 0; i < 5; ++i) futex_call(&word, FUTEX_WAIT_PRIVATE, 0);
  futex_call(&word, FUTEX_WAIT, 0);
  futex_call(&word, FUTEX_WAIT_BITSET_PRIVATE | kRealtime, 0, nullptr, nullptr, FUTEX_BITSET_MATCH_ANY);
  // Wakes: nobody sleeps on these words.
  for (int i = 0; i < 3; ++i) futex_call(&word, FUTEX_WAKE_PRIVATE, 1);
  futex_call(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, nullptr, nullptr, FUTEX_BITSET_MATCH_ANY);
  futex_call(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, reinterpret_cast<void*>(INT_MAX), &other, 0);  // EAGAIN: 7 != 0
  futex_call(&word, FUTEX_WAKE_OP_PRIVATE, 1, reinterpret_cast<void*>(1), &other,
             FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0));
  // Neither: a removed command.
  futex_call(&word, FUTEX_FD, 0);
  trace.disable();
  futex_call(&word, FUTEX_WAIT_PRIVATE, 0);  // after it
  const std::optional<FutexCalls> seen = trace.read();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->waits, 7u);
  EXPECT_EQ(seen->wakes, 6u);
}

// The futex2 system calls (where the kernel has them) count by kind too.
TEST(FutexTrace, CountsTheFutex2Calls) {
  SKIP_WITHOUT_FUTEX_TRACEPOINT();
  std::set<std::string> present;
  for (const FutexTraceEvent& e : process_futex_tracepoint().events) present.insert(e.name);
  if (!present.contains("sys_enter_futex_waitv")) GTEST_SKIP() << "no futex_waitv on this kernel";
  struct Waitv {  // struct futex_waitv (Linux 5.16)
    std::uint64_t val;
    std::uint64_t uaddr;
    std::uint32_t flags;
    std::uint32_t reserved;
  };
  constexpr std::uint32_t kSize32 = 2, kPrivate2 = 128;  // FUTEX2_SIZE_U32, FUTEX2_PRIVATE
  std::uint32_t word = 7;
  Waitv waiters[2] = {{0, reinterpret_cast<std::uintptr_t>(&word), kSize32 | kPrivate2, 0},
                      {0, reinterpret_cast<std::uintptr_t>(&word), kSize32 | kPrivate2, 0}};
  FutexCalls expected;
  ThreadFutexTrace trace(process_futex_tracepoint());
  ASSERT_TRUE(trace.opened()) << trace.error();
  trace.enable();
  syscall(449, waiters, 1, 0, nullptr, 0);  // futex_waitv: EAGAIN, 7 != 0
  ++expected.waits;
  if (present.contains("sys_enter_futex_wake")) {
    syscall(454, &word, ~0ul, 1, kSize32 | kPrivate2);  // futex_wake: nobody
    ++expected.wakes;
  }
  if (present.contains("sys_enter_futex_wait")) {
    syscall(455, &word, 0ul, ~0ul, kSize32 | kPrivate2, nullptr, 0);  // futex_wait: EAGAIN
    ++expected.waits;
  }
  if (present.contains("sys_enter_futex_requeue")) {
    syscall(456, waiters, 0, 1, 1);  // futex_requeue: EAGAIN
    ++expected.wakes;
  }
  trace.disable();
  EXPECT_EQ(trace.read(), expected);
}

// Per thread: another thread's calls during the span are not this one's. The
// threads meet through relaxed atomics only, so this one makes no futex call
// of its own in the span (a thread start or join may, under a sanitizer).
TEST(FutexTrace, CountsOnlyTheOpeningThread) {
  SKIP_WITHOUT_FUTEX_TRACEPOINT();
  ThreadFutexTrace trace(process_futex_tracepoint());
  ASSERT_TRUE(trace.opened()) << trace.error();
  std::atomic<int> step{0};  // 1: span open, 2: the other thread's calls made
  std::thread other([&] {
    while (step.load(std::memory_order_relaxed) != 1) std::this_thread::yield();
    std::uint32_t word = 1;
    for (int i = 0; i < 10; ++i) futex_call(&word, FUTEX_WAKE_PRIVATE, 1);
    for (int i = 0; i < 10; ++i) futex_call(&word, FUTEX_WAIT_PRIVATE, 0);
    step.store(2, std::memory_order_relaxed);
  });
  trace.enable();
  step.store(1, std::memory_order_relaxed);
  while (step.load(std::memory_order_relaxed) != 2) std::this_thread::yield();
  trace.disable();
  other.join();
  EXPECT_EQ(trace.read(), FutexCalls{});
}

// ---- the driver's choice of source ----------------------------------------------

DriverConfig unpinned(int threads, std::chrono::milliseconds window = std::chrono::milliseconds(100)) {
  DriverConfig cfg;
  cfg.case_name = "test/futex";
  cfg.plan.pu_of_thread.assign(static_cast<std::size_t>(threads), 0);
  cfg.duration = window;
  return cfg;
}

std::map<std::string, double> as_map(const Metrics& m) { return {m.begin(), m.end()}; }

// Exactly one futex wake per operation, made behind the wait layer's back.
struct OneWakePerOperation {
  void operation(WorkerContext&) { futex_call(&word, FUTEX_WAKE_PRIVATE, 1); }
  void think(WorkerContext&) {}
  std::uint32_t word = 0;
};

// The barrier before the window and the stop at its end make futex calls of
// their own; none is counted: each worker's wakes are exactly its operations.
TEST(FutexDriver, TracesTheWorkloadAndNotTheBarrierOrTheStop) {
  SKIP_WITHOUT_FUTEX_TRACEPOINT();
  OneWakePerOperation w;
  const RunResult run = run_fixed_duration(unpinned(3, std::chrono::milliseconds(30)), w);
  ASSERT_EQ(run.futex_source, FutexSource::tracepoint) << run.futex_source_reason;
  EXPECT_EQ(run.futex_trace_failed, 0);
  for (const WorkerResult& r : run.workers) {
    EXPECT_GT(r.ops, 0u);
    EXPECT_EQ(r.futex_wakes, r.ops);
    EXPECT_EQ(r.futex_waits, 0u);
    EXPECT_EQ(r.wait_layer_futex, FutexCalls{}) << "the wait layer never saw them";
  }
  const auto m = as_map(summarize(run));
  EXPECT_DOUBLE_EQ(m.at("futex_wakes_per_op"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("futex_waits_per_op"), 0.0);
}

// std::mutex sleeps in glibc's futex calls, which only the tracepoint sees:
// eight threads on two cores, the `oversubscribed` level's work.
TEST(FutexDriver, StdMutexOversubscribedSleepsInTheKernel) {
  SKIP_WITHOUT_FUTEX_TRACEPOINT();
  LockWorkload<peers::StdMutex> w(*find_contention_level("oversubscribed"), calibrate_delay(), 8);
  const RunResult run = run_fixed_duration(unpinned(8), w);
  ASSERT_EQ(run.futex_source, FutexSource::tracepoint) << run.futex_source_reason;
  const auto m = as_map(summarize(run));
  EXPECT_GT(m.at("futex_waits_per_op"), 0.0);
  EXPECT_GT(m.at("futex_wakes_per_op"), 0.0);
  EXPECT_EQ(w.verify(run), "");
}

// A lock of ours makes every futex call through the wait layer and nothing
// else futexes in the lock workload: both counts agree, worker by worker.
// (A sanitizer's runtime may take its own futex-based locks on a worker, which
// only the tracepoint sees: there it may count more, never less.)
TEST(FutexDriver, TracepointAgreesWithTheWaitLayerForOurMutex) {
  SKIP_WITHOUT_FUTEX_TRACEPOINT();
  LockWorkload<locks::FutexMutex3> w(*find_contention_level("oversubscribed"), calibrate_delay(), 8);
  const RunResult run = run_fixed_duration(unpinned(8), w);
  ASSERT_EQ(run.futex_source, FutexSource::tracepoint) << run.futex_source_reason;
  FutexCalls traced, counted;
  for (const WorkerResult& r : run.workers) {
    ASSERT_TRUE(r.traced_futex.has_value());
    traced.waits += r.traced_futex->waits;
    traced.wakes += r.traced_futex->wakes;
    counted.waits += r.wait_layer_futex.waits;
    counted.wakes += r.wait_layer_futex.wakes;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    EXPECT_GE(r.traced_futex->waits, r.wait_layer_futex.waits);
    EXPECT_GE(r.traced_futex->wakes, r.wait_layer_futex.wakes);
#else
    EXPECT_EQ(*r.traced_futex, r.wait_layer_futex);
#endif
  }
  EXPECT_GT(traced.waits, 0u) << "eight threads on two cores: some waiter must have slept";
  using ull = unsigned long long;
  std::printf("futex_mutex3, 8 threads, %llu operations: tracepoint %llu waits %llu wakes, "
              "wait layer %llu waits %llu wakes\n",
              static_cast<ull>(run.total_ops()), static_cast<ull>(traced.waits), static_cast<ull>(traced.wakes),
              static_cast<ull>(counted.waits), static_cast<ull>(counted.wakes));
}

// The tracepoint unavailable (the probe pointed at a tracefs that is not
// there): a peer's futex figures are absent, with the reason; ours come from
// the wait layer, a 0 included.
TEST(FutexDriver, WithoutTheTracepointPeersAreAbsentAndOursFromTheWaitLayer) {
  const FutexTracepoint unavailable = probe_futex_tracepoint({"/nonexistent/synclab/tracing"});
  ASSERT_FALSE(unavailable.available);
  DriverConfig cfg = unpinned(8);
  cfg.futex_trace = &unavailable;
  const ContentionLevel level = *find_contention_level("oversubscribed");
  const DelayCalibration calibration = calibrate_delay();

  LockWorkload<peers::StdMutex> peer(level, calibration, 8);
  const RunResult peer_run = run_fixed_duration(cfg, peer);
  EXPECT_EQ(peer_run.futex_source, FutexSource::none);
  EXPECT_NE(peer_run.futex_source_reason.find("outside synclab's counted wait layer"), std::string::npos);
  EXPECT_NE(peer_run.futex_source_reason.find(unavailable.reason), std::string::npos) << peer_run.futex_source_reason;
  const auto peer_metrics = as_map(summarize(peer_run));
  EXPECT_EQ(peer_metrics.count("futex_waits_per_op"), 0u);
  EXPECT_EQ(peer_metrics.count("futex_wakes_per_op"), 0u);
  EXPECT_EQ(peer_metrics.count("futex_trace_failed"), 0u);
  EXPECT_GT(peer_metrics.at("ops_per_sec"), 0.0);

  LockWorkload<locks::FutexMutex3> ours(level, calibration, 8);
  const RunResult our_run = run_fixed_duration(cfg, ours);
  EXPECT_EQ(our_run.futex_source, FutexSource::wait_layer);
  EXPECT_NE(our_run.futex_source_reason.find(unavailable.reason), std::string::npos);
  const auto our_metrics = as_map(summarize(our_run));
  EXPECT_GT(our_metrics.at("futex_waits_per_op"), 0.0) << "eight threads on two cores: some waiter must have slept";
  for (const WorkerResult& r : our_run.workers) EXPECT_EQ(r.futex_waits, r.wait_layer_futex.waits);

  // One of ours that never sleeps: its 0 was measured, and is reported.
  LockWorkload<locks::TtasSpin> spinner(*find_contention_level("high"), calibration, 2);
  DriverConfig spin_cfg = unpinned(2, std::chrono::milliseconds(20));
  spin_cfg.futex_trace = &unavailable;
  const auto spin_metrics = as_map(summarize(run_fixed_duration(spin_cfg, spinner)));
  EXPECT_EQ(spin_metrics.at("futex_waits_per_op"), 0.0);
  EXPECT_EQ(spin_metrics.at("futex_wakes_per_op"), 0.0);
}

TEST(FutexDriver, NotTracedAtAllIsSaidSo) {
  DriverConfig cfg = unpinned(1, std::chrono::milliseconds(10));
  cfg.futex_trace = nullptr;
  LockWorkload<peers::StdMutex> peer(*find_contention_level("uncontended"), DelayCalibration{100}, 1);
  const RunResult run = run_fixed_duration(cfg, peer);
  EXPECT_EQ(run.futex_source, FutexSource::none);
  EXPECT_NE(run.futex_source_reason.find("not traced in this run"), std::string::npos) << run.futex_source_reason;
}

// A worker that could not open the tracepoint the probe opened (simulated:
// settle_futex_figures on a run where one worker has no count) falls back,
// and futex_trace_failed says so.
TEST(FutexDriver, AWorkerThatCouldNotTraceFallsBack) {
  FutexTracepoint available;
  available.available = true;
  RunResult run;
  run.workers.resize(2);
  run.workers[0].ops = run.workers[1].ops = 10;
  run.workers[0].traced_futex = FutexCalls{3, 2};
  run.workers[0].wait_layer_futex = {1, 1};
  run.workers[1].wait_layer_futex = {4, 0};
  run.workers[1].futex_trace_error = "perf_event_open(syscalls:sys_enter_futex, id 1): Too many open files";
  run.elapsed_s = 1;

  RunResult ours = run;
  detail::settle_futex_figures(ours, &available, /*wait_layer_sees_all=*/true);
  EXPECT_EQ(ours.futex_source, FutexSource::wait_layer);
  EXPECT_EQ(ours.futex_trace_failed, 1);
  EXPECT_NE(ours.futex_source_reason.find("1 of 2 workers could not trace futex syscalls: perf_event_open"),
            std::string::npos)
      << ours.futex_source_reason;
  auto m = as_map(summarize(ours));
  EXPECT_DOUBLE_EQ(m.at("futex_waits_per_op"), 5.0 / 20);
  EXPECT_DOUBLE_EQ(m.at("futex_trace_failed"), 1);

  RunResult peer = run;
  detail::settle_futex_figures(peer, &available, /*wait_layer_sees_all=*/false);
  EXPECT_EQ(peer.futex_source, FutexSource::none);
  m = as_map(summarize(peer));
  EXPECT_EQ(m.count("futex_waits_per_op"), 0u);
  EXPECT_DOUBLE_EQ(m.at("futex_trace_failed"), 1);

  RunResult traced = run;
  traced.workers[1].traced_futex = FutexCalls{0, 5};
  detail::settle_futex_figures(traced, &available, /*wait_layer_sees_all=*/false);
  EXPECT_EQ(traced.futex_source, FutexSource::tracepoint);
  m = as_map(summarize(traced));
  EXPECT_DOUBLE_EQ(m.at("futex_waits_per_op"), 3.0 / 20);
  EXPECT_DOUBLE_EQ(m.at("futex_wakes_per_op"), 7.0 / 20);
  EXPECT_EQ(m.count("futex_trace_failed"), 0u);
}

// ---- the results context -----------------------------------------------------------

TEST(FutexContext, UnavailableNamesTheSourceAndWhatIsNotMeasured) {
  FutexTracepoint unavailable;
  unavailable.reason = "cannot read \"/x/id\": Permission denied";
  const Context c = futex_context(unavailable);
  const std::map<std::string, std::string> kv(c.begin(), c.end());
  EXPECT_EQ(kv.at("futex_count_source"), "wait_layer");
  EXPECT_EQ(kv.at("futex_tracepoint"), "unavailable: " + unavailable.reason);
  const std::string& nm = kv.at("not_measured");
  EXPECT_EQ(nm.front(), '{');
  EXPECT_EQ(nm.back(), '}');
  for (const std::string_view metric : kFutexMetrics)
    EXPECT_NE(nm.find("\"" + std::string(metric) + "\": \""), std::string::npos) << metric;
  EXPECT_NE(nm.find("cannot read \\\"/x/id\\\": Permission denied"), std::string::npos) << nm;
  EXPECT_NE(nm.find("outside synclab's counted wait layer"), std::string::npos) << nm;
}

TEST(FutexContext, AvailableNeedsNoExcuse) {
  FutexTracepoint available;
  available.available = true;
  available.tracefs = "/sys/kernel/tracing";
  available.events = {{"sys_enter_futex", 522, FutexCallKind::wait, "op == 0"},
                      {"sys_enter_futex", 522, FutexCallKind::wake, "op == 1"}};
  const Context c = futex_context(available);
  const std::map<std::string, std::string> kv(c.begin(), c.end());
  EXPECT_EQ(kv.at("futex_count_source"), "tracepoint");
  EXPECT_EQ(kv.count("not_measured"), 0u);
  EXPECT_EQ(kv.at("futex_tracepoint"),
            "available: /sys/kernel/tracing, syscalls:sys_enter_futex (id 522, waits, op filtered), "
            "syscalls:sys_enter_futex (id 522, wakes, op filtered)");
}

}  // namespace
}  // namespace synclab::harness
