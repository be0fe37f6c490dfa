// arc.hpp — atomic reference count with the orderings of Rust's Arc.
//
// Algorithm: one heap block holding an atomic count and the object.
//   clone()  fetch_add(1, relaxed); abort if the old value exceeds max/2.
//   drop     fetch_sub(1, release); the handle that took the count from 1 to
//            0 issues an acquire fence and deletes the block.
//   get_mut  a relaxed load; if it reads 1, an acquire fence, and the caller
//            is the only owner and may mutate.
// Source: Rust Atomics and Locks, ch. 6 "Basic Reference Counting" and
//   "Mutation" (the conversion of the book's listings garbles the orderings;
//   these follow its prose: relaxed increment, release decrement, acquire
//   fence on the last one). Boost.Atomic's reference-counting example uses
//   the same recipe.
// Memory ordering:
//   clone    relaxed: a new reference is made from an existing one, so the
//            object is alive and already visible to this thread; nothing is
//            published by the increment.
//   drop     release: everything this holder did with the object must happen
//            before the destruction by whichever holder drops last. Only the
//            last decrement needs acquire, so it is a fence after the
//            decrement instead of acquire on every decrement (arc_acqrel.hpp
//            measures the difference). Under ThreadSanitizer the fence becomes
//            an acquire load (refcount/detail.hpp).
//   get_mut  the relaxed load that sees 1 is followed by the acquire fence,
//            pairing with the release decrements of the handles dropped
//            before, so their accesses happen-before the caller's mutation.
//   use_count() is a relaxed snapshot, for tests and diagnostics only.
// Guarantees: the object is destroyed exactly once, after every handle is
//   gone; lock-free (one RMW per clone or drop); handles may be cloned and
//   dropped from any thread.
// Cost: one atomic RMW on the block's line per clone and per drop; under
//   contention that line moves between cores on every operation.
// Layout: [count | T] in one allocation (the count shares a line with the
//   start of T), the handle is one pointer. No weak references: arc_weak.hpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>
#include <utility>

#include "synclab/refcount/concepts.hpp"
#include "synclab/refcount/detail.hpp"

namespace synclab::refcount {

namespace detail {

// drop's decrement in arc: release, then an acquire on the last one only.
struct ReleaseThenFence {
  static constexpr std::string_view name = "arc";
  static bool decrement_is_last(std::atomic<std::size_t>& count) noexcept {
    if (count.fetch_sub(1, std::memory_order_release) != 1) return false;
    acquire_after_release_decrements(count);
    return true;
  }
};

}  // namespace detail

// One Arc with the decrement of `DropPolicy`; arc is BasicArc<T,
// detail::ReleaseThenFence>, arc_acqrel (arc_acqrel.hpp) differs only there.
template <class T, class DropPolicy>
class BasicArc {
 public:
  using element_type = T;
  static constexpr std::string_view name = DropPolicy::name;
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool thread_safe = true;

  BasicArc() noexcept = default;
  BasicArc(const BasicArc& other) noexcept : block_(other.block_) {
    if (block_ != nullptr) increment();
  }
  BasicArc(BasicArc&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  BasicArc& operator=(BasicArc other) noexcept {
    std::swap(block_, other.block_);
    return *this;
  }
  ~BasicArc() { reset(); }

  template <class... Args>
  [[nodiscard]] static BasicArc make(Args&&... args) {
    return BasicArc(new Block(std::forward<Args>(args)...));
  }

  [[nodiscard]] BasicArc clone() const noexcept { return *this; }

  void reset() noexcept {
    if (Block* b = std::exchange(block_, nullptr); b != nullptr && DropPolicy::decrement_is_last(b->count)) delete b;
  }

  [[nodiscard]] T* get() const noexcept { return block_ != nullptr ? &block_->value : nullptr; }
  T& operator*() const noexcept { return block_->value; }
  T* operator->() const noexcept { return &block_->value; }
  explicit operator bool() const noexcept { return block_ != nullptr; }

  // A snapshot (relaxed): it may be stale by the time the caller reads it.
  [[nodiscard]] std::size_t use_count() const noexcept {
    return block_ != nullptr ? block_->count.load(std::memory_order_relaxed) : 0;
  }

  // The object, mutable, if `a` is its only handle; nullptr otherwise.
  [[nodiscard]] static T* get_mut(BasicArc& a) noexcept {
    if (a.block_ == nullptr || a.block_->count.load(std::memory_order_relaxed) != 1) return nullptr;
    detail::acquire_after_release_decrements(a.block_->count);
    return &a.block_->value;
  }

  // Tests only: overwrite the count to reach the overflow limit without
  // cloning max/2 times. The object is leaked afterwards.
  static void set_count_for_testing(const BasicArc& a, std::size_t count) noexcept {
    a.block_->count.store(count, std::memory_order_relaxed);
  }

 private:
  struct Block {
    template <class... Args>
    explicit Block(Args&&... args) : value(std::forward<Args>(args)...) {}
    std::atomic<std::size_t> count{1};
    T value;
  };

  explicit BasicArc(Block* b) noexcept : block_(b) {}

  void increment() const noexcept {
    if (block_->count.fetch_add(1, std::memory_order_relaxed) > detail::kMaxRefs)
      detail::abort_on_overflow(name.data());
  }

  Block* block_ = nullptr;
};

template <class T>
using Arc = BasicArc<T, detail::ReleaseThenFence>;

static_assert(RefCountedHandle<Arc<int>>);
static_assert(sizeof(Arc<int>) == sizeof(void*));
static_assert(std::atomic<std::size_t>::is_always_lock_free);

}  // namespace synclab::refcount
