// refcount_workload.hpp — the operations of the refcount family, one class
// per scenario, written once against synclab::refcount::RefCountedHandle
// (docs/refcount.md).
//
//   uncontended / private  PrivateCloneWorkload: each worker clones and drops
//                          a handle to its own object, made by that worker on
//                          its first operation (so biased_rc's worker is the
//                          owner, and sharded_rc's clones land on its shard).
//                          uncontended is this at t:1.
//   shared                 SharedCloneWorkload: every worker clones and drops
//                          a handle to one object, made by the main thread
//                          before the run (no worker owns it).
//   cross_drop             CrossDropWorkload: each operation makes an object,
//                          swaps it into the next slot of a ring shared by all
//                          workers and drops what it took out, usually an
//                          object another worker made: its last reference dies
//                          on a thread other than its creator. Each such drop
//                          counts as a handoff (handoffs_per_sec).
//   weak_upgrade           WeakUpgradeWorkload: worker 0 clones and drops
//                          strong handles and replaces the object every 64
//                          operations; the other workers upgrade weak handles
//                          (and refresh them when the object is gone). At t:1
//                          the single worker only upgrades.
//   atomic slots           SlotLoadWorkload: loads from (and, for worker 0 in
//                          load_store, stores into) one shared slot such as
//                          std::atomic<std::shared_ptr<T>>.
// One operation is the whole clone + drop (or make + swap + drop, or upgrade
// + drop, or load + drop), so ns_per_op compares like with like. The slot
// locks of the ring and of the weak handle are a one-byte spin flag on the
// slot's own line: the same cost for every primitive.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/workloads/pinned_loops.hpp"
#include "synclab/padding/padded.hpp"
#include "synclab/refcount/concepts.hpp"

namespace synclab::harness {

// The object every handle points to in the benchmarks.
struct RefcountPayload {
  std::uint64_t value = 0;
  int creator = -1;  // worker index that made it (-1: the main thread)
};

namespace refcount_detail {

// A handle (or weak handle) on its own line, guarded by a spin flag.
template <class H>
struct alignas(128) GuardedSlot {
  std::atomic<bool> busy{false};
  H handle{};

  void lock() noexcept {
    while (busy.exchange(true, std::memory_order_acquire)) {
      while (busy.load(std::memory_order_relaxed)) cpu_relax();
    }
  }
  void unlock() noexcept { busy.store(false, std::memory_order_release); }
};

}  // namespace refcount_detail

template <refcount::RefCountedHandle H>
class SharedCloneWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<H>;
  SharedCloneWorkload() : object_(std::in_place, H::make(RefcountPayload{})) {}

  void operation(WorkerContext&) {
    H c = object_->clone();
    keep_address(c.get());
  }
  void think(WorkerContext&) {}

 private:
  padding::Padded<H, 128> object_;  // read-only during the run: only the count it points to moves
};

template <refcount::RefCountedHandle H>
class PrivateCloneWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<H>;
  explicit PrivateCloneWorkload(int threads) : objects_(static_cast<std::size_t>(threads)) {}

  void operation(WorkerContext& ctx) {
    H& mine = objects_[static_cast<std::size_t>(ctx.index)].value;
    if (!mine) [[unlikely]]
      mine = H::make(RefcountPayload{0, ctx.index});
    H c = mine.clone();
    keep_address(c.get());
  }
  void think(WorkerContext&) {}

 private:
  std::vector<padding::Padded<H, 128>> objects_;
};

template <refcount::RefCountedHandle H>
class CrossDropWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<H>;
  static constexpr int kSlotsPerThread = 4;

  explicit CrossDropWorkload(int threads)
      : ring_(static_cast<std::size_t>(threads * kSlotsPerThread)), cursor_(static_cast<std::size_t>(threads)) {
    // Workers start evenly spread over the ring and move forward one slot
    // per operation, so a slot is usually refilled by the next worker.
    for (int i = 0; i < threads; ++i) cursor_[static_cast<std::size_t>(i)].value = static_cast<std::size_t>(i * kSlotsPerThread);
  }

  void operation(WorkerContext& ctx) {
    H fresh = H::make(RefcountPayload{0, ctx.index});
    std::size_t& pos = cursor_[static_cast<std::size_t>(ctx.index)].value;
    auto& slot = ring_[pos];
    pos = pos + 1 == ring_.size() ? 0 : pos + 1;
    slot.lock();
    std::swap(fresh, slot.handle);
    slot.unlock();
    // `fresh` now holds the previous occupant: its only reference, dropped
    // here, outside the slot lock.
    if (fresh && fresh.get()->creator != ctx.index) ++ctx.handoffs;
  }
  void think(WorkerContext&) {}

 private:
  std::vector<refcount_detail::GuardedSlot<H>> ring_;
  std::vector<padding::Padded<std::size_t, 128>> cursor_;
};

template <refcount::WeakRefCountedHandle H>
class WeakUpgradeWorkload {
  using W = typename H::weak_type;

 public:
  static constexpr bool counts_futex_calls = futex_counted<H>;
  static constexpr std::uint64_t kReplaceEvery = 64;

  explicit WeakUpgradeWorkload(int threads)
      : churner_(threads > 1), readers_(static_cast<std::size_t>(threads)) {
    strong_->value = H::make(RefcountPayload{});
    published_.handle = strong_->value.downgrade();
    for (auto& r : readers_) r->weak = published_.handle.clone();
  }

  void operation(WorkerContext& ctx) {
    if (churner_ && ctx.index == 0) {
      churn();
      return;
    }
    Reader& r = *readers_[static_cast<std::size_t>(ctx.index)];
    ++r.attempts;
    if (H s = r.weak.upgrade()) {
      keep_address(s.get());
      ++r.successes;
    } else {  // the object was replaced: fetch the new weak handle
      published_.lock();
      r.weak = published_.handle.clone();
      published_.unlock();
    }
  }
  void think(WorkerContext&) {}

  // upgrades_per_sec and upgrade_success_ratio (readers only).
  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    std::uint64_t attempts = 0, successes = 0;
    for (const auto& r : readers_) {
      attempts += r->attempts;
      successes += r->successes;
    }
    Metrics m;
    put(m, "upgrades_per_sec", per_second(static_cast<double>(attempts), run.elapsed_s));
    put(m, "upgrade_success_ratio", per(static_cast<double>(successes), static_cast<double>(attempts)));
    return m;
  }

 private:
  struct Reader {
    W weak;
    std::uint64_t attempts = 0;
    std::uint64_t successes = 0;
  };
  struct Strong {
    H value;
    std::uint64_t churns = 0;
  };

  // Worker 0: strong references come and go; every kReplaceEvery operations
  // the object is replaced, so the old one dies while readers may be
  // upgrading it.
  void churn() {
    Strong& s = strong_.value;
    {
      H c = s.value.clone();
      keep_address(c.get());
    }
    if (++s.churns % kReplaceEvery == 0) {
      H fresh = H::make(RefcountPayload{s.churns, 0});
      W w = fresh.downgrade();
      published_.lock();
      std::swap(published_.handle, w);
      published_.unlock();
      s.value = std::move(fresh);  // the old object's last strong handle goes here (unless a reader holds one)
    }
  }

  const bool churner_;
  padding::Padded<Strong, 128> strong_;
  refcount_detail::GuardedSlot<W> published_;
  std::vector<padding::Padded<Reader, 128>> readers_;
};

// A shared slot with load() returning an owning handle and store(handle),
// such as peers::AtomicSharedPtr.
template <class S>
concept AtomicSlot = requires(S& s) {
  { s.load().get() };
  s.store(S::make(RefcountPayload{}));
};

template <AtomicSlot S>
class SlotLoadWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<S>;
  // writer: worker 0 stores a freshly made object on every operation.
  explicit SlotLoadWorkload(bool writer) : writer_(writer) { slot_->store(S::make(RefcountPayload{})); }

  void operation(WorkerContext& ctx) {
    if (writer_ && ctx.index == 0) {
      slot_->store(S::make(RefcountPayload{0, 0}));
      return;
    }
    auto p = slot_->load();
    keep_address(p.get());
  }
  void think(WorkerContext&) {}

 private:
  const bool writer_;
  padding::Padded<S, 128> slot_;
};

}  // namespace synclab::harness
