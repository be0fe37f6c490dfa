// rc.hpp — non-atomic reference count: the single-thread baseline.
//
// Algorithm: one heap block holding a plain std::size_t count and the object;
//   clone() increments it, dropping a handle decrements it and the handle
//   that takes it to zero deletes the block.
// Source: Rust's Rc (Rust Atomics and Locks, ch. 1 "Reference Counting" and
//   ch. 6): the same layout as Arc without atomics.
// Guarantees: none across threads. Two threads cloning or dropping handles to
//   one object race on the count (a lost decrement leaks, a lost increment
//   frees early); every handle of an object must stay on one thread.
//   `thread_safe` is false, so the benchmarks register it at t:1 only and the
//   concurrent tests leave it out.
// Why it is measured: the difference between rc and arc at t:1 is the price
//   of the lock-prefixed instruction (x86) or the exclusive pair (arm64) an
//   atomic count pays even when no other thread is around.
// Memory ordering: none (single thread).
// Overflow: aborts above max/2 like arc, so the two differ only in atomicity.
// Layout: [count | T], one allocation, the handle is one pointer.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include "synclab/refcount/concepts.hpp"
#include "synclab/refcount/detail.hpp"

namespace synclab::refcount {

template <class T>
class Rc {
 public:
  using element_type = T;
  static constexpr std::string_view name = "rc";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool thread_safe = false;

  Rc() noexcept = default;
  Rc(const Rc& other) noexcept : block_(other.block_) {
    if (block_ != nullptr) increment();
  }
  Rc(Rc&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  Rc& operator=(Rc other) noexcept {
    std::swap(block_, other.block_);
    return *this;
  }
  ~Rc() { reset(); }

  template <class... Args>
  [[nodiscard]] static Rc make(Args&&... args) {
    return Rc(new Block(std::forward<Args>(args)...));
  }

  [[nodiscard]] Rc clone() const noexcept { return *this; }

  void reset() noexcept {
    if (Block* b = std::exchange(block_, nullptr); b != nullptr && --b->count == 0) delete b;
  }

  [[nodiscard]] T* get() const noexcept { return block_ != nullptr ? &block_->value : nullptr; }
  T& operator*() const noexcept { return block_->value; }
  T* operator->() const noexcept { return &block_->value; }
  explicit operator bool() const noexcept { return block_ != nullptr; }
  [[nodiscard]] std::size_t use_count() const noexcept { return block_ != nullptr ? block_->count : 0; }

 private:
  struct Block {
    template <class... Args>
    explicit Block(Args&&... args) : value(std::forward<Args>(args)...) {}
    std::size_t count = 1;
    T value;
  };

  explicit Rc(Block* b) noexcept : block_(b) {}

  void increment() const noexcept {
    if (block_->count++ > detail::kMaxRefs) detail::abort_on_overflow(name.data());
  }

  Block* block_ = nullptr;
};

static_assert(RefCountedHandle<Rc<int>>);
static_assert(sizeof(Rc<int>) == sizeof(void*));

}  // namespace synclab::refcount
