// reclaim/qsbr.hpp — quiescent-state-based reclamation of our own, as a
// read-mostly publication (reclaim/concepts.hpp).
//
// Source: Paul E. McKenney and John D. Slingwine, "Read-Copy Update: Using
//   Execution History to Solve Concurrency Problems", PDCS 1998 (quiescent
//   states, grace periods, deferred destruction); Thomas E. Hart, Paul E.
//   McKenney, Angela Demke Brown and Jonathan Walpole, "Performance of
//   memory reclamation for lockless synchronization", JPDC 67(12), 2007,
//   §2.1 (QSBR: a grace period is any interval in which every thread has
//   passed through a quiescent state; an object removed before it may be
//   freed after it). No code of liburcu or xenium was used.
// Algorithm: a grace-period counter gp (starts at 1) and one record per
//   handle (thread) in a push-only list, holding `seen`: 0 while the thread
//   is offline, else the value of gp it read at its last announcement.
//   handle(p):   claim a record (reuse a free one or push a new one); seen =
//                gp (the thread is online).
//   read(f):     f(*current.load(acquire)) — nothing marks the read section.
//   quiescent(): seen = gp: "I hold no reference taken before now"; then
//                free what this thread retired and is now safe.
//   update(a):   old = current.exchange(new node(a)); tag = ++gp; put old
//                on this thread's retired list with its tag; seen = tag (the
//                updater holds no reference: update is never called inside
//                read); free every object of the list whose tag ≤ the
//                smallest `seen` of the online records (the tags only grow,
//                so the list is freed from its front).
//   ~handle:     seen = 0 (offline: it no longer delays anybody); its record
//                is free for the next handle; the objects still on its list
//                go to the publication's orphan list, which the next update
//                or quiescent call of any thread (or ~Qsbr) frees when safe.
// Why the tag works: a thread announcing a value ≥ tag read gp after the
//   increment that made tag, which comes after the exchange, so every load
//   of current it makes after announcing returns the new object or a later
//   one; what it read before announcing it has finished with (its
//   announcement is a release store the reclaimer acquires).
// Guarantees: read is wait-free (one load); update and quiescent are
//   wait-free apart from the allocator: they never wait for a reader, they
//   only free less. Exactly-once: an object is freed by the thread whose
//   list holds it, or from the orphan list under its mutex, or by ~Qsbr.
// Memory bound: an object retired with tag t waits until every online
//   thread has announced since the increment that made t, then until its
//   retiring thread's next update or quiescent call. So right after an
//   update, the objects a thread still holds are at most the updates it
//   made since the oldest last announcement among the other online threads
//   (its own update announces for itself). With readers that announce after
//   each read, that is the updates made since the oldest read in progress
//   began (precisely: since the announcement that ended that reader's
//   previous read); qsbr_test holds it at exactly one object in lockstep
//   with a reader and at k for a reader that announces after every k
//   updates. Orphans (the lists of handles destroyed meanwhile) wait on the
//   same condition for anybody's next call. A reader that is online but
//   never announces (or is preempted inside f) holds back every object
//   retired after its last announcement: memory grows by one object per
//   update, without bound, until it announces or its handle is destroyed.
//   A destroyed handle (an offline thread) delays nobody.
// Memory ordering:
//   quiescent's gp load: acquire; its seen store: release (the reads before
//     it happen before the reclaimer's acquire load of seen and the free).
//   update: exchange seq_cst (acq_rel for the objects' construction), gp
//     increment seq_cst, reclaimer's loads of the records list and of seen
//     seq_cst. Coming online is a store→load pattern (store seen, then load
//     current) against the updater's (exchange, then load seen): the handle
//     pushes its record by a seq_cst CAS, stores seen seq_cst, and then loads
//     current once seq_cst, so either the reclaimer sees the thread online
//     with an old `seen` (and waits), or that load — and, by read-read
//     coherence, every later acquire load of current — returns the new
//     object. Plain acquire loads suffice for the reads after that.
//   going offline: release store of 0 (the thread's last reads happen before
//     a reclaimer that reads 0 frees anything).
//   record claim: CAS acq_rel on in_use; release: release store.
// Layout: the current pointer and gp each in a 128-byte block; each record
//   128 bytes (a reader stores only to its own). A node is T plus an 8-byte
//   tag and an 8-byte link (object_bytes = sizeof(node)).
// Template parameter WaitForEveryThread: true ships; false is the broken twin
//   of tests/support/include/synclab/testing/broken_reclaim.hpp (an updater
//   frees as soon as it has announced itself, ignoring the other threads).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string_view>
#include <utility>

#include "synclab/reclaim/concepts.hpp"

namespace synclab::reclaim {

template <class T, bool WaitForEveryThread = true>
class Qsbr {
  struct node {
    template <class... Args>
    explicit node(Args&&... args) : value(std::forward<Args>(args)...) {}
    T value;
    std::uint64_t tag = 0;
    node* next = nullptr;
  };
  struct alignas(128) Record {
    std::atomic<std::uint64_t> seen{0};
    std::atomic<bool> in_use{true};
    std::atomic<std::size_t> pending{0};  // its list's length, for unreclaimed()
    Record* next = nullptr;
  };
  // A list of retired nodes in tag order (oldest first).
  struct List {
    node* head = nullptr;
    node* tail = nullptr;
    std::size_t count = 0;
    void push(node* n) {
      n->next = nullptr;
      (tail != nullptr ? tail->next : head) = n;
      tail = n;
      ++count;
    }
    // Frees the nodes whose tag ≤ safe (a sorted list: from its front).
    void free_up_to(std::uint64_t safe) {
      while (head != nullptr && head->tag <= safe) {
        node* n = std::exchange(head, head->next);
        delete n;
        --count;
      }
      if (head == nullptr) tail = nullptr;
    }
    // Frees the nodes whose tag ≤ safe in an unsorted list.
    void free_any_up_to(std::uint64_t safe) {
      node** link = &head;
      tail = nullptr;
      while (node* n = *link) {
        if (n->tag <= safe) {
          *link = n->next;
          delete n;
          --count;
        } else {
          tail = n;
          link = &n->next;
        }
      }
    }
    void append(List& other) {
      if (other.head == nullptr) return;
      (tail != nullptr ? tail->next : head) = other.head;
      tail = other.tail;
      count += other.count;
      other = List{};
    }
  };

 public:
  static constexpr std::string_view name = "qsbr";
  static constexpr std::size_t object_bytes = sizeof(node);

  template <class... Args>
  explicit Qsbr(Args&&... args) : current_(new node(std::forward<Args>(args)...)) {}
  Qsbr(const Qsbr&) = delete;
  Qsbr& operator=(const Qsbr&) = delete;
  // Every handle is gone: their lists are all on the orphan list.
  ~Qsbr() {
    delete current_.load(std::memory_order_relaxed);
    orphans_.free_any_up_to(std::numeric_limits<std::uint64_t>::max());
    for (Record* r = records_.load(std::memory_order_acquire); r != nullptr;) {
      Record* next = r->next;
      delete r;
      r = next;
    }
  }

  class handle {
   public:
    explicit handle(Qsbr& p) : p_(p), record_(p.claim_record()) {
      record_->seen.store(p_.gp_.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
      (void)p_.current_.load(std::memory_order_seq_cst);  // online before any read (top comment)
    }
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    ~handle() {
      record_->seen.store(0, std::memory_order_release);
      if (retired_.head != nullptr) {
        const std::lock_guard held(p_.orphans_mutex_);
        p_.orphans_.append(retired_);
        p_.orphan_count_.store(p_.orphans_.count, std::memory_order_relaxed);
      }
      record_->pending.store(0, std::memory_order_relaxed);
      record_->in_use.store(false, std::memory_order_release);
    }

    template <class F>
    decltype(auto) read(F&& f) {
      const node* n = p_.current_.load(std::memory_order_acquire);
      return std::forward<F>(f)(static_cast<const T&>(n->value));
    }

    template <class... Args>
    void update(Args&&... args) {
      node* fresh = new node(std::forward<Args>(args)...);
      node* old = p_.current_.exchange(fresh, std::memory_order_seq_cst);
      old->tag = p_.gp_.fetch_add(1, std::memory_order_seq_cst) + 1;
      retired_.push(old);
      record_->seen.store(old->tag, std::memory_order_release);
      reclaim();
    }

    void quiescent() {
      record_->seen.store(p_.gp_.load(std::memory_order_acquire), std::memory_order_release);
      if (retired_.head != nullptr || p_.orphan_count_.load(std::memory_order_relaxed) != 0) reclaim();
    }

   private:
    void reclaim() {
      const std::uint64_t safe = p_.safe_tag();
      retired_.free_up_to(safe);
      record_->pending.store(retired_.count, std::memory_order_relaxed);
      if (p_.orphan_count_.load(std::memory_order_relaxed) != 0) {
        std::unique_lock held(p_.orphans_mutex_, std::try_to_lock);
        if (held.owns_lock()) {
          p_.orphans_.free_any_up_to(safe);
          p_.orphan_count_.store(p_.orphans_.count, std::memory_order_relaxed);
        }
      }
    }

    Qsbr& p_;
    Record* record_;
    List retired_;
  };

  // Objects retired and not yet freed (a snapshot; for tests).
  std::size_t unreclaimed() const noexcept {
    std::size_t n = orphan_count_.load(std::memory_order_relaxed);
    for (Record* r = records_.load(std::memory_order_acquire); r != nullptr; r = r->next)
      n += r->pending.load(std::memory_order_relaxed);
    return n;
  }
  // The grace-period counter (for tests).
  std::uint64_t grace_period() const noexcept { return gp_.load(std::memory_order_relaxed); }

 private:
  Record* claim_record() {
    for (Record* r = records_.load(std::memory_order_seq_cst); r != nullptr; r = r->next) {
      bool free = false;
      if (!r->in_use.load(std::memory_order_relaxed) &&
          r->in_use.compare_exchange_strong(free, true, std::memory_order_acq_rel))
        return r;
    }
    auto* r = new Record;
    r->next = records_.load(std::memory_order_relaxed);
    while (!records_.compare_exchange_weak(r->next, r, std::memory_order_seq_cst, std::memory_order_relaxed)) {
    }
    return r;
  }

  // Every object whose tag is ≤ the result may be freed: the smallest `seen`
  // of the online records (the caller's own included).
  std::uint64_t safe_tag() const noexcept {
    std::uint64_t safe = gp_.load(std::memory_order_seq_cst);
    if constexpr (WaitForEveryThread) {
      for (Record* r = records_.load(std::memory_order_seq_cst); r != nullptr; r = r->next) {
        const std::uint64_t seen = r->seen.load(std::memory_order_seq_cst);
        if (seen != 0) safe = std::min(safe, seen);
      }
    }
    return safe;
  }

  alignas(128) std::atomic<node*> current_;
  alignas(128) std::atomic<std::uint64_t> gp_{1};
  std::atomic<Record*> records_{nullptr};
  std::atomic<std::size_t> orphan_count_{0};
  std::mutex orphans_mutex_;
  List orphans_;  // guarded by orphans_mutex_
};

static_assert(Publication<Qsbr<int>, int>);

}  // namespace synclab::reclaim
