// mpmc_bounded.hpp — Vyukov's bounded multi-producer multi-consumer queue:
// a ring of cells, each with its own sequence number, and two position
// counters claimed with a CAS.
//
// Algorithm: positions are free-running counters; position p uses cell
//   p & mask in lap p / capacity. A cell's sequence number says whose turn it
//   is: 2*lap means "empty, for the producer of this lap", 2*lap + 1 "full,
//   for the consumer of this lap".
//   try_send: p = enqueue_pos; the cell's sequence is 2*lap(p)?
//     equal   -> CAS enqueue_pos p -> p + 1; on success construct the message
//                and store sequence 2*lap + 1. On failure retry with the
//                position the CAS returned.
//     smaller -> the cell still holds the previous lap's message: full, false.
//     larger  -> another producer took p; reload the position and retry.
//   try_recv: the same on dequeue_pos, waiting for 2*lap + 1, moving the
//     message out and storing 2*lap + 2 (the next lap's "empty").
// Source: Dmitry Vyukov, "Bounded MPMC queue" (1024cores.net), the queue
//   behind many of the peers (anchors-queues-ci.md, part A). Vyukov's cells
//   hold sequence p (empty) and p + 1 (full), which needs capacity >= 2;
//   counting in half-laps (as rigtorp/MPMCQueue does with its turns) is the
//   same idea and also works for one cell. Written from the algorithm.
// Capacity: the request rounded up to a power of two (at least 1);
//   capacity() reports it.
// Guarantees: any number of producers and consumers; never more than
//   capacity() messages in the ring. Order: positions are claimed in one
//   total order and each consumer takes positions in that order, so each
//   producer's messages leave in the order it sent them (per_producer_fifo);
//   no global FIFO is promised, because a consumer that claimed an earlier
//   position can finish after one that claimed a later one.
//   Progress: not lock-free. A producer preempted between its CAS and its
//   sequence store leaves a claimed but empty cell: consumers reaching it
//   report "empty" (try_recv false) although later cells may be full, until
//   the producer runs again; likewise a preempted consumer makes the ring
//   look full at its cell. A failed try_send / try_recv can therefore mean
//   "busy", not only "full" / "empty". Under contention the CAS retries.
//   No close (the blocking wrapper, blocking.hpp, adds one).
// Memory ordering:
//   position CAS and loads   relaxed: a position only names a cell; the
//     data is handed over through the cell's sequence number.
//   sequence load            acquire: in try_send it pairs with the consumer's
//     release store, so the previous message was moved out and destroyed
//     before the producer constructs over it; in try_recv it pairs with the
//     producer's release store, so the message is complete before it is read.
//   sequence store           release, for those two pairings.
// Layout: [cells pointer, mask, lap shift] read-only, [enqueue_pos] and
//   [dequeue_pos] each in its own IndexPadding block (Vyukov pads them to a
//   cache line each); the cells are a separate allocation aligned to
//   max(64, IndexPadding). Cells are not padded from each other (Vyukov's
//   layout): neighbouring positions in flight on different cores share lines.
// Allocation: none after construction.
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <new>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/padding/padded.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::channels {

template <class T, std::size_t IndexPadding = 128>
class MpmcBounded {
 public:
  using value_type = T;
  static constexpr std::string_view name = "mpmc_bounded";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr std::size_t index_padding = IndexPadding;
  static constexpr Semantics semantics{.bounded = true,
                                       .blocking = false,
                                       .order = Order::per_producer_fifo,
                                       .multi_producer = true,
                                       .multi_consumer = true,
                                       .close = false,
                                       .allocation = "none (one array at construction)"};

  explicit MpmcBounded(std::size_t capacity) : ring_(std::in_place, detail::ring_capacity(capacity)) {}
  MpmcBounded(const MpmcBounded&) = delete;
  MpmcBounded& operator=(const MpmcBounded&) = delete;
  ~MpmcBounded() {
    const std::size_t end = enqueue_pos_->load(std::memory_order_relaxed);
    for (std::size_t p = dequeue_pos_->load(std::memory_order_relaxed); p != end; ++p) {
      ring_->cell(p).message.destroy();
    }
  }

  // Moves from v only on success.
  bool try_send(T& v) {
    const Ring& r = *ring_;
    std::size_t pos = enqueue_pos_->load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = r.cell(pos);
      const std::size_t empty_turn = 2 * r.lap(pos);
      const std::size_t seq = cell.sequence.load(std::memory_order_acquire);
      if (seq == empty_turn) {
        if (enqueue_pos_->compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed,
                                                std::memory_order_relaxed)) {
          stall_point(StallPoint::after_claim, this);
          cell.message.construct(std::move(v));
          cell.sequence.store(empty_turn + 1, std::memory_order_release);
          return true;
        }
      } else if (behind(seq, empty_turn)) {
        return false;  // full (or the consumer of the previous lap is still reading)
      } else {
        pos = enqueue_pos_->load(std::memory_order_relaxed);
      }
    }
  }
  bool try_send(T&& v) { return try_send(v); }

  bool try_recv(T& out) {
    const Ring& r = *ring_;
    std::size_t pos = dequeue_pos_->load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = r.cell(pos);
      const std::size_t full_turn = 2 * r.lap(pos) + 1;
      const std::size_t seq = cell.sequence.load(std::memory_order_acquire);
      if (seq == full_turn) {
        if (dequeue_pos_->compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed,
                                                std::memory_order_relaxed)) {
          stall_point(StallPoint::after_claim, this);
          cell.message.move_to(out);
          cell.sequence.store(full_turn + 1, std::memory_order_release);
          return true;
        }
      } else if (behind(seq, full_turn)) {
        return false;  // empty (or its producer has not finished writing)
      } else {
        pos = dequeue_pos_->load(std::memory_order_relaxed);
      }
    }
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return ring_->mask + 1; }

 private:
  struct Cell {
    std::atomic<std::size_t> sequence;
    detail::Storage<T> message;
  };
  static constexpr std::size_t kCellAlignment = std::max<std::size_t>({64, IndexPadding, alignof(Cell)});

  struct Ring {
    explicit Ring(std::size_t cap)
        : mask(cap - 1),
          lap_shift(static_cast<unsigned>(std::countr_zero(cap))),
          cells(static_cast<Cell*>(::operator new(bytes(cap), std::align_val_t{kCellAlignment}))) {
      for (std::size_t i = 0; i < cap; ++i) ::new (static_cast<void*>(&cells[i].sequence)) std::atomic<std::size_t>(0);
    }
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;
    ~Ring() { ::operator delete(cells, bytes(mask + 1), std::align_val_t{kCellAlignment}); }

    static std::size_t bytes(std::size_t cap) noexcept {
      return (cap * sizeof(Cell) + kCellAlignment - 1) / kCellAlignment * kCellAlignment;
    }
    Cell& cell(std::size_t pos) const noexcept { return cells[pos & mask]; }
    std::size_t lap(std::size_t pos) const noexcept { return pos >> lap_shift; }

    std::size_t mask;
    unsigned lap_shift;
    Cell* cells;
  };

  // seq is an earlier turn than `turn` (wrap-safe).
  static bool behind(std::size_t seq, std::size_t turn) noexcept {
    return static_cast<std::ptrdiff_t>(seq - turn) < 0;
  }

  padding::Padded<Ring, IndexPadding> ring_;
  padding::Padded<std::atomic<std::size_t>, IndexPadding> enqueue_pos_;
  padding::Padded<std::atomic<std::size_t>, IndexPadding> dequeue_pos_;
};

static_assert(Channel<MpmcBounded<long>>);

}  // namespace synclab::channels
