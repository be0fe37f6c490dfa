// lcrq.hpp — LCRQ, Morrison & Afek's linked concurrent ring queue: an
// unbounded lock-free MPMC FIFO queue made of a linked list of rings (CRQs)
// whose cells are claimed with fetch_add and updated with a double-width
// CAS on (safe | index, value).
//
// Source: Adam Morrison and Yehuda Afek, "Fast Concurrent Queues for x86
//   Processors", PPoPP 2013 (doi 10.1145/2442516.2442527). Followed: the CRQ (its enqueue,
//   dequeue and fixState, the empty transition and the unsafe transition,
//   closing a ring through the top bit of its tail, the starvation bound),
//   and the LCRQ (Michael & Scott's list of CRQs: a closed
//   ring's enqueuer links a new ring that holds its item; a dequeuer that
//   finds a ring empty and a next ring tries once more, then moves the
//   head on). Written from the paper's pseudocode; no code of the
//   authors' or of other ports was used; the paper's section and figure
//   numbers could not be checked against its text when this was written,
//   so none are cited. One difference from the authors' code, as its
//   release notes describe it: there a dequeuer may wait a bounded time
//   for a concurrent enqueuer of its cell before giving the cell up; here
//   it never waits (the empty transition at once).
// Algorithm: a ring of R cells (R = RingSize, 1024 by default) and two
//   free-running counters, Head and Tail, starting at 0; bit 63 of Tail is
//   the "closed" bit. A cell is 16 bytes, {word, value}, the word being
//   (index << 2) | occupied << 1 | safe, index starting at the cell's own
//   number. The value is the message itself when T is trivially copyable
//   and at most 8 bytes (the benchmark's 8-byte payload), otherwise a
//   pointer to a heap copy (`new T`, deleted by its receiver): the paper's
//   cells hold a word, and the occupied bit stands for its ⊥, so any 8-byte
//   pattern is a message.
//   ring enqueue(x): t = FAA(Tail); closed: CLOSED. Read the cell. If it is
//     unoccupied, index ≤ t and (safe or Head ≤ t): CAS2 it to {t,
//     occupied, safe; x}: done. Otherwise, if t − Head ≥ R (full) or the
//     enqueuer has failed kStarvation times here, close the ring (set bit
//     63 of Tail): CLOSED; else retry.
//   ring dequeue(): h = FAA(Head); loop on the cell: index > h: give up.
//     Occupied, index = h: CAS2 it to {h + R, unoccupied, safe}, return the
//     value. Occupied, index < h (an older lap's message whose dequeuer has
//     not come): CAS2 safe off (the unsafe transition), give up. Unoccupied:
//     CAS2 the index to h + R (the empty transition: a late enqueuer of
//     position h fails), give up. A failed CAS2 re-reads the cell. Having
//     given up: Tail ≤ h + 1: fixState (Tail up to Head), EMPTY; else next
//     position.
//   try_send / try_recv: the list layer of ring_list.hpp (the paper's
//     LCRQ, shared with lprq.hpp and faa_array_queue.hpp), over rings of
//     encoded messages.
// Double-width CAS: synclab/arch/cas2.hpp (GCC's std::atomic<__int128> is
//   not lock-free): `lock cmpxchg16b` on x86-64; on arm64 `caspal` where the
//   CPU has LSE (ARMv8.1), else an `ldaxp`/`stlxp` loop (ARMv8.0), chosen at
//   run time. A cell's words are read with two 8-byte atomic loads (a torn
//   pair is harmless: every decision is validated by the CAS2 on both words).
//   The instruction is checked at run time (x86-64: CPUID.01H:ECX bit 13,
//   CX16; every arm64 core has one): unavailable() returns why the queue
//   cannot run ("" when it can), the benchmark leaves it out of the run with
//   that reason in the results context (`channel_primitives_left_out`) and
//   the typed tests skip it; the environment variable SYNCLAB_ASSUME_NO_CAS2=1
//   makes the check fail, for the tests of that path. Constructing it anyway
//   aborts with one line. Other architectures: the queue is left out of their
//   builds (channels/catalog.hpp says why).
// ThreadSanitizer: it sees neither the CAS2 nor the ordering it gives (the
//   asm is not instrumented), so it would report the handing over of a boxed
//   message as a race that is not there. TSan builds leave lcrq out of the
//   catalogue (reason in the results context) and run only lcrq_test's
//   checks of the left-out path; its concurrent tests (lcrq_test and the
//   typed stress and contract tests) run in the release and ASan builds.
// Guarantees: any number of producers and consumers; linearizable FIFO
//   (global_fifo; the paper's linearizability argument). Lock-free: a failed
//   CAS2 or position is another operation's progress, and a starving
//   enqueuer closes the ring and moves to a new one. A thread preempted
//   anywhere stalls nobody: a dequeuer that reaches its position before its
//   enqueuer makes the empty transition and goes on (unlike mpmc_bounded).
//   Unbounded: try_send never fails. No close.
// Memory bound: the linked rings, each R × 16 bytes + 384 (16.4 KB for R =
//   1024), ⌈messages / R⌉ + 1 in the steady state, plus the boxed messages
//   (one `new T` each) when T is not inline, plus one new ring per sender
//   while it links; retired rings: ring_list.hpp's hazard pointers, at most
//   2 × H per thread. tests/primitives/lcrq_test.cpp counts the rings under
//   sustained traffic against this bound.
// Memory ordering: on x86-64 `lock cmpxchg16b` is a full barrier and the
//   asm clobbers memory, so the CAS2 orders everything around it. On arm64
//   `caspal` and `ldaxp`/`stlxp` are acquire (load) and release (store), and
//   that is what the queue needs of them: the boxed message written before
//   the enqueuer's CAS2 (release) is visible to the dequeuer whose CAS2
//   (acquire) read the value that CAS2 stored; and Armv8's acquire and
//   release are RCsc, so a dequeuer's CAS2 on its cell is not passed by its
//   later seq_cst load of Tail (an LDAR), nor an enqueuer's seq_cst FAA on
//   Tail and load of Head by its CAS2 (arch/cas2.hpp has the argument).
//   Head, Tail and the closed bit: seq_cst RMWs and
//   loads, as the paper's proof assumes sequential consistency (an
//   enqueuer's FAA on Tail then its load of Head, a dequeuer's FAA on Head
//   then its load of Tail). The cell loads: acquire (plain MOV on x86-64,
//   LDAR on arm64).
//   Ring and list pointers: ring_list.hpp.
// Layout: per ring, [Head], [Tail], [next] each in its own 128-byte block,
//   then the cells (16 bytes each, 16-byte aligned, four to a cache line).
// Stall point (test builds): StallPoint::after_claim in the ring enqueue,
//   between the FAA on Tail and the cell, on the queue's address.
// Template parameters: RingSize (a power of two ≥ 2); MarkEmptyCells: the
//   shipped queue is true; false is the broken twin of
//   tests/support/include/synclab/testing/channel_broken.hpp (a dequeuer
//   that finds its cell unoccupied gives the position up without the empty
//   transition, so a late enqueuer still fills it: the message is lost);
//   Reclaim: ring_list.hpp's (the tests count rings through it).
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include "synclab/arch/cas2.hpp"

#if SYNCLAB_HAVE_CAS2  // x86-64, arm64

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <utility>

#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/channels/ring_list.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::channels {

namespace lcrq_detail {

inline constexpr std::uint64_t kClosed = std::uint64_t{1} << 63;

struct alignas(16) Cell {
  std::atomic<std::uint64_t> word;   // (index << 2) | occupied << 1 | safe
  std::atomic<std::uint64_t> value;  // the message's bits, or a T*
};
static_assert(sizeof(Cell) == 16 && std::atomic<std::uint64_t>::is_always_lock_free);

// {word, value} from {w0, v0} to {w1, v1}, atomically (arch/cas2.hpp).
inline bool cas2(Cell& c, std::uint64_t w0, std::uint64_t v0, std::uint64_t w1, std::uint64_t v1) noexcept {
  return synclab::cas2(&c, w0, v0, w1, v1);
}

template <class T>
inline constexpr bool kInline = std::is_trivially_copyable_v<T> && sizeof(T) <= 8;

template <class T, std::size_t R, bool MarkEmptyCells>
class Ring {
  static_assert(R >= 2 && (R & (R - 1)) == 0, "the ring size is a power of two, at least 2");

 public:
  static constexpr int kStarvation = 64;  // failed positions before an enqueuer closes the ring
  using Put = ring_list::Put;

  Ring() {
    for (std::size_t u = 0; u < R; ++u) {
      cells_[u].word.store(make(u, false, true), std::memory_order_relaxed);
      cells_[u].value.store(0, std::memory_order_relaxed);
    }
    head_.store(0, std::memory_order_relaxed);
    tail_.store(0, std::memory_order_relaxed);
  }
  // A fresh ring holding `first` (already encoded) at position 0.
  explicit Ring(std::uint64_t first) : Ring() {
    cells_[0].word.store(make(0, true, true), std::memory_order_relaxed);
    cells_[0].value.store(first, std::memory_order_relaxed);
    tail_.store(1, std::memory_order_relaxed);
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    if constexpr (!kInline<T>) {
      for (Cell& c : cells_)
        if (occupied(c.word.load(std::memory_order_relaxed)))
          delete reinterpret_cast<T*>(c.value.load(std::memory_order_relaxed));
    }
  }

  // The encoded message of Ring(first), back to its sender (never shared).
  void give_back_first(std::uint64_t& x) noexcept {
    cells_[0].word.store(make(0, false, true), std::memory_order_relaxed);
    x = cells_[0].value.load(std::memory_order_relaxed);
  }

  Put enqueue(std::uint64_t x, const void* stall_key) {
    int failures = 0;
    for (;;) {
      const std::uint64_t t = tail_.fetch_add(1, std::memory_order_seq_cst);
      if ((t & kClosed) != 0) return Put::closed;
      stall_point(StallPoint::after_claim, stall_key);
      Cell& c = cells_[t % R];
      const std::uint64_t w = c.word.load(std::memory_order_acquire);
      const std::uint64_t v = c.value.load(std::memory_order_acquire);
      if (!occupied(w) && index(w) <= t && (safe(w) || head_.load(std::memory_order_seq_cst) <= t) &&
          cas2(c, w, v, make(t, true, true), x))
        return Put::ok;
      const auto behind = static_cast<std::int64_t>(t - head_.load(std::memory_order_seq_cst));
      if (behind >= static_cast<std::int64_t>(R) || ++failures >= kStarvation) {
        tail_.fetch_or(kClosed, std::memory_order_seq_cst);
        return Put::closed;
      }
    }
  }

  // The encoded message, or false: empty.
  bool dequeue(std::uint64_t& out) {
    for (;;) {
      const std::uint64_t h = head_.fetch_add(1, std::memory_order_seq_cst);
      Cell& c = cells_[h % R];
      for (;;) {
        const std::uint64_t w = c.word.load(std::memory_order_acquire);
        const std::uint64_t v = c.value.load(std::memory_order_acquire);
        const std::uint64_t i = index(w);
        if (i > h) break;
        if (occupied(w)) {
          if (i == h) {
            if (cas2(c, w, v, make(h + R, false, safe(w)), 0)) {
              out = v;
              return true;
            }
          } else if (cas2(c, w, v, w & ~std::uint64_t{1}, v)) {  // unsafe transition
            break;
          }
        } else {
          if constexpr (!MarkEmptyCells) break;  // the broken twin: no empty transition
          if (cas2(c, w, v, make(h + R, false, safe(w)), v)) break;  // empty transition
        }
      }
      if ((tail_.load(std::memory_order_seq_cst) & ~kClosed) <= h + 1) {
        fix_state();
        return false;
      }
    }
  }

  std::atomic<Ring*>& next() noexcept { return next_; }

 private:
  static constexpr std::uint64_t make(std::uint64_t idx, bool occ, bool is_safe) noexcept {
    return (idx << 2) | (static_cast<std::uint64_t>(occ) << 1) | static_cast<std::uint64_t>(is_safe);
  }
  static constexpr std::uint64_t index(std::uint64_t w) noexcept { return w >> 2; }
  static constexpr bool occupied(std::uint64_t w) noexcept { return (w & 2) != 0; }
  static constexpr bool safe(std::uint64_t w) noexcept { return (w & 1) != 0; }

  // The paper's fixState: dequeuers ran ahead; Tail up to Head.
  void fix_state() {
    for (;;) {
      const std::uint64_t h = head_.load(std::memory_order_seq_cst);
      std::uint64_t t = tail_.load(std::memory_order_seq_cst);
      if ((t & kClosed) != 0 || h <= t) return;
      if (tail_.compare_exchange_strong(t, h, std::memory_order_seq_cst, std::memory_order_seq_cst)) return;
    }
  }

  alignas(128) std::atomic<std::uint64_t> head_;
  alignas(128) std::atomic<std::uint64_t> tail_;
  alignas(128) std::atomic<Ring*> next_{nullptr};
  alignas(128) Cell cells_[R];
};

}  // namespace lcrq_detail

template <class T, std::size_t RingSize = 1024, bool MarkEmptyCells = true,
          class Reclaim = ring_list::HazardReclaim>
class Lcrq {
  using Ring = lcrq_detail::Ring<T, RingSize, MarkEmptyCells>;
  static constexpr bool kInline = lcrq_detail::kInline<T>;

 public:
  using value_type = T;
  static constexpr std::string_view name = "lcrq";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool queue_frontier = true;      // also mpmc_oversub (benches/channels.cpp)
  static constexpr bool sweep_only = true;          // registered only with sweeps on (the default run's budget)
  static constexpr std::size_t kRingSize = RingSize;
  static constexpr Semantics semantics{
      .bounded = false,
      .blocking = false,
      .order = Order::global_fifo,
      .multi_producer = true,
      .multi_consumer = true,
      .close = false,
      .allocation = kInline ? "per ring of 1024 messages (hazard-pointer reclaimed)"
                            : "per message (new T: cells hold 8 bytes) + per ring of 1024 (hazard-pointer reclaimed)"};

  // "" when this machine can run the queue, else why not (see the top).
  static std::string_view unavailable() noexcept { return synclab::cas2_missing(); }

  // Checks the double-width CAS before the list allocates its first ring.
  explicit Lcrq(std::size_t /*unbounded*/) : list_((require_cas2(), List())) {}
  Lcrq(const Lcrq&) = delete;
  Lcrq& operator=(const Lcrq&) = delete;

  // Moves from v on success (always, an unbounded queue).
  bool try_send(T& v) {
    std::uint64_t x = encode(v);
    list_.send(x, this);
    return true;
  }
  bool try_send(T&& v) { return try_send(v); }

  bool try_recv(T& out) {
    std::uint64_t x = 0;
    const bool got = list_.recv(x);
    if (got) decode(x, out);
    return got;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  using List = ring_list::RingList<Ring, Reclaim>;

  static void require_cas2() {
    if (!unavailable().empty()) detail::misuse(name, "constructed on a machine without double-width CAS");
  }

  // The message as a cell's value: its bits, or a heap copy's address.
  static std::uint64_t encode(T& v) {
    if constexpr (kInline) {
      std::uint64_t x = 0;
      std::memcpy(&x, &v, sizeof(T));
      return x;
    } else {
      return reinterpret_cast<std::uint64_t>(new T(std::move(v)));
    }
  }
  static void decode(std::uint64_t x, T& out) {
    if constexpr (kInline) {
      std::memcpy(static_cast<void*>(&out), &x, sizeof(T));  // T is trivially copyable (kInline)
    } else {
      T* p = reinterpret_cast<T*>(x);
      out = std::move(*p);
      delete p;
    }
  }

  List list_;
};

static_assert(Channel<Lcrq<long>>);

}  // namespace synclab::channels

#endif  // SYNCLAB_HAVE_CAS2
