// arc_weak.hpp — atomic reference count with weak references, in the
// optimised form where all strong handles together hold one weak reference.
//
// Algorithm: one heap block with two counters and storage for the object.
//   strong  the number of ArcWeak handles; the object lives while it is > 0.
//   weak    the number of Weak handles, plus one for all strong handles
//           together; the block lives while it is > 0. kLocked (max) while
//           get_mut checks uniqueness.
//   Both start at 1. Cloning or dropping a strong handle touches `strong`
//   only (one RMW, as arc); the last strong drop destroys the object and then
//   drops the implicit weak reference, which frees the block if no Weak is
//   left. Weak::upgrade() is a compare-exchange loop that increments `strong`
//   only from a non-zero value, so it can never revive a destroyed object.
//   ArcWeak::downgrade() increments `weak`, waiting while get_mut holds it at
//   kLocked. get_mut() briefly locks `weak` (1 -> kLocked), reads whether
//   `strong` is 1, then unlocks: with `weak` at 1 no Weak exists that could
//   upgrade behind its back, and while it is locked none can be made.
// Source: Rust Atomics and Locks, ch. 6 "Optimizing" (the version the book
//   calls nearly identical to std's Arc). The conversion of the book's
//   listings garbles the orderings and initial values; these follow the prose
//   (both counters start at 1; the last Weak drop is the one that reads 1).
// Why get_mut must consider weak references: a Weak can be upgraded at any
//   moment, and a thread that loops downgrade / drop / upgrade / drop can make
//   two separately read counters look unique at different instants. Locking
//   `weak` while reading `strong` closes that window.
// Memory ordering:
//   clone / Weak::clone    relaxed fetch_add (abort above max/2): made from a
//                          live reference, publishes nothing.
//   strong drop            release fetch_sub; the last one (read 1) issues an
//                          acquire fence, then destroys the object: every
//                          strong holder's use happens-before the destruction.
//   Weak drop              release fetch_sub; the last one issues an acquire
//                          fence, then frees the block (nothing reads the
//                          object there, but the counters and the block must
//                          not be freed under another thread's access).
//   Weak::upgrade          relaxed compare-exchange from n > 0 to n + 1: the
//                          object is alive (n > 0) and was published to this
//                          thread when the Weak was made from a strong handle;
//                          the strong drop that later destroys it synchronises
//                          with our release decrement.
//   downgrade              acquire compare-exchange on `weak`: pairs with
//                          get_mut's release store that unlocks it, so what the
//                          get_mut caller did while unique happens-before.
//   get_mut                acquire compare-exchange 1 -> kLocked (pairs with
//                          the release decrement of the last dropped Weak),
//                          relaxed load of `strong`, release store of 1; if
//                          unique, an acquire fence pairing with the release
//                          decrements of the dropped strong handles.
//   Under ThreadSanitizer each fence is an acquire load (refcount/detail.hpp).
// Guarantees: the object is destroyed exactly once, when the last strong
//   handle goes; the block is freed when the last handle of either kind goes;
//   upgrade never returns a handle to a destroyed object. clone/drop/upgrade
//   are lock-free; downgrade spins (cpu_relax) only while a get_mut runs.
// Cost: strong clone/drop as arc (one RMW); the last strong drop costs one
//   more RMW (the implicit weak); upgrade is a CAS loop that retries under
//   contention with clones and drops.
// Layout: [strong | weak | T] in one allocation; the handle is one pointer.
#pragma once

#include <atomic>
#include <cstddef>
#include <limits>
#include <memory>
#include <string_view>
#include <utility>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/refcount/concepts.hpp"
#include "synclab/refcount/detail.hpp"

namespace synclab::refcount {

template <class T>
class ArcWeak {
  struct Block;

 public:
  using element_type = T;
  static constexpr std::string_view name = "arc_weak";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool thread_safe = true;

  // A weak reference: keeps the block, not the object, alive.
  class Weak {
   public:
    Weak() noexcept = default;
    Weak(const Weak& other) noexcept : block_(other.block_) {
      if (block_ != nullptr && block_->weak.fetch_add(1, std::memory_order_relaxed) > detail::kMaxRefs)
        detail::abort_on_overflow("arc_weak (weak)");
    }
    Weak(Weak&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
    Weak& operator=(Weak other) noexcept {
      std::swap(block_, other.block_);
      return *this;
    }
    ~Weak() { reset(); }

    [[nodiscard]] Weak clone() const noexcept { return *this; }
    void reset() noexcept {
      if (Block* b = std::exchange(block_, nullptr)) release_weak(b);
    }

    // A strong handle if the object is still alive; an empty one otherwise.
    [[nodiscard]] ArcWeak upgrade() const noexcept {
      if (block_ == nullptr) return {};
      std::size_t n = block_->strong.load(std::memory_order_relaxed);
      do {
        if (n == 0) return {};
        if (n > detail::kMaxRefs) detail::abort_on_overflow(name.data());
      } while (!block_->strong.compare_exchange_weak(n, n + 1, std::memory_order_relaxed,
                                                     std::memory_order_relaxed));
      return ArcWeak(block_);
    }

    explicit operator bool() const noexcept { return block_ != nullptr; }

   private:
    friend class ArcWeak;
    explicit Weak(Block* b) noexcept : block_(b) {}
    Block* block_ = nullptr;
  };
  using weak_type = Weak;

  ArcWeak() noexcept = default;
  ArcWeak(const ArcWeak& other) noexcept : block_(other.block_) {
    if (block_ != nullptr && block_->strong.fetch_add(1, std::memory_order_relaxed) > detail::kMaxRefs)
      detail::abort_on_overflow(name.data());
  }
  ArcWeak(ArcWeak&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  ArcWeak& operator=(ArcWeak other) noexcept {
    std::swap(block_, other.block_);
    return *this;
  }
  ~ArcWeak() { reset(); }

  template <class... Args>
  [[nodiscard]] static ArcWeak make(Args&&... args) {
    auto* b = new Block;
    try {
      std::construct_at(&b->storage.value, std::forward<Args>(args)...);
    } catch (...) {
      delete b;
      throw;
    }
    return ArcWeak(b);
  }

  [[nodiscard]] ArcWeak clone() const noexcept { return *this; }

  void reset() noexcept {
    Block* b = std::exchange(block_, nullptr);
    if (b == nullptr || b->strong.fetch_sub(1, std::memory_order_release) != 1) return;
    detail::acquire_after_release_decrements(b->strong);
    std::destroy_at(&b->storage.value);
    release_weak(b);  // the weak reference all strong handles held together
  }

  [[nodiscard]] Weak downgrade() const noexcept {
    std::size_t n = block_->weak.load(std::memory_order_relaxed);
    for (;;) {
      if (n == kLocked) {  // get_mut is checking uniqueness: wait for it
        cpu_relax();
        n = block_->weak.load(std::memory_order_relaxed);
        continue;
      }
      if (n > detail::kMaxRefs) detail::abort_on_overflow("arc_weak (weak)");
      if (block_->weak.compare_exchange_weak(n, n + 1, std::memory_order_acquire, std::memory_order_relaxed))
        return Weak(block_);
    }
  }

  [[nodiscard]] T* get() const noexcept { return block_ != nullptr ? &block_->storage.value : nullptr; }
  T& operator*() const noexcept { return block_->storage.value; }
  T* operator->() const noexcept { return &block_->storage.value; }
  explicit operator bool() const noexcept { return block_ != nullptr; }

  // Snapshots (relaxed), for tests and diagnostics.
  [[nodiscard]] std::size_t use_count() const noexcept {
    return block_ != nullptr ? block_->strong.load(std::memory_order_relaxed) : 0;
  }
  // Weak handles, not counting the one all strong handles share.
  [[nodiscard]] std::size_t weak_count() const noexcept {
    if (block_ == nullptr) return 0;
    const std::size_t n = block_->weak.load(std::memory_order_relaxed);
    return n == kLocked ? 0 : n - 1;
  }

  // The object, mutable, if `a` is its only handle and no Weak exists;
  // nullptr otherwise.
  [[nodiscard]] static T* get_mut(ArcWeak& a) noexcept {
    if (a.block_ == nullptr) return nullptr;
    std::size_t one = 1;
    if (!a.block_->weak.compare_exchange_strong(one, kLocked, std::memory_order_acquire,
                                                std::memory_order_relaxed))
      return nullptr;
    const bool unique = a.block_->strong.load(std::memory_order_relaxed) == 1;
    a.block_->weak.store(1, std::memory_order_release);
    if (!unique) return nullptr;
    detail::acquire_after_release_decrements(a.block_->strong);
    return &a.block_->storage.value;
  }

  // Tests only: overwrite the strong count to reach the overflow limit.
  static void set_count_for_testing(const ArcWeak& a, std::size_t count) noexcept {
    a.block_->strong.store(count, std::memory_order_relaxed);
  }

 private:
  static constexpr std::size_t kLocked = std::numeric_limits<std::size_t>::max();

  struct Block {
    union Storage {
      Storage() noexcept {}
      ~Storage() {}
      T value;
    };
    std::atomic<std::size_t> strong{1};
    std::atomic<std::size_t> weak{1};
    Storage storage;  // T is alive while strong > 0
  };

  static void release_weak(Block* b) noexcept {
    if (b->weak.fetch_sub(1, std::memory_order_release) != 1) return;
    detail::acquire_after_release_decrements(b->weak);
    delete b;
  }

  explicit ArcWeak(Block* b) noexcept : block_(b) {}

  Block* block_ = nullptr;
};

static_assert(WeakRefCountedHandle<ArcWeak<int>>);
static_assert(sizeof(ArcWeak<int>) == sizeof(void*));

}  // namespace synclab::refcount
