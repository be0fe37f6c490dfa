// faa_array_queue.hpp — Ramalhete & Correia's FAAArrayQueue: an unbounded
// lock-free MPMC FIFO queue of linked nodes, each an array of cells that
// enqueuers and dequeuers claim with fetch_add, nodes reclaimed with hazard
// pointers.
//
// Source: Pedro Ramalhete and Andreia Correia, FAAArrayQueue (2016), the
//   lock-free FAA-based baseline of their "A Wait-Free Queue with Wait-Free
//   Memory Reclamation" (PPoPP 2017) and the authors' description of it on
//   their blog (concurrencyfreaks.com, 2016). Written from that
//   description: Michael & Scott's linked list of nodes, where a node is an
//   array claimed by FAA instead of one item claimed by CAS. Hazard pointers
//   after Michael, "Hazard Pointers: Safe Memory Reclamation for Lock-Free
//   Objects" (IEEE TPDS 2004), §3 (one hazard per thread here). No code of
//   the authors' or of xenium's ramalhete_queue was used.
// Algorithm: a node holds kCells cells (state EMPTY, FULL or TAKEN, and room
//   for one message), enqidx and deqidx (fetch_add counters) and next.
//   try_send: protect tail; i = FAA(tail.enqidx). i < kCells: construct the
//     message in cell i, CAS its state EMPTY → FULL; success: done; failure
//     (a dequeuer took the cell first): move the message back, retry. i ≥
//     kCells (node full): if tail.next is null, link a new node that holds
//     the message in cell 0 (enqidx 1) by CAS on next, then swing the tail;
//     else help the tail forward; retry.
//   try_recv: protect head; if deqidx ≥ enqidx and next is null: empty. i =
//     FAA(head.deqidx). i < kCells: exchange cell i's state to TAKEN; it was
//     FULL: move the message out, done; it was EMPTY (its enqueuer has not
//     arrived; it will fail and retry elsewhere): retry. i ≥ kCells: if next
//     is null, empty; else CAS head to next, and the winner retires the old
//     head; retry.
// Guarantees: any number of producers and consumers; linearizable FIFO
//   (global_fifo). Lock-free: an operation retries only when another one
//   made progress (took its cell, filled the node, moved head or tail). A
//   thread preempted between its FAA and its cell stalls nobody: dequeuers
//   reaching that cell mark it TAKEN and go on (unlike mpmc_bounded, which
//   reports "empty" there). Unbounded: try_send never fails. No close.
// Memory bound: the linked nodes, ⌈messages in the queue / kCells⌉ + 1, plus
//   the retired ones awaiting reclamation: each thread scans its retired list
//   when it reaches 2 × H nodes (H: hazard slots ever claimed, at most
//   kHazardSlots = 256), and a scan keeps only nodes a hazard pointer
//   protects (at most H), so at most 2 × H retired nodes per thread, and
//   nodes retired by threads that exited wait for the next scan of any
//   thread. A node is kCells × (message + 8 bytes, rounded up to the
//   message's alignment) + 384 bytes (16.8 KB for 8-byte messages). A
//   stalled thread keeps at most one node alive (its hazard), unlike
//   epoch-based schemes. More than 256 threads using hazard pointers at
//   once: abort with one line (a misuse, as the family never runs that many).
// Memory ordering:
//   enqidx / deqidx FAA             relaxed: the index names a cell; the
//     message goes through the cell's state.
//   cell state CAS EMPTY → FULL     release: the message constructed before
//     it is visible to the dequeuer that reads FULL.
//   cell state exchange → TAKEN     acquire (acq_rel): reads the message the
//     FULL release published; on EMPTY the enqueuer's later CAS fails, and
//     nobody reads that cell's storage.
//   hazard store, then reload of head/tail: seq_cst both: a store→load order
//     (the hazard must be visible before the pointer is re-checked) that only
//     sequential consistency gives; the scanner's loads of the hazards are
//     seq_cst and come after the unlinking CAS (seq_cst), so a protector that
//     validated before the unlink is seen, and one after it fails to validate.
//   head / tail / next loads         acquire: the node's initialisation
//     (its cell 0 message included) happens before it is read; the CAS that
//     links or swings them: seq_cst (release for that, and the total order
//     the hazard argument above needs for head).
//   enqidx / deqidx / next in the emptiness check: acquire loads; a stale
//     answer is a linearizable "empty" at the time of the load of next.
// Layout: per node, [enqidx], [deqidx], [next] each in its own 128-byte
//   block, then the cells, unpadded (a node is allocated whole, aligned to
//   128). The queue: [head], [tail] in 128-byte blocks.
// Stall point (test builds): StallPoint::after_claim after the FAA on
//   enqidx, on the queue's address.
// Template parameter MarkEmptyCells: the shipped queue is true; false is the
//   broken twin of tests/support/include/synclab/testing/channel_broken.hpp
//   (a dequeuer that finds its cell EMPTY leaves it EMPTY, so the late
//   enqueuer fills a cell nobody will read: the message is lost).
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::channels {

namespace faa_detail {

// Hazard pointers, one per thread, shared by every queue of the process.
class Hazards {
 public:
  static constexpr std::size_t kHazardSlots = 256;
  using Deleter = void (*)(void*) noexcept;

  // The calling thread's hazard slot (claimed on first use).
  static std::atomic<void*>& mine() { return local().slot(); }

  // Protects *src's current value: returns it once the hazard is visible and
  // the pointer is still there.
  template <class N>
  static N* protect(const std::atomic<N*>& src) {
    std::atomic<void*>& h = mine();
    N* p = src.load(std::memory_order_acquire);
    for (;;) {
      h.store(p, std::memory_order_seq_cst);
      N* again = src.load(std::memory_order_seq_cst);
      if (again == p) return p;
      p = again;
    }
  }
  static void clear() { mine().store(nullptr, std::memory_order_release); }

  // p is unlinked: deleted once no hazard holds it.
  static void retire(void* p, Deleter d) {
    Local& l = local();
    l.retired.push_back({p, d});
    if (l.retired.size() >= 2 * std::max<std::size_t>(1, domain().high_water.load(std::memory_order_relaxed)))
      scan(l.retired);
  }

 private:
  struct Retired {
    void* p;
    Deleter d;
  };
  struct alignas(128) Slot {
    std::atomic<void*> hazard{nullptr};
    std::atomic<bool> owned{false};
  };
  struct Domain {
    Slot slots[kHazardSlots];
    std::atomic<std::size_t> high_water{0};  // slots ever claimed: scan bound
    std::mutex orphans_mutex;
    std::vector<Retired> orphans;  // retired by threads that exited
  };
  static Domain& domain() {
    // Never destroyed: threads' locals hand their retired nodes to it at
    // exit, the main thread's after static destructors may have run.
    static Domain* const d = new Domain;
    return *d;
  }

  struct Local {
    Slot* s = nullptr;
    std::vector<Retired> retired;
    std::atomic<void*>& slot() {
      if (s == nullptr) claim();
      return s->hazard;
    }
    void claim() {
      Domain& d = domain();
      for (std::size_t i = 0; i < kHazardSlots; ++i) {
        bool expected = false;
        if (!d.slots[i].owned.load(std::memory_order_relaxed) &&
            d.slots[i].owned.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
          s = &d.slots[i];
          std::size_t hw = d.high_water.load(std::memory_order_relaxed);
          while (hw < i + 1 && !d.high_water.compare_exchange_weak(hw, i + 1, std::memory_order_relaxed)) {
          }
          return;
        }
      }
      detail::misuse("faa_array_queue", "more than 256 threads hold hazard pointers at once");
    }
    ~Local() {
      if (s != nullptr) {
        s->hazard.store(nullptr, std::memory_order_release);
        s->owned.store(false, std::memory_order_release);
      }
      if (!retired.empty()) {
        Domain& d = domain();
        const std::lock_guard guard(d.orphans_mutex);
        d.orphans.insert(d.orphans.end(), retired.begin(), retired.end());
      }
    }
  };
  static Local& local() {
    thread_local Local l;
    return l;
  }

  static void scan(std::vector<Retired>& retired) {
    Domain& d = domain();
    {
      const std::lock_guard guard(d.orphans_mutex);
      retired.insert(retired.end(), d.orphans.begin(), d.orphans.end());
      d.orphans.clear();
    }
    const std::size_t n = d.high_water.load(std::memory_order_acquire);
    std::vector<void*> held;
    held.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      if (void* h = d.slots[i].hazard.load(std::memory_order_seq_cst)) held.push_back(h);
    std::size_t kept = 0;
    for (Retired& r : retired) {
      if (std::find(held.begin(), held.end(), r.p) != held.end()) retired[kept++] = r;
      else r.d(r.p);
    }
    retired.resize(kept);
  }
};

}  // namespace faa_detail

template <class T, bool MarkEmptyCells = true>
class FaaArrayQueue {
 public:
  using value_type = T;
  static constexpr std::string_view name = "faa_array_queue";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool queue_frontier = true;      // also mpmc_oversub (benches/channels.cpp)
  static constexpr std::size_t kCells = 1024;
  static constexpr Semantics semantics{.bounded = false,
                                       .blocking = false,
                                       .order = Order::global_fifo,
                                       .multi_producer = true,
                                       .multi_consumer = true,
                                       .close = false,
                                       .allocation = "per node of 1024 messages (hazard-pointer reclaimed)"};

  explicit FaaArrayQueue(std::size_t /*unbounded*/) {
    Node* first = new Node();
    head_.store(first, std::memory_order_relaxed);
    tail_.store(first, std::memory_order_relaxed);
  }
  FaaArrayQueue(const FaaArrayQueue&) = delete;
  FaaArrayQueue& operator=(const FaaArrayQueue&) = delete;
  // No operation may be in flight (as for any object's destructor).
  ~FaaArrayQueue() {
    Node* n = head_.load(std::memory_order_relaxed);
    while (n != nullptr) {
      Node* next = n->next.load(std::memory_order_relaxed);
      n->destroy_full_cells();
      delete n;
      n = next;
    }
  }

  // Moves from v only on success (always, an unbounded queue).
  bool try_send(T& v) {
    for (;;) {
      Node* tail = faa_detail::Hazards::protect(tail_);
      const std::size_t i = tail->enqidx.fetch_add(1, std::memory_order_relaxed);
      stall_point(StallPoint::after_claim, this);
      if (i < kCells) {
        Cell& c = tail->cells[i];
        c.message.construct(std::move(v));
        std::uint8_t expected = kEmpty;
        if (c.state.compare_exchange_strong(expected, kFull, std::memory_order_release, std::memory_order_relaxed)) {
          faa_detail::Hazards::clear();
          return true;
        }
        c.message.move_to(v);  // a dequeuer took the cell first: the message is still ours
        continue;
      }
      if (tail != tail_.load(std::memory_order_acquire)) continue;
      Node* next = tail->next.load(std::memory_order_acquire);
      if (next == nullptr) {
        Node* fresh = new Node(std::move(v));
        Node* none = nullptr;
        if (tail->next.compare_exchange_strong(none, fresh, std::memory_order_seq_cst, std::memory_order_acquire)) {
          tail_.compare_exchange_strong(tail, fresh, std::memory_order_seq_cst, std::memory_order_relaxed);
          faa_detail::Hazards::clear();
          return true;
        }
        fresh->cells[0].message.move_to(v);
        fresh->cells[0].state.store(kTaken, std::memory_order_relaxed);
        delete fresh;
      } else {
        tail_.compare_exchange_strong(tail, next, std::memory_order_seq_cst, std::memory_order_relaxed);
      }
    }
  }
  bool try_send(T&& v) { return try_send(v); }

  bool try_recv(T& out) {
    for (;;) {
      Node* head = faa_detail::Hazards::protect(head_);
      if (head->deqidx.load(std::memory_order_acquire) >= head->enqidx.load(std::memory_order_acquire) &&
          head->next.load(std::memory_order_acquire) == nullptr)
        break;
      const std::size_t i = head->deqidx.fetch_add(1, std::memory_order_relaxed);
      if (i < kCells) {
        Cell& c = head->cells[i];
        std::uint8_t was;
        if constexpr (MarkEmptyCells) {
          was = c.state.exchange(kTaken, std::memory_order_acq_rel);
        } else {
          // The broken twin: an EMPTY cell is left EMPTY for its late enqueuer.
          was = c.state.load(std::memory_order_acquire);
          if (was == kFull) c.state.store(kTaken, std::memory_order_relaxed);
        }
        if (was == kFull) {
          c.message.move_to(out);
          faa_detail::Hazards::clear();
          return true;
        }
        continue;
      }
      Node* next = head->next.load(std::memory_order_acquire);
      if (next == nullptr) break;
      if (head_.compare_exchange_strong(head, next, std::memory_order_seq_cst, std::memory_order_relaxed)) {
        faa_detail::Hazards::clear();
        faa_detail::Hazards::retire(head, &Node::remove);
      }
    }
    faa_detail::Hazards::clear();
    return false;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  static constexpr std::uint8_t kEmpty = 0, kFull = 1, kTaken = 2;
  struct Cell {
    std::atomic<std::uint8_t> state{kEmpty};
    detail::Storage<T> message;
  };
  struct alignas(128) Node {
    Node() = default;
    explicit Node(T&& first) {
      cells[0].message.construct(std::move(first));
      cells[0].state.store(kFull, std::memory_order_relaxed);
      enqidx.store(1, std::memory_order_relaxed);
    }
    void destroy_full_cells() noexcept {
      for (Cell& c : cells)
        if (c.state.load(std::memory_order_relaxed) == kFull) c.message.destroy();
    }
    static void remove(void* p) noexcept { delete static_cast<Node*>(p); }  // every cell TAKEN: nothing to destroy

    alignas(128) std::atomic<std::size_t> enqidx{0};
    alignas(128) std::atomic<std::size_t> deqidx{0};
    alignas(128) std::atomic<Node*> next{nullptr};
    alignas(128) Cell cells[kCells];
  };

  alignas(128) std::atomic<Node*> head_;
  alignas(128) std::atomic<Node*> tail_;
};

static_assert(Channel<FaaArrayQueue<long>>);

}  // namespace synclab::channels
