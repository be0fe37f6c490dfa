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

#include "synclab/refcount/arc.hpp"

namespace synclab::testing {

// BROKEN: arc with a relaxed decrement and no acquire fence: refcount/arc.hpp's
// BasicArc with this drop policy instead of arc's ReleaseThenFence.
//
// Each count is exact (every update is an atomic RMW), so on x86-64 nothing
// visible goes wrong; but a holder's last use of the object no longer
// happens-before the destruction by the thread that drops last. Caught by:
// ThreadSanitizer (data race between a holder's read and the destructor's
// write), refcount_broken_tsan_test.
struct RelaxedDrop {
  static constexpr std::string_view name = "broken_relaxed_drop_arc";
  static bool decrement_is_last(std::atomic<std::size_t>& count) noexcept {
    return count.fetch_sub(1, std::memory_order_relaxed) == 1;  // BUG: no release, no acquire
  }
};

template <class T>
using RelaxedDropArc = refcount::BasicArc<T, RelaxedDrop>;

// BROKEN: clone is a load followed by a store (a non-atomic increment made
// of two atomic accesses). A class of its own: arc's increment is not a
// policy, and a twin is not worth making it one. Two threads cloning at once both store n + 1, so
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
