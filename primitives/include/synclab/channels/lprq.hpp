// lprq.hpp — LPRQ, Romanov & Koval's portable LCRQ: an unbounded lock-free
// MPMC FIFO queue made of a linked list of rings (PRQs), each ring's cells
// claimed with fetch_add and updated with single-width CAS only.
//
// Source: Raed Romanov and Nikita Koval, "The State-of-the-Art LCRQ
//   Concurrent Queue Algorithm Does NOT Require CAS2", PPoPP 2023 (doi
//   10.1145/3572848.3577485). Followed: the paper's PRQ (its Listing 4, as
//   the authors' artifact, doi 10.5281/zenodo.7337237, labels its
//   LPRQueue.hpp), the idea of splitting CRQ's one
//   double-width CAS on a cell (safe, index, value) into single-word CASes
//   on the cell's two words, with a reserved value an enqueuer installs
//   first, then the epoch, then the message; and the linked-list layer
//   unchanged from LCRQ (Morrison & Afek, PPoPP 2013, their LCRQ: a ring
//   that fills up is closed, a new one linked after it). Written from the
//   papers' descriptions; no code of the authors' or of other ports was
//   used; the paper's section numbers could not be checked against its
//   text, so none are cited. Where this header departs from the paper, it
//   says so below.
// Algorithm: a ring of R cells (R = the RingSize template parameter, 1024 by
//   default) and two free-running counters, Head and Tail (both start at R,
//   so the first lap is epoch 1 and the cells' initial epoch 0 is older);
//   bit 63 of Tail is the ring's "closed" bit. Position p lives in cell
//   p mod R in epoch p / R. A cell is two words: `epoch` = (epoch << 1) |
//   safe, and `state` = EMPTY, RESERVED, FULL or KILLED; the message itself
//   sits in the cell's storage, which only the holder of the cell touches.
//   ring enqueue(v): t = FAA(Tail); closed: CLOSED. Read the cell (epoch,
//     then state). If state = EMPTY, epoch < epoch(t) and (safe or Head ≤
//     t): (1) CAS state EMPTY → RESERVED (the cell is now the enqueuer's);
//     (2) CAS epoch (s, e) → (1, epoch(t)) — it fails when a dequeuer passed
//     the position meanwhile: give the cell back (state EMPTY), next
//     position; (3) construct v in the storage and CAS state RESERVED →
//     FULL: done; the CAS fails when a dequeuer killed the reservation
//     (state KILLED): move v back out, give the cell back, next position.
//     A failed position: if t − Head ≥ R (the ring is full) or the
//     enqueuer has failed kStarvation times in this ring, close it (set bit
//     63 of Tail) and return CLOSED.
//   ring dequeue(): h = FAA(Head); read the cell consistently (epoch,
//     state, epoch again, equal). epoch > epoch(h): overtaken, give up the
//     position. FULL and epoch = epoch(h): move the message out, state
//     EMPTY, return it. FULL of an older epoch (its dequeuer has not come):
//     clear safe (CAS on epoch). RESERVED: CAS it to KILLED — the enqueuer
//     that holds it may already have written epoch(h) or will, and must not
//     complete — then as EMPTY. EMPTY or KILLED: CAS epoch to (s, epoch(h)),
//     so that a late enqueuer of position h fails step (2). A failed CAS
//     re-reads the cell. Having given up the position: if Tail ≤ h + 1 the
//     ring is empty (catch Tail up to Head, return EMPTY), else next
//     position.
//   try_send / try_recv: the list layer of ring_list.hpp (LCRQ's, shared
//     with lcrq.hpp and faa_array_queue.hpp): protect the tail ring (hazard
//     pointer); if it has a next ring, help the tail forward; else ring
//     enqueue; CLOSED: link a new ring that holds v at its first position
//     (CAS on next, then swing the tail), or, losing that race, take v back
//     and retry. Protect the head ring; ring dequeue; EMPTY and no next
//     ring: empty. EMPTY with a next ring: the ring is closed; dequeue once
//     more (an enqueuer that got its position before the close may have
//     completed since), then CAS the head to the next ring and retire the
//     old one.
// Departure from the paper: its reserved value is thread-specific (⊥ tagged
//   with the thread) and a dequeuer resets it to ⊥ directly, which needs the
//   value word to hold the message. Here the message lives in the cell's
//   storage (any T, no allocation per message), so the cell must stay the
//   enqueuer's until it has moved its message back out: a dequeuer marks
//   the reservation KILLED, and only the enqueuer that held it makes the
//   cell EMPTY again. One RESERVED value is enough: nobody but that
//   enqueuer, or a dequeuer killing it, changes a RESERVED state. A
//   preempted enqueuer keeps at most one cell of one ring out of use (the
//   others skip it; dequeuers pass it), which costs capacity of a ring,
//   never progress. And a dequeuer that finds its cell empty makes the
//   empty transition at once; the authors' artifact first polls the cell a
//   bounded number of times while Tail is ahead, to let a late enqueuer
//   finish.
// Guarantees: any number of producers and consumers; linearizable FIFO
//   (global_fifo), LCRQ's argument: the epoch word orders every enqueuer
//   and dequeuer of a position, a value goes in only while its dequeuer has
//   not passed, and a closed ring's late messages are drained before the
//   head leaves it. Lock-free: a failed step is another operation's
//   progress, and an enqueuer that keeps failing closes the ring and moves
//   to a new one (kStarvation). A thread preempted anywhere stalls nobody:
//   a dequeuer that reaches its position while the enqueuer holds it kills
//   the reservation and goes on (unlike mpmc_bounded, which reports
//   "empty" there). Unbounded: try_send never fails. No close.
// Memory bound: the linked rings, each R cells of (2 × 8 bytes + the
//   message rounded up to 8) + 384 bytes (24 KB for R = 1024 and 8-byte
//   messages). A ring holds at most R messages, and is closed early only by
//   a starving enqueuer, so the live rings are ⌈messages / R⌉ + 1 in the
//   steady state (ring_list.hpp's bound: a ring that has never been the
//   head closes only when full), plus one new ring per sender while it
//   links; retired rings wait for ring_list.hpp's hazard-pointer scan (the
//   per-thread hazard slot and retired list shared by every ring-list queue:
//   at most 2 × H retired rings per thread, H the hazard slots ever claimed,
//   ≤ 256). tests/primitives/lprq_test.cpp counts the rings under sustained
//   traffic against this bound.
// Memory ordering: every ring operation (FAA on Head/Tail, loads and CAS of
//   a cell's words, the closed bit) is seq_cst, as in SCQ (scq.hpp): the
//   algorithm is proved under sequential consistency and its checks are
//   store→load patterns across words (an enqueuer's FAA on Tail then its
//   load of Head; a dequeuer's FAA on Head then its load of Tail; a cell's
//   epoch CAS then the other word's load) that only a total order keeps.
//   On x86-64 every RMW is a full barrier already; the loads are plain.
//   The message is plain memory handed over by the state word: the
//   enqueuer constructs it before its RESERVED → FULL CAS (release), the
//   dequeuer's load of FULL (acquire) comes before it moves it out, and its
//   store of EMPTY (release) hands the storage to the next enqueuer, whose
//   EMPTY → RESERVED CAS (acquire) comes before it writes there. The ring
//   and list pointers: ring_list.hpp (hazard store and re-load seq_cst,
//   next loads acquire, the CAS that link or swing seq_cst).
// Layout: per ring, [Head], [Tail], [next] each in its own 128-byte block,
//   then the R cells, unpadded: cell = epoch word, state word, storage. The
//   queue: [head ring], [tail ring] in 128-byte blocks.
// Stall point (test builds): StallPoint::after_claim in the ring enqueue,
//   between the epoch CAS (2) and the message's CAS (3), on the queue's
//   address: the enqueuer holds its position in the epoch word.
// Template parameters: RingSize (cells per ring, a power of two ≥ 2; tests
//   use small rings to force closing and linking); KillReserved: the shipped
//   queue is true; false is the broken twin of
//   tests/support/include/synclab/testing/channel_broken.hpp (a dequeuer
//   that finds its position RESERVED passes it without killing the
//   reservation, so the enqueuer completes a message nobody will read: it
//   is lost); Reclaim: ring_list.hpp's (the tests count rings through it).
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

namespace lprq_detail {

inline constexpr std::uint64_t kClosed = std::uint64_t{1} << 63;

// One PRQ ring of R cells.
template <class T, std::size_t R, bool KillReserved>
class Ring {
  static_assert(R >= 2 && (R & (R - 1)) == 0, "the ring size is a power of two, at least 2");

 public:
  static constexpr int kStarvation = 64;  // failed positions before an enqueuer closes the ring
  using Put = ring_list::Put;

  Ring() {
    head_.store(R, std::memory_order_relaxed);
    tail_.store(R, std::memory_order_relaxed);
  }
  // A fresh ring holding `first` at its first position (epoch 1).
  explicit Ring(T&& first) : Ring() {
    Cell& c = cells_[0];
    c.message.construct(std::move(first));
    c.epoch.store(make(1, true), std::memory_order_relaxed);
    c.state.store(kFull, std::memory_order_relaxed);
    tail_.store(R + 1, std::memory_order_relaxed);
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  // The message of Ring(T&&), back to its sender (the ring was never shared).
  void give_back_first(T& v) { ring_list::give_back_cell(cells_[0], v, kEmpty); }
  ~Ring() { ring_list::destroy_full_cells(cells_, kFull); }

  // Moves v in on ok; on closed, v is untouched.
  Put enqueue(T& v, const void* stall_key) {
    int failures = 0;
    for (;;) {
      const std::uint64_t t = tail_.fetch_add(1, std::memory_order_seq_cst);
      if ((t & kClosed) != 0) return Put::closed;
      const std::uint64_t ep = t / R;
      Cell& c = cells_[t % R];
      const std::uint64_t e = c.epoch.load(std::memory_order_seq_cst);
      std::uint8_t s = c.state.load(std::memory_order_seq_cst);
      if (s == kEmpty && epoch_of(e) < ep &&
          (safe(e) || head_.load(std::memory_order_seq_cst) <= t) &&
          c.state.compare_exchange_strong(s, kReserved, std::memory_order_seq_cst, std::memory_order_seq_cst)) {
        std::uint64_t expected = e;
        if (!c.epoch.compare_exchange_strong(expected, make(ep, true), std::memory_order_seq_cst,
                                             std::memory_order_seq_cst)) {
          // A dequeuer passed the position: the cell (RESERVED, or KILLED by
          // it) goes back to EMPTY; only its holder does that.
          c.state.store(kEmpty, std::memory_order_seq_cst);
        } else {
          c.message.construct(std::move(v));
          stall_point(StallPoint::after_claim, stall_key);
          std::uint8_t reserved = kReserved;
          if (c.state.compare_exchange_strong(reserved, kFull, std::memory_order_seq_cst,
                                              std::memory_order_seq_cst))
            return Put::ok;
          c.message.move_to(v);  // killed by the position's dequeuer: the message is still ours
          c.state.store(kEmpty, std::memory_order_seq_cst);
        }
      }
      const auto behind = static_cast<std::int64_t>(t - head_.load(std::memory_order_seq_cst));
      if (behind >= static_cast<std::int64_t>(R) || ++failures >= kStarvation) {
        tail_.fetch_or(kClosed, std::memory_order_seq_cst);
        return Put::closed;
      }
    }
  }

  // Moves a message into out and returns true, or returns false: empty.
  bool dequeue(T& out) {
    for (;;) {
      const std::uint64_t h = head_.fetch_add(1, std::memory_order_seq_cst);
      const std::uint64_t ep = h / R;
      Cell& c = cells_[h % R];
      for (;;) {
        const std::uint64_t e = c.epoch.load(std::memory_order_seq_cst);
        std::uint8_t s = c.state.load(std::memory_order_seq_cst);
        if (c.epoch.load(std::memory_order_seq_cst) != e) continue;  // not one moment: again
        if (epoch_of(e) > ep) break;                                 // overtaken
        if (s == kFull) {
          if (epoch_of(e) == ep) {
            c.message.move_to(out);
            c.state.store(kEmpty, std::memory_order_seq_cst);
            return true;
          }
          // An older epoch's message, its dequeuer not there yet: enqueuers
          // of later epochs may use the cell only while Head ≤ their t.
          std::uint64_t expected = e;
          if (c.epoch.compare_exchange_strong(expected, make(epoch_of(e), false), std::memory_order_seq_cst,
                                              std::memory_order_seq_cst))
            break;
          continue;
        }
        if (s == kReserved) {
          if constexpr (KillReserved) {
            if (!c.state.compare_exchange_strong(s, kKilled, std::memory_order_seq_cst, std::memory_order_seq_cst))
              continue;
          }
        }
        // EMPTY, KILLED (or RESERVED, killed now): pass the position.
        std::uint64_t expected = e;
        if (c.epoch.compare_exchange_strong(expected, make(ep, safe(e)), std::memory_order_seq_cst,
                                            std::memory_order_seq_cst))
          break;
      }
      if ((tail_.load(std::memory_order_seq_cst) & ~kClosed) <= h + 1) {
        catch_up();
        return false;
      }
    }
  }

  std::atomic<Ring*>& next() noexcept { return next_; }

 private:
  static constexpr std::uint8_t kEmpty = 0, kReserved = 1, kFull = 2, kKilled = 3;
  static constexpr std::uint64_t make(std::uint64_t epoch, bool is_safe) noexcept {
    return (epoch << 1) | static_cast<std::uint64_t>(is_safe);
  }
  static constexpr std::uint64_t epoch_of(std::uint64_t word) noexcept { return word >> 1; }
  static constexpr bool safe(std::uint64_t word) noexcept { return (word & 1) != 0; }

  // Head passed Tail (dequeuers ran ahead of enqueuers): move Tail up to
  // Head, so that enqueuers do not take positions their dequeuers passed.
  void catch_up() {
    for (;;) {
      const std::uint64_t h = head_.load(std::memory_order_seq_cst);
      std::uint64_t t = tail_.load(std::memory_order_seq_cst);
      if ((t & kClosed) != 0 || h <= t) return;
      if (tail_.compare_exchange_strong(t, h, std::memory_order_seq_cst, std::memory_order_seq_cst)) return;
    }
  }

  struct Cell {
    std::atomic<std::uint64_t> epoch{0 << 1 | 1};  // epoch 0, safe
    std::atomic<std::uint8_t> state{kEmpty};
    detail::Storage<T> message;
  };

  alignas(128) std::atomic<std::uint64_t> head_;
  alignas(128) std::atomic<std::uint64_t> tail_;
  alignas(128) std::atomic<Ring*> next_{nullptr};
  alignas(128) Cell cells_[R];
};

}  // namespace lprq_detail

template <class T, std::size_t RingSize = 1024, bool KillReserved = true,
          class Reclaim = ring_list::HazardReclaim>
class Lprq {
  using Ring = lprq_detail::Ring<T, RingSize, KillReserved>;

 public:
  using value_type = T;
  static constexpr std::string_view name = "lprq";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool queue_frontier = true;      // also mpmc_oversub (benches/channels.cpp)
  static constexpr bool sweep_only = true;          // registered only with sweeps on (the default run's budget)
  static constexpr std::size_t kRingSize = RingSize;
  static constexpr Semantics semantics{.bounded = false,
                                       .blocking = false,
                                       .order = Order::global_fifo,
                                       .multi_producer = true,
                                       .multi_consumer = true,
                                       .close = false,
                                       .allocation = "per ring of 1024 messages (hazard-pointer reclaimed)"};

  explicit Lprq(std::size_t /*unbounded*/) {}
  Lprq(const Lprq&) = delete;
  Lprq& operator=(const Lprq&) = delete;

  // Moves from v on success (always, an unbounded queue).
  bool try_send(T& v) {
    list_.send(v, this);
    return true;
  }
  bool try_send(T&& v) { return try_send(v); }

  bool try_recv(T& out) { return list_.recv(out); }

  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  ring_list::RingList<Ring, Reclaim> list_;
};

static_assert(Channel<Lprq<long>>);

}  // namespace synclab::channels
