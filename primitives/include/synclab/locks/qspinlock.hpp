// qspinlock.hpp — the Linux kernel's queued spinlock design in user space:
// a 4-byte lock word holding a locked byte, a pending bit and the tail of an
// MCS queue, with the MCS nodes kept per thread and named in the word by a
// 16-bit index.
//
// Algorithm (the word: bits 0-7 locked, bit 8 pending, bits 16-17 the tail
//   node's nesting index, bits 18-31 the tail thread's number + 1; 0: free):
//   lock() fast path: CAS 0 -> locked.
//   Pending path (one contender, no queue): a thread that finds only the
//     locked byte set takes the pending bit with a fetch_or and spins on the
//     lock word until the owner clears the locked byte, then turns "pending"
//     into "locked" in one RMW. The second thread thus waits without touching
//     any queue node: two-thread contention costs no more than a test-and-set
//     lock. If the fetch_or shows that someone else is pending or queued, it
//     clears the pending bit again if it was the one who set it, and queues.
//     A word that reads "pending only" is a handover in progress: it re-reads
//     it up to kPendingLoops times before deciding.
//   Queue path (MCS): take the calling thread's next free node (a thread has
//     4, for nesting: the kernel's task / softirq / hardirq / NMI contexts; a
//     user-space thread nests only through signal handlers), try the fast
//     path once more, then swap our node's code into the tail field (a CAS
//     loop on the word). If there was a tail, decode it to the predecessor's
//     node, link ourselves behind it and spin on our node's flag. As queue
//     head, spin on the lock word until both the locked byte and the pending
//     bit are clear; then either the tail is still ours (CAS the whole word to
//     "locked", emptying the queue) or someone queued behind us (set the
//     locked byte, wait for the link if needed, and make the next node the
//     head). The node is free again as soon as we hold the lock: unlike MCS
//     nothing travels from lock() to unlock().
//   unlock(): clear the locked byte.
//   A thread that has no node (more than 4 nested waits, or more threads than
//   the 16383 the tail field can name) spins on try_lock instead of queueing,
//   as the kernel does beyond its 4 nodes: correct, just not fair.
// Source: the Linux kernel's qspinlock design (Waiman Long's queued spinlocks
//   with Peter Zijlstra's pending bit, v4.2, 2015), as described in the
//   kernel's locking documentation and LWN's "MCS locks and qspinlocks"
//   (Corbet, 2014); written from that description (the kernel's code is GPL).
//   The MCS part is Mellor-Crummey & Scott 1991.
// Differences forced by C++: every access to the word is a 32-bit atomic
//   operation. The kernel stores one byte to unlock and exchanges 16 bits to
//   swap the tail; mixed-size atomics on one object are undefined in C++, so
//   unlock() is a fetch_sub (a locked RMW on x86, where the kernel has a
//   plain store: the census shows the difference) and the tail swap is a CAS
//   loop, the kernel's own choice when NR_CPUS >= 16K (its
//   `_Q_PENDING_BITS == 1` layout).
// Guarantees: mutual exclusion. Not FIFO: a fast-path locker or the pending
//   thread can overtake the queue while the head waits (the head only spins
//   for locked and pending to clear); the queue itself is FIFO. Not
//   reentrant; unlock() by any thread ordered after the locker (nothing in
//   the lock names the owner; the lab's lock rules still say "the holder").
// Oversubscription: a spin lock: a preempted owner or queue head stalls every
//   waiter; the queue's FIFO order makes a preempted head stall it like mcs.
// Memory ordering:
//   fast-path CAS, try_lock CAS (acquire / relaxed): reads the last unlock's
//     release.
//   fetch_or(pending, acquire) and the pending thread's spin load (acquire):
//     the load that sees locked == 0 reads the owner's release fetch_sub (or an
//     RMW after it in its release sequence), so its critical section
//     happens-before ours. The RMW that turns pending into locked is relaxed:
//     nobody else can take the lock while we hold the pending bit.
//   Clearing a pending bit we set (fetch_and, relaxed): orders nothing.
//   Tail swap CAS loop (acq_rel): release publishes our initialised node to
//     the next arrival, which will write into it; acquire makes the
//     predecessor's node (and the registry chunk that holds it) visible
//     before we link into it.
//   prev->next.store(release): publishes our node to the predecessor; the
//     predecessor's next.load(acquire) pairs with it.
//   node.locked.load(acquire) / next->locked.store(release): the MCS handoff
//     of the queue head's role (it carries no critical section: the head
//     still waits on the word).
//   Queue head's spin on the word (acquire): as the pending thread's. The CAS
//     or fetch_or that then sets locked is relaxed for the same reason.
//   unlock() fetch_sub(locked, release): publishes the critical section.
// Destroy after the last unlock (as std::mutex allows): unlock() is one RMW;
//   queue nodes live in a process-wide registry, never in the lock.
// Layout: the lock is 4 bytes. Nodes: 4 per thread, 32 bytes each, in one
//   128-byte block per thread number; blocks come in chunks of 64 that are
//   allocated on first use and never freed (a thread number, and its block,
//   is recycled when its thread exits).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"

namespace synclab::locks {

namespace qspinlock_detail {

inline constexpr std::uint32_t kLocked = 1u;
inline constexpr std::uint32_t kLockedMask = 0xFFu;
inline constexpr std::uint32_t kPending = 1u << 8;
inline constexpr std::uint32_t kLockedPendingMask = 0xFFFFu;
inline constexpr std::uint32_t kTailMask = 0xFFFF0000u;
inline constexpr unsigned kTailIndexShift = 16;
inline constexpr unsigned kTailThreadShift = 18;
inline constexpr std::uint32_t kNodesPerThread = 4;
inline constexpr std::uint32_t kMaxThreadNumber = (1u << 14) - 1;  // thread numbers 1 .. 16383
inline constexpr std::uint32_t kBlocksPerChunk = 64;
inline constexpr std::uint32_t kChunks = (kMaxThreadNumber + kBlocksPerChunk) / kBlocksPerChunk;
// How often a waiter re-reads a "pending only" word before queueing (x86 Linux).
inline constexpr int kPendingLoops = 512;

struct alignas(32) Node {
  std::atomic<Node*> next{nullptr};       // successor in the queue, linked by the successor
  std::atomic<std::uint32_t> locked{0};   // 1: we are the queue head
};

struct alignas(128) NodeBlock {
  std::array<Node, kNodesPerThread> nodes;
};

static_assert(sizeof(NodeBlock) == 128);

// Thread numbers and their node blocks. Chunks are never freed: a waiter
// may decode a tail into a block at any time.
class Registry {
 public:
  // A free thread number (1 .. kMaxThreadNumber), or 0 when all are taken.
  std::uint32_t acquire_number() {
    const std::lock_guard guard(mutex_);
    std::uint32_t number = 0;
    if (!free_.empty()) {
      number = free_.back();
      free_.pop_back();
    } else if (next_fresh_ <= kMaxThreadNumber) {
      number = next_fresh_++;
    } else {
      return 0;
    }
    const std::uint32_t c = (number - 1) / kBlocksPerChunk;
    if (chunks_[c].load(std::memory_order_relaxed) == nullptr) {
      owned_.push_back(std::make_unique<std::array<NodeBlock, kBlocksPerChunk>>());
      chunks_[c].store(owned_.back().get(), std::memory_order_release);
    }
    return number;
  }

  void release_number(std::uint32_t number) {
    const std::lock_guard guard(mutex_);
    free_.push_back(number);
  }

  [[nodiscard]] NodeBlock& block(std::uint32_t number) const noexcept {
    const std::uint32_t i = number - 1;
    return (*chunks_[i / kBlocksPerChunk].load(std::memory_order_acquire))[i % kBlocksPerChunk];
  }

 private:
  std::mutex mutex_;
  std::vector<std::uint32_t> free_;
  std::uint32_t next_fresh_ = 1;
  std::vector<std::unique_ptr<std::array<NodeBlock, kBlocksPerChunk>>> owned_;
  std::array<std::atomic<std::array<NodeBlock, kBlocksPerChunk>*>, kChunks> chunks_{};
};

// Never destroyed: a thread that exits after main() still returns its number.
// Reachable through the static pointer, so leak checkers stay quiet.
inline Registry& registry() {
  static Registry* const r = new Registry;
  return *r;
}

// The calling thread's number, taken on its first contended lock() and
// returned at thread exit; `depth` is how many of its nodes are in use.
struct ThreadSlot {
  std::uint32_t number = 0;
  bool assigned = false;
  std::uint32_t depth = 0;

  ThreadSlot() = default;
  ThreadSlot(const ThreadSlot&) = delete;
  ThreadSlot& operator=(const ThreadSlot&) = delete;
  ~ThreadSlot() {
    if (number != 0) registry().release_number(number);
  }

  // 0 if the registry is full.
  std::uint32_t get() {
    if (!assigned) {
      number = registry().acquire_number();
      assigned = true;
    }
    return number;
  }
};

inline thread_local ThreadSlot tls_slot;

[[nodiscard]] constexpr std::uint32_t encode_tail(std::uint32_t number, std::uint32_t index) noexcept {
  return number << kTailThreadShift | index << kTailIndexShift;
}

[[nodiscard]] inline Node& decode_tail(std::uint32_t word) noexcept {
  const std::uint32_t number = word >> kTailThreadShift;
  const std::uint32_t index = (word >> kTailIndexShift) & (kNodesPerThread - 1);
  return registry().block(number).nodes[index];
}

}  // namespace qspinlock_detail

// How the lock waits, and whether the pending thread waits for the owner.
// QspinlockWaiting is the algorithm; the parameter exists for the tests'
// broken twin (synclab/testing/broken_qspinlock.hpp), which does not.
struct QspinlockWaiting {
  static constexpr bool pending_waits_for_owner = true;
  template <class Done>
  void spin_until(Done&& done) noexcept {
    while (!done()) cpu_relax();
  }
};

template <class Waiting = QspinlockWaiting>
class BasicQspinlock : Waiting {
 public:
  static constexpr std::string_view name = "qspinlock";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call

  BasicQspinlock() = default;
  BasicQspinlock(const BasicQspinlock&) = delete;
  BasicQspinlock& operator=(const BasicQspinlock&) = delete;
  BasicQspinlock(BasicQspinlock&&) = delete;
  BasicQspinlock& operator=(BasicQspinlock&&) = delete;

  void lock() noexcept {
    std::uint32_t expected = 0;
    if (word_.compare_exchange_strong(expected, qspinlock_detail::kLocked, std::memory_order_acquire,
                                      std::memory_order_relaxed))
      return;
    lock_contended(expected);
  }

  [[nodiscard]] bool try_lock() noexcept {
    std::uint32_t expected = word_.load(std::memory_order_relaxed);
    if (expected != 0) return false;
    return word_.compare_exchange_strong(expected, qspinlock_detail::kLocked, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }

  void unlock() noexcept { word_.fetch_sub(qspinlock_detail::kLocked, std::memory_order_release); }

  // For tests and diagnostics (relaxed): the lock word, and the tail code the
  // calling thread's first node has in it.
  [[nodiscard]] std::uint32_t word() const noexcept { return word_.load(std::memory_order_relaxed); }
  [[nodiscard]] static std::uint32_t thread_tail_code() {
    return qspinlock_detail::encode_tail(qspinlock_detail::tls_slot.get(), 0);
  }

 protected:
  Waiting& waiting() noexcept { return *this; }

 private:
  [[gnu::noinline]] void lock_contended(std::uint32_t seen) noexcept {
    using namespace qspinlock_detail;
    if (seen == kPending) {  // a pending thread is turning into the owner: give it a moment
      for (int i = 0; i < kPendingLoops && seen == kPending; ++i) {
        cpu_relax();
        seen = word_.load(std::memory_order_relaxed);
      }
    }
    if ((seen & ~kLockedMask) == 0) {
      seen = word_.fetch_or(kPending, std::memory_order_acquire);
      if ((seen & ~kLockedMask) == 0) {
        lock_pending(seen);
        return;
      }
      if ((seen & kPending) == 0) word_.fetch_and(~kPending, std::memory_order_relaxed);  // ours: undo
    }
    lock_queued();
  }

  // We own the pending bit: wait for the owner to leave, then take over.
  void lock_pending(std::uint32_t seen) noexcept {
    using namespace qspinlock_detail;
    if (Waiting::pending_waits_for_owner && (seen & kLockedMask) != 0)
      waiting().spin_until([&] { return (word_.load(std::memory_order_acquire) & kLockedMask) == 0; });
    word_.fetch_add(kLocked - kPending, std::memory_order_relaxed);  // clear pending, set locked
  }

  void lock_queued() noexcept {
    using namespace qspinlock_detail;
    ThreadSlot& slot = tls_slot;
    const std::uint32_t number = slot.get();
    if (number == 0 || slot.depth >= kNodesPerThread) {  // no node: spin on try_lock
      waiting().spin_until([&] { return try_lock(); });
      return;
    }
    const std::uint32_t index = slot.depth++;
    Node& node = registry().block(number).nodes[index];
    const std::uint32_t tail = encode_tail(number, index);
    node.next.store(nullptr, std::memory_order_relaxed);
    node.locked.store(0, std::memory_order_relaxed);
    if (!try_lock()) {
      queue_and_take(node, tail);
    }
    --slot.depth;
  }

  void queue_and_take(qspinlock_detail::Node& node, std::uint32_t tail) noexcept {
    using namespace qspinlock_detail;
    const std::uint32_t old = swap_tail(tail);
    qspinlock_detail::Node* next = nullptr;
    if ((old & kTailMask) != 0) {
      decode_tail(old).next.store(&node, std::memory_order_release);
      waiting().spin_until([&] { return node.locked.load(std::memory_order_acquire) != 0; });
      next = node.next.load(std::memory_order_acquire);
    }
    // Queue head: wait for the owner and any pending thread to go.
    std::uint32_t word = 0;
    waiting().spin_until(
        [&] { return ((word = word_.load(std::memory_order_acquire)) & kLockedPendingMask) == 0; });
    if ((word & kTailMask) == tail &&
        word_.compare_exchange_strong(word, kLocked, std::memory_order_relaxed, std::memory_order_relaxed))
      return;  // we were the last in line: the queue is empty now
    word_.fetch_or(kLocked, std::memory_order_relaxed);  // nobody else may set it while the queue is ours
    if (next == nullptr)
      waiting().spin_until([&] { return (next = node.next.load(std::memory_order_acquire)) != nullptr; });
    next->locked.store(1, std::memory_order_release);  // the next node is queue head now
  }

  // Replaces the tail field with `tail`, keeping locked and pending; returns
  // the word before.
  std::uint32_t swap_tail(std::uint32_t tail) noexcept {
    using namespace qspinlock_detail;
    std::uint32_t old = word_.load(std::memory_order_relaxed);
    while (!word_.compare_exchange_weak(old, (old & kLockedPendingMask) | tail, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
    }
    return old;
  }

  std::atomic<std::uint32_t> word_{0};
};

using Qspinlock = BasicQspinlock<>;

static_assert(sizeof(Qspinlock) == 4);
static_assert(synclab::TryLockable<Qspinlock>);

}  // namespace synclab::locks
