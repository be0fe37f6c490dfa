// biased_rc.hpp — biased reference counting: the thread that created an
// object counts its own references without atomics; other threads count
// theirs on a shared atomic counter; the two are merged once the owner is
// done with the object.
//
// Source: J. Choi, T. Shull, J. Torrellas, "Biased Reference Counting:
//   Minimizing Atomic Operations in Garbage Collection", PACT 2018 (the
//   Swift runtime prototype); CPython's free-threaded build (PEP 703) uses
//   the same scheme (ob_tid, ob_ref_local, ob_ref_shared).
//
// Algorithm (the paper's, with the simplifications listed below):
//   Each object has an owner (the thread that made it), a plain `biased`
//   count only the owner touches, and an atomic `shared` word holding a
//   signed count and two flags, MERGED and QUEUED. The object is alive while
//   biased + shared > 0.
//   - The owner clones and drops with plain ++/-- on `biased` while it is
//     not zero. When the owner's `biased` reaches 0 it merges implicitly:
//     it sets MERGED; if `shared` is then 0 (and the object is not queued)
//     nobody else holds it and the owner destroys it. After a merge the
//     object is unbiased: every thread, the owner too, uses `shared`.
//   - Other threads increment `shared` and decrement it with a CAS loop. A
//     decrement that takes it below zero before the merge means a
//     reference the owner counted was dropped elsewhere (a handle moved to
//     another thread): the total may now be zero while the owner's part is
//     not, and only the owner can add its part. The decrement sets QUEUED
//     and pushes the object on the owner's queue (a lock-free stack).
//   - At its next safe point the owner merges the queued objects
//     explicitly: adds `biased` into `shared`, sets MERGED, clears QUEUED,
//     zeroes `biased`, and destroys the object if the sum is 0. Once merged,
//     the thread whose decrement takes `shared` to 0 destroys it.
//   - Nothing destroys a QUEUED object but the merge that dequeues it, so
//     the queue never holds a dangling pointer.
// Simplifications (documented, not hidden):
//   - Safe points are make() on the owner thread, an explicit
//     BiasedRc<T>::merge_pending(), and the owner's thread exit. (The
//     paper's runtime merges at its own safe points.) An object whose owner
//     never reaches one stays alive until it does: memory is held longer,
//     never freed early.
//   - When the owner thread exits it merges its queue and marks the queue
//     dead; a later decrement that would queue an object of that thread
//     merges it on the spot instead (the dead owner's `biased` writes were
//     published by that marking).
//   - A make() on a thread whose exit handling has already run (in a
//     thread-local destructor that runs after it) makes the object unbiased
//     from the start: merged, counted in `shared` only, as after an implicit
//     merge. A biased object would need a safe point of its owner to merge
//     it, and that thread has none left: its first drop elsewhere would queue
//     it on a queue nobody drains again, a leak
//     (refcount_biased_sharded_test).
//   - Per-thread owner records are never freed (a thread's objects may
//     outlive it and still point to its record): one 128-byte record per
//     thread that ever made a biased object, reachable from a global list.
//   - The owner check is a pointer compare with a thread_local (no thread id
//     in the object header as in the paper's packed 64-bit word).
// Memory ordering:
//   owner ++/--        plain: one thread only.
//   non-owner clone    relaxed fetch_add: made from a live reference.
//   non-owner drop     release CAS: publishes this holder's use to whichever
//                      thread destroys the object; that thread's destroying
//                      step is an acquire (fence, or an acq_rel RMW).
//   implicit merge     acq_rel fetch_or: release publishes the owner's uses;
//                      acquire, if it destroys, sees every release decrement.
//   explicit merge     acq_rel CAS, same reason.
//   queue push / pop   release CAS (the link written before the push) /
//                      acquire exchange; reading the dead marker is an
//                      acquire, pairing with the owner's acq_rel exchange at
//                      exit, so the owner's last `biased` write is visible.
// Guarantees: destroyed exactly once, after every handle is gone (if the
//   owner reaches a safe point when needed, see above); the owner's clone and
//   drop are plain arithmetic; other threads' are lock-free.
// Cost: owner path: a thread_local read, a compare and a plain increment; a
//   handle dropped off its owner thread costs one CAS, and the first one that
//   goes negative a queue push; the owner later pays one CAS per merge.
// Layout: [owner | biased | shared | queue link | deleter | T]; the owner's
//   `biased` and the shared word share a line with the start of T.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include "synclab/refcount/concepts.hpp"
#include "synclab/refcount/detail.hpp"

namespace synclab::refcount {

namespace biased_detail {

struct Header;

// One per thread that ever made a biased object; never freed.
struct alignas(128) OwnerRecord {
  std::atomic<Header*> queue{nullptr};  // objects to merge; dead_queue() after the thread exited
  OwnerRecord* next_record = nullptr;   // global list (keeps records reachable)
};

struct Header {
  OwnerRecord* const owner;        // the creating thread's record (nullptr: made unbiased), never changes
  std::uint32_t biased = 1;        // owner-only; 0 once merged
  std::atomic<std::int64_t> shared{0};  // (count << 2) | QUEUED | MERGED
  Header* next_queued = nullptr;   // link in the owner's queue
  void (*const destroy)(Header*) noexcept;

  Header(OwnerRecord* o, void (*d)(Header*) noexcept) noexcept : owner(o), destroy(d) {}
};

inline constexpr std::int64_t kMerged = 1;
inline constexpr std::int64_t kQueued = 2;
inline constexpr std::int64_t kOne = 4;  // one reference in the shared word
inline constexpr std::int64_t kMaxShared = std::numeric_limits<std::int64_t>::max() / 8;
// The queue value that marks an exited owner (never a real object's address).
inline Header* dead_queue() noexcept { return reinterpret_cast<Header*>(alignof(Header)); }

constexpr std::int64_t count_of(std::int64_t word) noexcept { return word >> 2; }  // arithmetic shift (C++20)

inline std::atomic<OwnerRecord*> all_records{nullptr};
// This thread's record: nullptr until it makes its first biased object.
inline thread_local OwnerRecord* this_thread_record = nullptr;
// Set by this thread's exit handling (trivially destructible, so still
// readable by the thread-local destructors that run after it).
inline thread_local bool this_thread_retired = false;

// Adds the owner's part to `shared`, marks the object merged and no longer
// queued, and destroys it if nothing is left. Called by the owner (queue
// processing) or, after the owner exited, by the thread that would have
// queued the object.
inline void explicit_merge(Header* h) noexcept {
  const std::int64_t add = static_cast<std::int64_t>(h->biased) * kOne;
  h->biased = 0;
  std::int64_t old = h->shared.load(std::memory_order_relaxed);
  std::int64_t desired;
  do {
    desired = ((old + add) | kMerged) & ~kQueued;
  } while (!h->shared.compare_exchange_weak(old, desired, std::memory_order_acq_rel, std::memory_order_relaxed));
  if (count_of(desired) == 0) h->destroy(h);
}

// Merges every object queued on `record`'s owner; `next` is the value left
// in the queue (nullptr, or dead_queue() at thread exit).
inline void drain(OwnerRecord* record, Header* next) noexcept {
  Header* h = record->queue.exchange(next, std::memory_order_acq_rel);
  while (h != nullptr && h != dead_queue()) {
    Header* const following = h->next_queued;  // read before the merge may destroy h
    explicit_merge(h);
    h = following;
  }
}

struct ThreadExit {
  ~ThreadExit() {
    if (this_thread_record != nullptr) drain(this_thread_record, dead_queue());
    this_thread_record = nullptr;  // this thread owns nothing from here on
    this_thread_retired = true;    // and makes only unbiased objects
  }
};

inline OwnerRecord* current_record() {
  if (this_thread_record == nullptr) {
    static thread_local ThreadExit at_exit;  // registered on first use
    (void)&at_exit;
    auto* r = new OwnerRecord;
    r->next_record = all_records.load(std::memory_order_relaxed);
    while (!all_records.compare_exchange_weak(r->next_record, r, std::memory_order_release,
                                              std::memory_order_relaxed)) {
    }
    this_thread_record = r;
  }
  return this_thread_record;
}

// Pushes h on its owner's queue, or merges it here if the owner has exited.
inline void enqueue(Header* h) noexcept {
  OwnerRecord* const o = h->owner;
  Header* head = o->queue.load(std::memory_order_acquire);
  do {
    if (head == dead_queue()) {
      explicit_merge(h);
      return;
    }
    h->next_queued = head;
  } while (!o->queue.compare_exchange_weak(head, h, std::memory_order_release, std::memory_order_acquire));
}

inline void shared_increment(Header* h, const char* name) noexcept {
  if (count_of(h->shared.fetch_add(kOne, std::memory_order_relaxed)) > kMaxShared)
    detail::abort_on_overflow(name);
}

inline void shared_decrement(Header* h) noexcept {
  std::int64_t old = h->shared.load(std::memory_order_relaxed);
  std::int64_t desired;
  do {
    desired = old - kOne;
    if (count_of(desired) < 0 && (old & (kMerged | kQueued)) == 0) desired |= kQueued;
  } while (!h->shared.compare_exchange_weak(old, desired, std::memory_order_release, std::memory_order_relaxed));
  if ((desired & kQueued) != 0 && (old & kQueued) == 0) {
    enqueue(h);  // first time below zero before the merge: the owner must add its part
    return;
  }
  if ((desired & (kMerged | kQueued)) == kMerged && count_of(desired) == 0) {
    detail::acquire_after_release_decrements(h->shared);
    h->destroy(h);
  }
}

// The owner's count reached zero.
inline void implicit_merge(Header* h) noexcept {
  const std::int64_t old = h->shared.fetch_or(kMerged, std::memory_order_acq_rel);
  if (count_of(old) == 0 && (old & kQueued) == 0) h->destroy(h);
}

inline bool owned_here(const Header* h) noexcept {
  return h->owner == this_thread_record && h->biased != 0;
}

}  // namespace biased_detail

template <class T>
class BiasedRc {
 public:
  using element_type = T;
  static constexpr std::string_view name = "biased_rc";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool thread_safe = true;

  BiasedRc() noexcept = default;
  BiasedRc(const BiasedRc& other) noexcept : block_(other.block_) {
    if (block_ != nullptr) increment(block_);
  }
  BiasedRc(BiasedRc&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  BiasedRc& operator=(BiasedRc other) noexcept {
    std::swap(block_, other.block_);
    return *this;
  }
  ~BiasedRc() { reset(); }

  // The calling thread becomes the owner (unless its exit handling has run:
  // see the top). A safe point: objects queued for this thread are merged
  // first.
  template <class... Args>
  [[nodiscard]] static BiasedRc make(Args&&... args) {
    if (biased_detail::this_thread_retired) {  // no safe point left on this thread: unbiased from the start
      Block* b = new Block(nullptr, std::forward<Args>(args)...);
      b->biased = 0;
      b->shared.store(biased_detail::kOne | biased_detail::kMerged, std::memory_order_relaxed);
      return BiasedRc(b);
    }
    biased_detail::OwnerRecord* const me = biased_detail::current_record();
    if (me->queue.load(std::memory_order_relaxed) != nullptr) biased_detail::drain(me, nullptr);
    return BiasedRc(new Block(me, std::forward<Args>(args)...));
  }

  // A safe point on demand: merges the objects other threads queued for the
  // calling thread.
  static void merge_pending() noexcept {
    if (biased_detail::OwnerRecord* me = biased_detail::this_thread_record;
        me != nullptr && me->queue.load(std::memory_order_relaxed) != nullptr)
      biased_detail::drain(me, nullptr);
  }

  [[nodiscard]] BiasedRc clone() const noexcept { return *this; }

  void reset() noexcept {
    Block* b = std::exchange(block_, nullptr);
    if (b == nullptr) return;
    if (biased_detail::owned_here(b)) {
      if (--b->biased == 0) biased_detail::implicit_merge(b);
    } else {
      biased_detail::shared_decrement(b);
    }
  }

  [[nodiscard]] T* get() const noexcept { return block_ != nullptr ? &block_->value : nullptr; }
  T& operator*() const noexcept { return block_->value; }
  T* operator->() const noexcept { return &block_->value; }
  explicit operator bool() const noexcept { return block_ != nullptr; }

  // True if the calling thread may use the non-atomic path for this object.
  [[nodiscard]] bool owned_by_this_thread() const noexcept {
    return block_ != nullptr && biased_detail::owned_here(block_);
  }

 private:
  struct Block : biased_detail::Header {
    template <class... Args>
    explicit Block(biased_detail::OwnerRecord* owner, Args&&... args)
        : Header(owner, &destroy_block), value(std::forward<Args>(args)...) {}
    T value;
  };

  static void destroy_block(biased_detail::Header* h) noexcept { delete static_cast<Block*>(h); }

  static void increment(Block* b) noexcept {
    if (biased_detail::owned_here(b)) {
      if (++b->biased == std::numeric_limits<std::uint32_t>::max()) detail::abort_on_overflow(name.data());
    } else {
      biased_detail::shared_increment(b, name.data());
    }
  }

  explicit BiasedRc(Block* b) noexcept : block_(b) {}

  Block* block_ = nullptr;
};

static_assert(RefCountedHandle<BiasedRc<int>>);
static_assert(sizeof(BiasedRc<int>) == sizeof(void*));

}  // namespace synclab::refcount
