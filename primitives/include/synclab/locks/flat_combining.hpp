// flat_combining.hpp — flat combining: one thread at a time, the combiner,
// holds a global lock and runs the critical sections that the others have
// published in per-thread records.
//
// Algorithm: each (thread, lock) pair owns a record: a request slot, an
//   `active` flag saying whether the record is on the lock's publication
//   list, a link, and the combining pass that last served it (its age).
//   lock_combine(f) builds the call on the caller's stack. If the global
//   lock is free it takes it, runs the call in place and combines (below).
//   Otherwise it publishes the call's address in the record's request slot
//   and, if the record is not active, pushes the record at the head of the
//   publication list. It then polls: the slot cleared means a combiner ran
//   the call (return its result); every fourth poll, the global lock seen
//   free means try to take it and become the combiner, and the record seen
//   inactive (aged out, below) means push it again. The combiner
//   runs its own request, then one pass: it counts the pass, walks the list
//   from the head and runs every pending request, stamping the record with
//   the pass number and clearing the slot. Every `CleanupEvery` passes it
//   also walks the list and unlinks the records (never the one the head
//   points at) whose age is more than `MaxAge` passes old and that have no
//   request pending, marking them inactive. Then it releases the lock.
// Source: Hendler, Incze, Shavit & Tzafrir, "Flat Combining and the
//   Synchronization-Parallelism Tradeoff", SPAA 2010, pp. 355-364 (doi
//   10.1145/1810479.1810540), Section 2 "Flat Combining": its Figure 1 (the
//   global lock, the combining pass count, the publication list of
//   thread-local records with request, age and active fields) and its five
//   steps (publish the request; spin on it, checking once in a while that
//   the lock is still taken and the record still active; take a free lock
//   and combine: count the pass, scanCombineApply from the head stamping
//   each served record's age, and every so often remove the records whose
//   age is much smaller than the count, never the one the head points at,
//   marking them inactive; an inactive record is pushed again with a CAS on
//   the head). Section 5 argues linearizability (Lemma 1) and starvation
//   freedom for a thread whose record stays active (Lemma 2). The request is
//   a type-erased function (locks/combining.hpp) rather than the paper's
//   opcode and arguments, which is what a lock_combine API needs. Taking a
//   free lock before publishing anything, polling the lock every fourth poll
//   (the paper: "once in a while"), and aging out only records with no
//   request pending are this implementation's choices (the paper's threads
//   publish first, step 1, then look at the lock, steps 2 and 3).
// Guarantees: mutual exclusion of every critical section (they all run under
//   the global lock, on the combiner). Each published request runs exactly
//   once: only the lock holder runs requests and it clears the slot after
//   running one, and a request whose record was aged out is still seen by its
//   owner (the inactive flag sends it back onto the list, or it takes the
//   lock itself and runs it). No fairness: the global lock is a
//   test-and-test-and-set, so a thread may combine many times in a row, but a
//   waiter is served by whichever combiner passes its record next, so waiting
//   is bounded by one pass once its record is on the list. Blocking, not
//   lock-free: a preempted combiner stops everyone (under oversubscription it
//   collapses like any spin lock); waiters spin, never sleep.
// Also a plain lock: lock()/try_lock()/unlock() take and release the global
//   lock directly (a TTAS lock), so a critical section written inline
//   excludes the combined ones; the holder of lock() serves nobody.
// Records: owned by the lock (freed by its destructor), found by the calling
//   thread through a small thread-local direct-mapped cache keyed by a
//   process-unique lock id (never reused, so a stale entry of a destroyed lock
//   can never match a new one). A thread that exits leaves its record, which
//   ages out of the list; a thread that uses more than kCacheEntries
//   flat-combining locks whose ids collide in its cache gets a new record each
//   time it comes back: those stay owned by the lock until it is destroyed
//   (memory, not correctness).
// The critical section: see synclab::Combinable (it may run on the combiner's
//   thread; it must not throw, a throw there terminates).
// Memory ordering:
//   record.request.store(&call, release): publishes the call (the function
//     reference and the empty result storage) to the combiner that loads the
//     slot with acquire.
//   record.request.load(acquire) by the combiner: sees the call's contents.
//   record.request.store(nullptr, release) by the combiner, after running the
//     call: the owner's acquire load that sees nullptr sees the result and
//     every effect of the critical section; the combiner touches neither the
//     call nor the record's slot afterwards.
//   locked_.exchange(true, acquire) / locked_.store(false, release): the lock
//     itself: a combiner's pass happens-before the next holder's. The polling
//     load of locked_ is relaxed: it only decides whether to try the exchange.
//   head_.compare_exchange (release on success): publishes the pushed record
//     (its link, set just before) to the combiner, which loads head_ and every
//     link with acquire. A combiner reaches a record only through those loads.
//   record.next stores by the combiner when unlinking (release) and by the
//     owner when pushing (relaxed, then published by the CAS): never at the same
//     time, since the owner pushes only after seeing active == false.
//   record.active.store(false, release) by the combiner after unlinking: the
//     owner's acquire load that sees false sees the record already unlinked, so
//     its push cannot interleave with the unlink. active.store(true) by the
//     owner is relaxed: the combiner reads it only as a diagnostic.
//   all_ (the ownership list): pushes with acq_rel CAS; only the destructor
//     walks it, after every call has returned.
// Layout: the global lock word and the pass count (the combiner's) share one
//   128-byte block; the list head, the ownership list and the lock id another,
//   so polling the lock word does not share a line with insertions. A record is
//   128-byte aligned and sized: the combiner writes into it while its owner
//   polls it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/combining.hpp"

namespace synclab::locks {

namespace detail {
inline std::atomic<std::uint64_t> next_combining_lock_id{1};
}  // namespace detail

template <std::uint32_t CleanupEvery = 32, std::uint64_t MaxAge = 64>
class BasicFlatCombining {
  static_assert(CleanupEvery > 0);

 public:
  static constexpr std::string_view name = "flat_combining";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr std::size_t kCacheEntries = 8;
  // A waiter reads its own record on every poll and the lock word (and its
  // active flag) on every fourth: the lock word's line is written by every
  // combiner, and each read of it by a waiter is a transfer.
  static constexpr std::uint32_t kPollsPerLockCheck = 4;

  struct alignas(128) Record {
    std::atomic<CombineRequest*> request{nullptr};  // pending call; nullptr: none (or done)
    std::atomic<bool> active{false};                // on the publication list
    std::atomic<Record*> next{nullptr};             // publication list link
    std::uint64_t age = 0;                          // pass that last served it (combiner only)
    Record* owned_next = nullptr;                   // ownership list (immutable once pushed)
  };

  BasicFlatCombining() = default;
  BasicFlatCombining(const BasicFlatCombining&) = delete;
  BasicFlatCombining& operator=(const BasicFlatCombining&) = delete;
  BasicFlatCombining(BasicFlatCombining&&) = delete;
  BasicFlatCombining& operator=(BasicFlatCombining&&) = delete;
  ~BasicFlatCombining() {
    Record* r = all_.load(std::memory_order_acquire);
    while (r != nullptr) {
      Record* const next = r->owned_next;
      delete r;
      r = next;
    }
  }

  template <class F>
  std::invoke_result_t<F&> lock_combine(F&& f) {
    CombineCall<std::remove_reference_t<F>> call(f);
    if (try_lock()) {  // free: run in place, then serve whoever is waiting
      call.run_here();
      combine(nullptr);
      unlock();
      return call.take();
    }
    Record& mine = my_record();
    mine.request.store(&call, std::memory_order_release);
    if (!mine.active.load(std::memory_order_acquire)) push(mine);
    for (std::uint32_t polls = 1;; ++polls) {
      if (mine.request.load(std::memory_order_acquire) == nullptr) return call.take();
      if (polls % kPollsPerLockCheck == 0) {
        if (try_lock()) {
          combine(&mine);
          unlock();
          return call.take();
        }
        if (!mine.active.load(std::memory_order_acquire)) push(mine);
      }
      cpu_relax();
    }
  }

  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) cpu_relax();
    }
  }

  [[nodiscard]] bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
  }

  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  // Records on the publication list now (tests: aging). Only meaningful while
  // no combiner runs.
  [[nodiscard]] std::size_t active_records() const noexcept {
    std::size_t n = 0;
    for (Record* r = head_.load(std::memory_order_acquire); r != nullptr; r = r->next.load(std::memory_order_acquire))
      ++n;
    return n;
  }

 protected:
  // The combiner's work, under the global lock: its own request (which may
  // be off the list; none when it ran its section in place), then one pass
  // over the list, then cleanup when due.
  void combine(Record* mine) noexcept {
    ++passes_;
    if (mine != nullptr) serve(*mine);
    for (Record* r = head_.load(std::memory_order_acquire); r != nullptr; r = r->next.load(std::memory_order_acquire))
      serve(*r);
    if (passes_ % CleanupEvery == 0) cleanup();
  }

  void serve(Record& r) noexcept {
    CombineRequest* const q = r.request.load(std::memory_order_acquire);
    if (q == nullptr) return;
    q->run(*q);
    r.age = passes_;
    r.request.store(nullptr, std::memory_order_release);  // the owner may return from here on
  }

 private:
  void cleanup() noexcept {
    Record* prev = head_.load(std::memory_order_acquire);
    if (prev == nullptr) return;
    Record* cur = prev->next.load(std::memory_order_acquire);
    while (cur != nullptr) {
      Record* const next = cur->next.load(std::memory_order_acquire);
      if (passes_ - cur->age > MaxAge && cur->request.load(std::memory_order_acquire) == nullptr) {
        prev->next.store(next, std::memory_order_release);
        cur->active.store(false, std::memory_order_release);  // the owner may push it again from here on
      } else {
        prev = cur;
      }
      cur = next;
    }
  }

  void push(Record& r) noexcept {
    r.active.store(true, std::memory_order_relaxed);
    Record* head = head_.load(std::memory_order_relaxed);
    do {
      r.next.store(head, std::memory_order_relaxed);
    } while (!head_.compare_exchange_weak(head, &r, std::memory_order_release, std::memory_order_relaxed));
  }

  Record& my_record() {
    struct Entry {
      std::uint64_t lock_id = 0;
      Record* record = nullptr;
    };
    thread_local std::array<Entry, kCacheEntries> cache{};
    Entry& e = cache[id_ % kCacheEntries];
    if (e.lock_id == id_) return *e.record;
    auto* r = new Record;
    r->age = 0;
    Record* owned = all_.load(std::memory_order_relaxed);
    do {
      r->owned_next = owned;
    } while (!all_.compare_exchange_weak(owned, r, std::memory_order_acq_rel, std::memory_order_relaxed));
    e = Entry{id_, r};
    return *r;
  }

  alignas(128) std::atomic<bool> locked_{false};
  std::uint64_t passes_ = 0;  // combining passes (under the lock)
  alignas(128) std::atomic<Record*> head_{nullptr};
  std::atomic<Record*> all_{nullptr};
  const std::uint64_t id_ = detail::next_combining_lock_id.fetch_add(1, std::memory_order_relaxed);
};

using FlatCombining = BasicFlatCombining<>;

static_assert(sizeof(FlatCombining) == 256);
static_assert(sizeof(FlatCombining::Record) == 128);
static_assert(synclab::Combinable<FlatCombining>);
static_assert(synclab::TryLockable<FlatCombining>);

}  // namespace synclab::locks
