// broken_refcounts.hpp — reference counts that are wrong on purpose.
//
// They exist to prove that the checks bite: each one is run by a negative
// test (refcount_broken_*_test.cpp) that must be caught by a sanitizer. They
// are in no catalogue and never benchmarked.
#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>
#include <utility>

namespace synclab::testing {

// BROKEN: arc with a relaxed decrement and no acquire fence.
//
// Each count is exact (every update is an atomic RMW), so on x86-64 nothing
// visible goes wrong; but a holder's last use of the object no longer
// happens-before the destruction by the thread that drops last. Caught by:
// ThreadSanitizer (data race between a holder's read and the destructor's
// write), refcount_broken_tsan_test.
template <class T>
class RelaxedDropArc {
 public:
  using element_type = T;
  static constexpr std::string_view name = "broken_relaxed_drop_arc";
  static constexpr bool thread_safe = false;  // not really

  RelaxedDropArc() noexcept = default;
  RelaxedDropArc(const RelaxedDropArc& o) noexcept : b_(o.b_) {
    if (b_ != nullptr) b_->count.fetch_add(1, std::memory_order_relaxed);
  }
  RelaxedDropArc(RelaxedDropArc&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
  RelaxedDropArc& operator=(RelaxedDropArc o) noexcept {
    std::swap(b_, o.b_);
    return *this;
  }
  ~RelaxedDropArc() { reset(); }

  template <class... Args>
  static RelaxedDropArc make(Args&&... args) {
    return RelaxedDropArc(new Block(std::forward<Args>(args)...));
  }
  [[nodiscard]] RelaxedDropArc clone() const noexcept { return *this; }
  void reset() noexcept {
    if (Block* b = std::exchange(b_, nullptr); b != nullptr && b->count.fetch_sub(1, std::memory_order_relaxed) == 1)
      delete b;  // BUG: no acquire: earlier holders' accesses are not ordered before this
  }
  [[nodiscard]] T* get() const noexcept { return b_ != nullptr ? &b_->value : nullptr; }
  explicit operator bool() const noexcept { return b_ != nullptr; }

 private:
  struct Block {
    template <class... Args>
    explicit Block(Args&&... args) : value(std::forward<Args>(args)...) {}
    std::atomic<std::size_t> count{1};
    T value;
  };
  explicit RelaxedDropArc(Block* b) noexcept : b_(b) {}
  Block* b_ = nullptr;
};

// BROKEN: clone is a load followed by a store (a non-atomic increment made
// of two atomic accesses). Two threads cloning at once both store n + 1, so
// an increment is lost, the count reaches zero while a handle is still held,
// and the object is freed under it. Caught by: AddressSanitizer
// (heap-use-after-free, or a double free), refcount_broken_asan_test.
template <class T>
class RacyCloneArc {
 public:
  using element_type = T;
  static constexpr std::string_view name = "broken_racy_clone_arc";
  static constexpr bool thread_safe = false;

  RacyCloneArc() noexcept = default;
  RacyCloneArc(const RacyCloneArc& o) noexcept : b_(o.b_) {
    if (b_ != nullptr) {
      const std::size_t n = b_->count.load(std::memory_order_relaxed);
      b_->count.store(n + 1, std::memory_order_relaxed);  // BUG: not one RMW
    }
  }
  RacyCloneArc(RacyCloneArc&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
  RacyCloneArc& operator=(RacyCloneArc o) noexcept {
    std::swap(b_, o.b_);
    return *this;
  }
  ~RacyCloneArc() { reset(); }

  template <class... Args>
  static RacyCloneArc make(Args&&... args) {
    return RacyCloneArc(new Block(std::forward<Args>(args)...));
  }
  [[nodiscard]] RacyCloneArc clone() const noexcept { return *this; }
  void reset() noexcept {
    if (Block* b = std::exchange(b_, nullptr); b != nullptr && b->count.fetch_sub(1, std::memory_order_acq_rel) == 1)
      delete b;  // the drop is right; the clone above is the bug
  }
  [[nodiscard]] T* get() const noexcept { return b_ != nullptr ? &b_->value : nullptr; }
  explicit operator bool() const noexcept { return b_ != nullptr; }

 private:
  struct Block {
    template <class... Args>
    explicit Block(Args&&... args) : value(std::forward<Args>(args)...) {}
    std::atomic<std::size_t> count{1};
    T value;
  };
  explicit RacyCloneArc(Block* b) noexcept : b_(b) {}
  Block* b_ = nullptr;
};

}  // namespace synclab::testing
