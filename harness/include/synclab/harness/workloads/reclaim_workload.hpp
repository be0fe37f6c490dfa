// reclaim_workload.hpp — the read_mostly scenario of the reclaim family
// (docs/reclaim.md), written once against synclab::reclaim::Publication.
//
// Worker 0 is the writer: each operation stamps the current object (through
// h.read, setting its retire stamp to the time now), replaces it with
// h.update and announces h.quiescent(); one writer, so the stamped object is
// the one that update retires. A level may pace it (think time after each update). Every other
// worker is a reader: each operation is h.read computing a checksum of the
// payload and checking its canary, then h.quiescent(). At t:1 there is only
// the writer. Each worker makes its handle on its first operation and
// destroys it in end_worker(), on the same thread, as the concept asks, and
// before the thread exits: a library that keeps its own thread-local records
// (xenium) still has them then. (Destroyed from a thread_local destructor
// instead, a xenium handle ran after xenium's records were gone, and what it
// retired then was never freed.)
//
// The payload (ReclaimPayload, 64 bytes) points to the case's ledger. Its
// destructor, when the object was stamped, decrements the ledger's count of
// objects awaiting reclamation and, while the window is open, records the
// time from the stamp to the free in the ledger's histogram (a free on any
// thread: a reader may drop the last reference). Objects freed after the
// window ends (by ~P, or by the last updates before the workers see the stop
// flag) are not recorded.
//
// Objects awaiting reclamation: the count rises by one when the writer stamps
// an object and falls by one when a stamped object is freed. Only the writer
// raises it, once per update, so its maximum over the window is one of the
// values right after a stamp: the writer samples it there (the fetch_add's
// result), which makes the peak exact, not an estimate. The mean is over the
// same samples, one per update (a mean per update, not per unit of time).
// Bytes are the count × P::object_bytes (the object plus the scheme's own
// header).
//
// Extra metrics (extra_metrics), each only where measured:
//   reads_per_sec, ns_per_read, cpu_ns_per_read        the readers (absent at
//                                                      t:1: no reader)
//   updates_per_sec, ns_per_update, cpu_ns_per_update  the writer
//   awaiting_objects_peak, awaiting_objects_mean,
//   awaiting_bytes_peak, awaiting_bytes_mean           absent without an update
//   retire_to_free_mean_ns and retire_to_free_p50_ns,
//   _p99_ns, _p999_ns, _max_ns, _samples               absent when nothing
//                                                      stamped was freed in
//                                                      the window
// A reader that finds a bad canary (an object freed under it and poisoned, or
// reused) fails the case (verify).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/harness/delay.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/futex_source.hpp"
#include "synclab/harness/histogram.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/workloads/pinned_loops.hpp"
#include "synclab/padding/padded.hpp"
#include "synclab/reclaim/concepts.hpp"

namespace synclab::harness {

// Where the payload's destructor reports: the objects awaiting reclamation
// and the retire-to-free times of the window.
class ReclaimLedger {
 public:
  // The count after one more stamped object (the writer, right after a stamp).
  std::int64_t stamped() noexcept { return awaiting_.fetch_add(1, std::memory_order_relaxed) + 1; }

  // A stamped object's destructor.
  void freed(std::uint64_t stamp_ns) {
    awaiting_.fetch_sub(1, std::memory_order_relaxed);
    if (!open_.load(std::memory_order_relaxed)) return;
    const std::uint64_t now = now_ns();
    const std::uint64_t ns = now > stamp_ns ? now - stamp_ns : 0;
    // A spin flag, not a mutex: the harness makes no futex call of its own,
    // so a scheme that never sleeps can have its futex count measured as 0.
    while (busy_.exchange(true, std::memory_order_acquire))
      while (busy_.load(std::memory_order_relaxed)) cpu_relax();
    retire_to_free_.record(ns);
    sum_ns_ += static_cast<double>(ns);
    busy_.store(false, std::memory_order_release);
  }

  void close() noexcept { open_.store(false, std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t awaiting() const noexcept { return awaiting_.load(std::memory_order_relaxed); }

  // Call after the workers have joined.
  [[nodiscard]] const LatencyHistogram& retire_to_free() const noexcept { return retire_to_free_; }
  [[nodiscard]] double retire_to_free_sum_ns() const noexcept { return sum_ns_; }

 private:
  alignas(128) std::atomic<std::int64_t> awaiting_{0};
  alignas(128) std::atomic<bool> open_{true};
  std::atomic<bool> busy_{false};  // guards the histogram and the sum
  LatencyHistogram retire_to_free_;
  double sum_ns_ = 0;
};

// The published object: 64 bytes, one line.
struct alignas(64) ReclaimPayload {
  static constexpr std::uint64_t kCanary = 0x5eed'c0de'cafe'f00dull;
  static constexpr std::uint64_t kPoison = 0xdead'dead'dead'deadull;
  static constexpr std::size_t kWords = 5;

  ReclaimPayload(ReclaimLedger* l, std::uint64_t seq) noexcept : ledger(l) {
    for (std::size_t i = 0; i < kWords; ++i) words[i] = seq + i;
  }
  // A copy is a new, unstamped object.
  ReclaimPayload(const ReclaimPayload& o) noexcept : ledger(o.ledger), words(o.words) {}
  ReclaimPayload& operator=(const ReclaimPayload&) = delete;
  ~ReclaimPayload() {
    const std::uint64_t stamp = retire_stamp_ns.load(std::memory_order_relaxed);
    if (stamp != 0 && ledger != nullptr) ledger->freed(stamp);
    canary = kPoison;
    // Compiler-only barrier: keep the poisoning store although the object dies.
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }

  // The readers' work: a checksum of the words; 0 when the canary is bad.
  [[nodiscard]] std::uint64_t checksum() const noexcept {
    std::uint64_t sum = 0;
    for (const std::uint64_t w : words) sum += w;
    return canary == kCanary ? sum | 1 : 0;
  }

  std::uint64_t canary = kCanary;
  ReclaimLedger* ledger;
  // Set by the writer on the current object right before the update that
  // retires it (now_ns(); 0: never stamped).
  mutable std::atomic<std::uint64_t> retire_stamp_ns{0};
  std::array<std::uint64_t, kWords> words{};
};
static_assert(sizeof(ReclaimPayload) == 64);

template <class P>
  requires reclaim::Publication<P, ReclaimPayload>
class ReclaimReadMostlyWorkload {
 public:
  // The harness makes no futex call (the ledger spins): the wait layer sees
  // every call of a scheme that declares it does.
  static constexpr bool counts_futex_calls = futex_counted<P>;
  // think_ns: the writer's pause after each update (0: updates back to back).
  ReclaimReadMostlyWorkload(int threads, std::uint64_t writer_think_ns, const DelayCalibration& calibration)
      : think_iterations_(calibration.iterations_for_ns(writer_think_ns)),
        publication_(std::in_place, ReclaimPayload(&ledger_, 0)),
        workers_(static_cast<std::size_t>(threads)) {}

  void operation(WorkerContext& ctx) {
    Worker& me = *workers_[static_cast<std::size_t>(ctx.index)];
    if (!me.h) [[unlikely]]
      me.h.emplace(publication_.value);  // made on the thread that uses it
    if (ctx.index == 0)
      write(me);
    else
      read(me);
  }

  void think(WorkerContext& ctx) {
    if (ctx.index == 0) spin_iterations(think_iterations_);
  }

  // The stop flag is up: frees from now on are outside the window.
  void end_window() { ledger_.close(); }

  // On the worker's own thread, after its loop: its handle dies there,
  // before the workload (hence before the publication).
  void end_worker(WorkerContext& ctx) { workers_[static_cast<std::size_t>(ctx.index)]->h.reset(); }

  [[nodiscard]] std::string verify(const RunResult&) const {
    std::uint64_t bad = 0;
    for (const auto& w : workers_) bad += w->bad_canaries;
    if (bad != 0) return std::to_string(bad) + " reads saw a bad canary (an object freed or reused under a reader)";
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    Metrics m;
    const Worker& writer = *workers_[0];
    std::uint64_t reads = 0;
    for (std::size_t i = 1; i < workers_.size(); ++i) reads += workers_[i]->ops;
    if (workers_.size() > 1)
      put_unit_costs(m, "reads_per_sec", "read", static_cast<double>(reads), run, 1, workers_.size());
    put_unit_costs(m, "updates_per_sec", "update", static_cast<double>(writer.ops), run, 0, 1);
    if (writer.ops > 0) {
      const double mean = static_cast<double>(writer.awaiting_sum) / static_cast<double>(writer.ops);
      const double bytes = static_cast<double>(P::object_bytes);
      put(m, "awaiting_objects_peak", static_cast<double>(writer.awaiting_peak));
      put(m, "awaiting_objects_mean", mean);
      put(m, "awaiting_bytes_peak", static_cast<double>(writer.awaiting_peak) * bytes);
      put(m, "awaiting_bytes_mean", mean * bytes);
    }
    const LatencyHistogram& h = ledger_.retire_to_free();
    put(m, "retire_to_free_mean_ns", per(ledger_.retire_to_free_sum_ns(), static_cast<double>(h.count())));
    put_latency(m, "retire_to_free", h);
    return m;
  }

 private:
  struct Worker {
    std::optional<typename P::handle> h;
    std::uint64_t ops = 0;
    std::uint64_t bad_canaries = 0;
    std::int64_t awaiting_peak = 0;
    std::int64_t awaiting_sum = 0;
  };

  void write(Worker& me) {
    ++me.ops;
    me.h->read([](const ReclaimPayload& current) {
      current.retire_stamp_ns.store(now_ns(), std::memory_order_relaxed);
      return 0;
    });
    const std::int64_t awaiting = ledger_.stamped();
    if (awaiting > me.awaiting_peak) me.awaiting_peak = awaiting;
    me.awaiting_sum += awaiting;
    me.h->update(ReclaimPayload(&ledger_, me.ops));
    me.h->quiescent();  // the writer holds no reference either (QSBR frees nothing without it)
  }

  void read(Worker& me) {
    const int good = me.h->read([](const ReclaimPayload& p) {
      const std::uint64_t sum = p.checksum();
      keep(sum);
      return static_cast<int>(sum != 0);
    });
    if (good == 0) [[unlikely]]
      ++me.bad_canaries;
    me.h->quiescent();
    ++me.ops;
  }

  const std::uint64_t think_iterations_;
  ReclaimLedger ledger_;  // outlives the publication: ~P frees objects that report here
  padding::Padded<P, 128> publication_;
  std::vector<padding::Padded<Worker, 128>> workers_;
};

}  // namespace synclab::harness
