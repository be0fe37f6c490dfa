// sharded_rc.hpp — a reference count split over padded per-thread shards
// while the object is live, collapsed into one atomic count when it is
// killed.
//
// Source: the Linux kernel's percpu_ref (Tejun Heo; lib/percpu-refcount.c):
//   per-CPU get/put in "percpu mode", percpu_ref_kill() switching to one
//   atomic count so that zero can be detected. folly's TLRefCount is the same
//   idea with thread-local counts.
// Algorithm:
//   - The block holds S shards (Padded to 128 bytes each, so threads on
//     different shards never share a line), one atomic `global` count and the
//     object. A thread uses shard (its index % S); thread indexes are handed
//     out round-robin on first use, so up to S threads never share a shard.
//   - make() returns the base handle; its reference lives in `global` (which
//     starts at 1). clone() of any handle returns a shard handle: +1 on the
//     thread's shard; dropping a shard handle is -1 on the dropping thread's
//     shard. Shards count in an offset encoding, so a shard may go negative
//     (a handle cloned on one thread and dropped on another); only the sum
//     over all shards and `global` means anything, and while the object is
//     live nobody computes it, so zero cannot be seen and the object cannot
//     be freed.
//   - Dropping the base handle kills the object: add a large bias to
//     `global`, exchange every shard with DEAD (collecting its count), add
//     the collected sum minus the bias to `global`, then drop the base
//     reference from `global` like an arc. From then on clone and drop find
//     their shard DEAD and use `global`; the thread that takes `global` to
//     zero destroys the object.
//   - Each shard operation is a compare-exchange that refuses a DEAD shard,
//     so every shard operation lands either before the exchange that
//     collects the shard (and is in the sum) or after it (and goes to
//     `global`): none is lost. The bias keeps `global` above zero while the
//     shards are being collected, when the references already counted on a
//     collected shard may be dropped on `global`.
// Simplifications: the kernel switches modes after an RCU grace period and
//   can switch back to per-CPU mode; here the switch is immediate (the CAS on
//   each shard makes it safe without a grace period, at the price of a CAS
//   instead of a plain per-CPU add) and one-way. Shards are per thread index,
//   not per CPU, so the shard never changes under a running thread.
// Memory ordering:
//   shard +1 (clone)     relaxed CAS: made from a live reference.
//   shard -1 (drop)      release CAS: this holder's use must happen-before the
//                        destruction; the kill's exchange of that shard reads
//                        the end of its release sequence.
//   kill exchange        acq_rel: acquires every drop counted on the shard;
//                        then the acq_rel fetch_add on `global` passes it on.
//   global +1            relaxed; global -1 release, the one reaching 0 adds
//                        an acquire (fence; a load under TSan) and destroys.
// Guarantees: destroyed exactly once, after the base handle and every clone
//   are gone; lock-free. Not for short-lived objects: killing costs S RMWs on
//   S lines, and every object carries S padded shards.
// Cost: live clone/drop: a thread_local read and one uncontended CAS on the
//   thread's own line, whatever the number of threads. Kill: S + 3 RMWs.
// Layout: S x 128-byte shards, a 128-byte line for `global`, then T:
//   (S + 1) x 128 bytes + sizeof(T) per object (1152 + sizeof(T) with S = 8).
//   The handle is a pointer and a flag (base or clone).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "synclab/padding/padded.hpp"
#include "synclab/refcount/concepts.hpp"
#include "synclab/refcount/detail.hpp"

namespace synclab::refcount {

namespace sharded_detail {

inline std::atomic<unsigned> next_thread_index{0};
inline constexpr unsigned kNoIndex = ~0u;
inline thread_local unsigned this_thread_index = kNoIndex;

inline unsigned thread_index() noexcept {
  if (this_thread_index == kNoIndex) this_thread_index = next_thread_index.fetch_add(1, std::memory_order_relaxed);
  return this_thread_index;
}

// Shard word: kOffset + count while live, kDead once collected.
inline constexpr std::uint64_t kDead = std::uint64_t{1} << 63;
inline constexpr std::uint64_t kOffset = std::uint64_t{1} << 62;
// Added to `global` during a kill (see the top comment).
inline constexpr std::int64_t kKillBias = std::int64_t{1} << 60;

}  // namespace sharded_detail

template <class T, unsigned Shards = 8>
class ShardedRc {
  static_assert(Shards >= 1);

 public:
  using element_type = T;
  static constexpr std::string_view name = "sharded_rc";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool thread_safe = true;
  static constexpr unsigned shards = Shards;

  ShardedRc() noexcept = default;
  ShardedRc(const ShardedRc& other) noexcept : block_(other.block_) {
    if (block_ != nullptr) get(block_);
  }
  ShardedRc(ShardedRc&& other) noexcept
      : block_(std::exchange(other.block_, nullptr)), base_(std::exchange(other.base_, false)) {}
  ShardedRc& operator=(ShardedRc other) noexcept {
    std::swap(block_, other.block_);
    std::swap(base_, other.base_);
    return *this;
  }
  ~ShardedRc() { reset(); }

  template <class... Args>
  [[nodiscard]] static ShardedRc make(Args&&... args) {
    return ShardedRc(new Block(std::forward<Args>(args)...));
  }

  // Always a shard handle, also when cloning the base handle.
  [[nodiscard]] ShardedRc clone() const noexcept { return *this; }

  void reset() noexcept {
    Block* b = std::exchange(block_, nullptr);
    if (b == nullptr) return;
    if (std::exchange(base_, false)) {
      kill(b);
      put_global(b);
    } else {
      put(b);
    }
  }

  [[nodiscard]] T* get() const noexcept { return block_ != nullptr ? &block_->value : nullptr; }
  T& operator*() const noexcept { return block_->value; }
  T* operator->() const noexcept { return &block_->value; }
  explicit operator bool() const noexcept { return block_ != nullptr; }

  [[nodiscard]] bool is_base() const noexcept { return base_; }
  // True once the base handle has been dropped (then every handle uses one count).
  [[nodiscard]] bool killed() const noexcept {
    return block_ != nullptr &&
           (block_->shards[0]->load(std::memory_order_relaxed) & sharded_detail::kDead) != 0;
  }

 private:
  struct Block {
    template <class... Args>
    explicit Block(Args&&... args) : value(std::forward<Args>(args)...) {
      for (auto& s : shards) s->store(sharded_detail::kOffset, std::memory_order_relaxed);
    }
    padding::Padded<std::atomic<std::uint64_t>, 128> shards[Shards];
    alignas(128) std::atomic<std::int64_t> global{1};  // the base reference, then everything after the kill
    alignas(128) T value;
  };

  static std::atomic<std::uint64_t>& my_shard(Block* b) noexcept {
    return *b->shards[sharded_detail::thread_index() % Shards];
  }

  static void get(Block* b) noexcept {
    std::atomic<std::uint64_t>& s = my_shard(b);
    std::uint64_t v = s.load(std::memory_order_relaxed);
    do {
      if ((v & sharded_detail::kDead) != 0) {
        if (b->global.fetch_add(1, std::memory_order_relaxed) > static_cast<std::int64_t>(detail::kMaxRefs / 4))
          detail::abort_on_overflow(name.data());
        return;
      }
    } while (!s.compare_exchange_weak(v, v + 1, std::memory_order_relaxed, std::memory_order_relaxed));
  }

  static void put(Block* b) noexcept {
    std::atomic<std::uint64_t>& s = my_shard(b);
    std::uint64_t v = s.load(std::memory_order_relaxed);
    do {
      if ((v & sharded_detail::kDead) != 0) {
        put_global(b);
        return;
      }
    } while (!s.compare_exchange_weak(v, v - 1, std::memory_order_release, std::memory_order_relaxed));
  }

  static void put_global(Block* b) noexcept {
    if (b->global.fetch_sub(1, std::memory_order_release) != 1) return;
    detail::acquire_after_release_decrements(b->global);
    delete b;
  }

  // Collapses the shards into `global`. Only the base handle's drop calls it,
  // so it runs once per object.
  static void kill(Block* b) noexcept {
    b->global.fetch_add(sharded_detail::kKillBias, std::memory_order_relaxed);
    std::int64_t sum = 0;
    for (auto& s : b->shards) {
      const std::uint64_t v = s->exchange(sharded_detail::kDead, std::memory_order_acq_rel);
      sum += static_cast<std::int64_t>(v) - static_cast<std::int64_t>(sharded_detail::kOffset);
    }
    b->global.fetch_add(sum - sharded_detail::kKillBias, std::memory_order_acq_rel);
  }

  explicit ShardedRc(Block* b) noexcept : block_(b), base_(true) {}

  Block* block_ = nullptr;
  bool base_ = false;  // this handle holds the base reference (the one in `global`)
};

static_assert(RefCountedHandle<ShardedRc<int>>);

}  // namespace synclab::refcount
