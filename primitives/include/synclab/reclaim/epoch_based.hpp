// reclaim/epoch_based.hpp — epoch-based reclamation (ebr) as a Publication.
//
// Algorithm: Fraser, "Practical lock-freedom", PhD thesis, Cambridge 2004,
//   §5.2.3 (epoch-based reclamation); as described and measured by Hart,
//   McKenney, Demke Brown and Walpole, "Performance of memory reclamation for
//   lockless synchronization", JPDC 67(12), 2007, §2.2.
//   - One global epoch, a counter that only grows.
//   - One record per thread (made or reused when a handle is constructed,
//     kept in a push-only list until ~EpochBased): the epoch the thread saw
//     when it entered its current read section, and whether it is inside one.
//     A thread outside a read section is ignored by everyone: an idle thread,
//     or one that has no handle any more, blocks nothing.
//   - Retired objects go to the retiring thread's limbo list of the epoch it
//     read right after the retire; three lists per thread, by epoch mod 3.
//   - The epoch may advance from g to g+1 once every thread inside a read
//     section entered it at epoch g. An object retired at epoch e may be freed
//     when the global epoch is e + GraceEpochs, i.e. after two advances
//     (GraceEpochs = 2; the tests' broken twin frees after one).
//   - The writer tries to advance on every retire, then frees its limbo lists
//     that are old enough. Readers never free and never advance.
//
// Why two advances: a reader that entered at epoch e may hold an object
//   retired at e (it loaded the pointer before the writer's exchange). The
//   advance e -> e+1 can happen while it is still inside, since it announced
//   e; the advance e+1 -> e+2 cannot, until it has left (or re-entered at e+1,
//   after which it can only load pointers published after the retire).
//
// Guarantees:
//   - read: wait-free (one load of the epoch, one announcing store, one load
//     of the current pointer, the caller's f, one store to leave). Never frees.
//   - update: lock-free exchange; the retire pass is O(threads) loads plus the
//     frees. Never waits for readers.
//   - No object is freed while a reader may still look at it (above).
//   - Memory: a stalled reader — preempted or sleeping inside a read section —
//     stops the epoch; from then on nothing retired is freed and memory grows
//     by one object per update, without bound, until it leaves (Hart et al.
//     §2.2: EBR is not robust to stalled threads; hazard pointers are). A
//     thread outside a section stalls nothing.
//   - The bound with readers that keep announcing (one writer): after the
//     writer's update at global epoch g, everything retired at g-2 or earlier
//     has been freed, so what awaits was retired at epochs g-1 and g. If every
//     read section overlaps at most k updates, the writer's advance succeeds at
//     least every k updates, each epoch retires at most k objects, and at most
//     2k - 1 retired objects await after an update (2k counting the object the
//     next update is about to retire). Readers that start a new section
//     between any two updates (k = 1): at most 1 retired object after each
//     update, 2 with the one about to be retired (epoch_based_test checks it).
//     With several writers each writer's own lists obey this, and a writer
//     frees its lists only when it retires again (or in ~EpochBased).
//   - ~EpochBased frees the current object and every list of every record.
//
// Memory ordering:
//   - The reader's announcement must be visible before it loads the current
//     pointer (store -> load), and the writer's exchange before it reads the
//     epoch and the records: the announcement store, the pointer load, the
//     exchange, every load and CAS of the global epoch and the writer's loads
//     of the records are seq_cst operations (not relaxed ones plus a
//     standalone fence: the single total order over these operations is the
//     whole argument, and ThreadSanitizer does not model atomic_thread_fence).
//     If a reader's pointer load returns an object X, it precedes X's exchange
//     in that order, so its announcement (and its earlier epoch load) does
//     too: the writer's scans after the retire see the announcement, whose
//     epoch is at most the epoch X is retired at.
//   - A new record is pushed with a seq_cst CAS and the scans load the list
//     head seq_cst: the push precedes its owner's first announcement, so a
//     scan that must see that announcement (above) sees the record too.
//   - The reader's exit is a release store, the writer's scan an acquire
//     (seq_cst) load: the reader's reads of the object happen before the
//     scan that lets the epoch advance, and so before the free. When the scan
//     sees a newer announcement instead, that store is a release too, and the
//     older section is sequenced before it. The advancing CAS (seq_cst)
//     carries that on to whichever thread later reads the new epoch and frees.
//   - A record's limbo lists belong to the thread whose handle owns it; a
//     record passes between handles through in_use (release on handle
//     destruction, acquire when claimed).
//
// Layout: the global epoch and the current pointer each on their own 128-byte
//   block (the pair of lines x86 prefetches together); each record is 128-byte
//   aligned, its announcement word first, written only by its owner and read
//   by writers. An object is a Node: T and one link for the limbo list.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <utility>

#include "synclab/reclaim/concepts.hpp"

namespace synclab::reclaim {

template <class T, unsigned GraceEpochs = 2>
class BasicEpochBased {
  static_assert(GraceEpochs >= 1 && GraceEpochs <= 2, "three limbo lists hold at most two epochs back");

  struct Node {
    template <class... Args>
    explicit Node(Args&&... args) : value(std::forward<Args>(args)...) {}
    T value;
    Node* next = nullptr;  // limbo list link, owned by the retiring thread
  };

  // One limbo list: the objects one thread retired at `epoch`.
  struct Limbo {
    Node* head = nullptr;
    std::uint64_t epoch = 0;
    std::size_t count = 0;
  };

  static constexpr std::uint64_t kActive = 1;  // low bit of Record::state

  struct alignas(128) Record {
    // (epoch << 1) | active: written by the owner only.
    std::atomic<std::uint64_t> state{0};
    std::atomic<bool> in_use{true};
    Record* next = nullptr;  // immutable once the record is in the list
    Limbo limbo[3];          // by epoch mod 3; the owner's only
  };

 public:
  static constexpr std::string_view name = "ebr";
  static constexpr std::size_t object_bytes = sizeof(Node);
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call

  template <class... Args>
  explicit BasicEpochBased(Args&&... args) : current_(new Node(std::forward<Args>(args)...)) {}
  BasicEpochBased(const BasicEpochBased&) = delete;
  BasicEpochBased& operator=(const BasicEpochBased&) = delete;

  ~BasicEpochBased() {
    delete current_.load(std::memory_order_relaxed);
    Record* r = records_.load(std::memory_order_acquire);
    while (r != nullptr) {
      for (Limbo& l : r->limbo) free_list(l);
      delete std::exchange(r, r->next);
    }
  }

  class handle {
   public:
    explicit handle(BasicEpochBased& p) : p_(&p), rec_(p.acquire_record()) {}
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    ~handle() { rec_->in_use.store(false, std::memory_order_release); }

    template <class F>
    decltype(auto) read(F&& f) {
      const std::uint64_t e = p_->epoch_.load(std::memory_order_seq_cst);
      rec_->state.store(e << 1 | kActive, std::memory_order_seq_cst);
      const Node* n = p_->current_.load(std::memory_order_seq_cst);
      struct Leave {
        Record* r;
        std::uint64_t e;
        ~Leave() { r->state.store(e << 1, std::memory_order_release); }
      } leave{rec_, e};
      return std::forward<F>(f)(std::as_const(n->value));
    }

    template <class... Args>
    void update(Args&&... args) {
      Node* fresh = new Node(std::forward<Args>(args)...);
      Node* old = p_->current_.exchange(fresh, std::memory_order_seq_cst);
      p_->retire(*rec_, old);
    }

    void quiescent() noexcept {}  // read sections are tracked

    // Objects this handle's thread has retired and not yet freed.
    [[nodiscard]] std::size_t awaiting() const noexcept {
      return rec_->limbo[0].count + rec_->limbo[1].count + rec_->limbo[2].count;
    }

   private:
    BasicEpochBased* p_;
    Record* rec_;
  };

  // The global epoch now (tests).
  [[nodiscard]] std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_seq_cst); }

 private:
  Record* acquire_record() {
    for (Record* r = records_.load(std::memory_order_acquire); r != nullptr; r = r->next) {
      bool idle = false;
      if (!r->in_use.load(std::memory_order_relaxed) &&
          r->in_use.compare_exchange_strong(idle, true, std::memory_order_acquire, std::memory_order_relaxed))
        return r;
    }
    Record* r = new Record;
    r->next = records_.load(std::memory_order_relaxed);
    while (!records_.compare_exchange_weak(r->next, r, std::memory_order_seq_cst, std::memory_order_relaxed)) {
    }
    return r;
  }

  static void free_list(Limbo& l) noexcept {
    for (Node* n = std::exchange(l.head, nullptr); n != nullptr;) delete std::exchange(n, n->next);
    l.count = 0;
  }

  // Frees this record's lists retired at least GraceEpochs before `global`.
  static void free_old(Record& r, std::uint64_t global) noexcept {
    for (Limbo& l : r.limbo)
      if (l.head != nullptr && l.epoch + GraceEpochs <= global) free_list(l);
  }

  // True when every thread inside a read section entered it at epoch g.
  [[nodiscard]] bool all_at(std::uint64_t g) const noexcept {
    for (Record* r = records_.load(std::memory_order_seq_cst); r != nullptr; r = r->next) {
      const std::uint64_t s = r->state.load(std::memory_order_seq_cst);
      if ((s & kActive) != 0 && (s >> 1) != g) return false;
    }
    return true;
  }

  void retire(Record& r, Node* old) {
    std::uint64_t g = epoch_.load(std::memory_order_seq_cst);
    Limbo& l = r.limbo[g % 3];
    if (l.head != nullptr && l.epoch != g) free_list(l);  // epoch <= g - 3: long safe
    old->next = l.head;
    l.head = old;
    l.epoch = g;
    ++l.count;
    if (all_at(g)) {
      std::uint64_t expected = g;
      // Failure: another writer advanced it; either way it is now past g.
      epoch_.compare_exchange_strong(expected, g + 1, std::memory_order_seq_cst, std::memory_order_seq_cst);
      g = epoch_.load(std::memory_order_seq_cst);
    }
    free_old(r, g);
  }

  alignas(128) std::atomic<std::uint64_t> epoch_{0};
  alignas(128) std::atomic<Node*> current_;
  alignas(128) std::atomic<Record*> records_{nullptr};
};

template <class T>
using EpochBased = BasicEpochBased<T, 2>;

static_assert(Publication<EpochBased<int>, int>);

}  // namespace synclab::reclaim
