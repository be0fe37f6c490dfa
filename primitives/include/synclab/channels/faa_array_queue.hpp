// faa_array_queue.hpp — Ramalhete & Correia's FAAArrayQueue: an unbounded
// lock-free MPMC FIFO queue of linked nodes, each an array of cells that
// enqueuers and dequeuers claim with fetch_add, nodes reclaimed with hazard
// pointers.
//
// Source: Pedro Ramalhete and Andreia Correia, FAAArrayQueue (2016), as the
//   authors describe it on their blog ("FAAArrayQueue - MPMC lock-free
//   queue", concurrencyfreaks.blogspot.com, November 2016) and credit it in
//   their ConcurrencyFreaks repository. Written from that description:
//   Michael & Scott's linked list of nodes, where a node is an array claimed
//   by FAA instead of one item claimed by CAS. Hazard pointers after
//   Michael, "Hazard Pointers: Safe Memory Reclamation for Lock-Free
//   Objects" (IEEE TPDS 15(6), June 2004; one hazard per thread here). No
//   code of the authors' or of xenium's ramalhete_queue was used.
// Differences from the description, both from the list layer it shares
//   with lprq and lcrq (ring_list.hpp): a send reads the tail node's next
//   before its fetch_add and helps the tail forward when a node follows
//   (the description does so only once its index overflows: one more load
//   of a line that changes once per node), and a receive that finds a
//   drained node with a successor dequeues from it once more before moving
//   the head on (one more fetch_add per node; it finds nothing).
// Algorithm: a node holds kCells cells (state EMPTY, FULL or TAKEN, and room
//   for one message), enqidx and deqidx (fetch_add counters) and next. The
//   nodes are the rings of ring_list.hpp's list layer (Michael & Scott's
//   list: protect the tail or head node with a hazard pointer, help the tail
//   forward, link a new node that holds the message in cell 0 (enqidx 1)
//   when the tail node is full, move the head on and retire the old one).
//   node enqueue: i = FAA(enqidx). i < kCells: construct the message in cell
//     i, CAS its state EMPTY → FULL; success: done; failure (a dequeuer took
//     the cell first): move the message back, again. i ≥ kCells: the node
//     is full (closed, for the list).
//   node dequeue: if deqidx ≥ enqidx and next is null: empty. i =
//     FAA(deqidx). i < kCells: exchange cell i's state to TAKEN; it was
//     FULL: move the message out, done; it was EMPTY (its enqueuer has not
//     arrived; it will fail and retry elsewhere): again. i ≥ kCells: empty
//     (the list moves the head on if a next node exists).
// Guarantees: any number of producers and consumers; linearizable FIFO
//   (global_fifo). Lock-free: an operation retries only when another one
//   made progress (took its cell, filled the node, moved head or tail). A
//   thread preempted between its FAA and its cell stalls nobody: dequeuers
//   reaching that cell mark it TAKEN and go on (unlike mpmc_bounded, which
//   reports "empty" there). Unbounded: try_send never fails. No close.
// Memory bound: ring_list.hpp's, with kCells messages a node: the linked
//   nodes, ⌈messages in the queue / kCells⌉ + 1, plus one new node per
//   sender while it links, plus at most 2 × H retired nodes per thread (H:
//   hazard slots ever claimed, ≤ 256; hazard pointers shared with lprq and
//   lcrq). A node is kCells × (message + 8 bytes, rounded up to the
//   message's alignment) + 384 bytes (16.8 KB for 8-byte messages). A
//   stalled thread keeps at most one node alive (its hazard), unlike
//   epoch-based schemes. tests/primitives/faa_array_queue_test.cpp counts
//   the nodes under sustained traffic against this bound.
// Memory ordering:
//   enqidx / deqidx FAA             relaxed: the index names a cell; the
//     message goes through the cell's state.
//   cell state CAS EMPTY → FULL     release: the message constructed before
//     it is visible to the dequeuer that reads FULL.
//   cell state exchange → TAKEN     acquire (acq_rel): reads the message the
//     FULL release published; on EMPTY the enqueuer's later CAS fails, and
//     nobody reads that cell's storage.
//   enqidx / deqidx / next in the emptiness check: acquire loads; a stale
//     answer is a linearizable "empty" at the time of the load of next.
//   hazards, head / tail / next: ring_list.hpp (hazard store and re-load
//     seq_cst, next loads acquire, the CAS that link or swing seq_cst).
// Layout: per node, [enqidx], [deqidx], [next] each in its own 128-byte
//   block, then the cells, unpadded (a node is allocated whole, aligned to
//   128). The queue: [head], [tail] in 128-byte blocks.
// Stall point (test builds): StallPoint::after_claim after the FAA on
//   enqidx, on the queue's address.
// Template parameters: MarkEmptyCells: the shipped queue is true; false is
//   the broken twin of tests/support/include/synclab/testing/channel_broken.hpp
//   (a dequeuer that finds its cell EMPTY leaves it EMPTY, so the late
//   enqueuer fills a cell nobody will read: the message is lost). Reclaim:
//   ring_list.hpp's (the tests count nodes through it).
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/channels/ring_list.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::channels {

namespace faa_detail {

// One node: kCells cells claimed by fetch_add (the ring of ring_list.hpp).
template <class T, std::size_t kCells, bool MarkEmptyCells>
class alignas(128) Node {
 public:
  Node() = default;
  // A fresh node holding `first` in cell 0.
  explicit Node(T&& first) {
    cells_[0].message.construct(std::move(first));
    cells_[0].state.store(kFull, std::memory_order_relaxed);
    enqidx_.store(1, std::memory_order_relaxed);
  }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // The message of Node(T&&), back to its sender (the node was never shared).
  void give_back_first(T& v) { ring_list::give_back_cell(cells_[0], v, kTaken); }
  ~Node() { ring_list::destroy_full_cells(cells_, kFull); }

  // Moves v in on ok; on closed (the node is full), v is untouched.
  ring_list::Put enqueue(T& v, const void* stall_key) {
    for (;;) {
      const std::size_t i = enqidx_.fetch_add(1, std::memory_order_relaxed);
      stall_point(StallPoint::after_claim, stall_key);
      if (i >= kCells) return ring_list::Put::closed;
      Cell& c = cells_[i];
      c.message.construct(std::move(v));
      std::uint8_t expected = kEmpty;
      if (c.state.compare_exchange_strong(expected, kFull, std::memory_order_release, std::memory_order_relaxed))
        return ring_list::Put::ok;
      c.message.move_to(v);  // a dequeuer took the cell first: the message is still ours
    }
  }

  // Moves a message into out and returns true, or returns false: empty.
  bool dequeue(T& out) {
    for (;;) {
      if (deqidx_.load(std::memory_order_acquire) >= enqidx_.load(std::memory_order_acquire) &&
          next_.load(std::memory_order_acquire) == nullptr)
        return false;
      const std::size_t i = deqidx_.fetch_add(1, std::memory_order_relaxed);
      if (i >= kCells) return false;
      Cell& c = cells_[i];
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
        return true;
      }
    }
  }

  std::atomic<Node*>& next() noexcept { return next_; }

 private:
  static constexpr std::uint8_t kEmpty = 0, kFull = 1, kTaken = 2;
  struct Cell {
    std::atomic<std::uint8_t> state{kEmpty};
    detail::Storage<T> message;
  };

  alignas(128) std::atomic<std::size_t> enqidx_{0};
  alignas(128) std::atomic<std::size_t> deqidx_{0};
  alignas(128) std::atomic<Node*> next_{nullptr};
  alignas(128) Cell cells_[kCells];
};

}  // namespace faa_detail

template <class T, bool MarkEmptyCells = true, class Reclaim = ring_list::HazardReclaim>
class FaaArrayQueue {
 public:
  using value_type = T;
  static constexpr std::string_view name = "faa_array_queue";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool queue_frontier = true;      // also mpmc_oversub (benches/channels.cpp)
  static constexpr std::size_t kCells = 1024;
  static constexpr std::size_t kRingSize = kCells;  // messages a node holds (the list's ring)
  static constexpr Semantics semantics{.bounded = false,
                                       .blocking = false,
                                       .order = Order::global_fifo,
                                       .multi_producer = true,
                                       .multi_consumer = true,
                                       .close = false,
                                       .allocation = "per node of 1024 messages (hazard-pointer reclaimed)"};

  explicit FaaArrayQueue(std::size_t /*unbounded*/) {}
  FaaArrayQueue(const FaaArrayQueue&) = delete;
  FaaArrayQueue& operator=(const FaaArrayQueue&) = delete;

  // Moves from v only on success (always, an unbounded queue).
  bool try_send(T& v) {
    list_.send(v, this);
    return true;
  }
  bool try_send(T&& v) { return try_send(v); }

  bool try_recv(T& out) { return list_.recv(out); }

  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  ring_list::RingList<faa_detail::Node<T, kCells, MarkEmptyCells>, Reclaim> list_;
};

static_assert(Channel<FaaArrayQueue<long>>);

}  // namespace synclab::channels
