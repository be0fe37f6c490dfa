// scq.hpp — SCQ, Nikolaev's Scalable Circular Queue: a bounded lock-free
// MPMC FIFO queue built from two rings of indices, with fetch_add on the
// hot counters and a single-width CAS on ring entries.
//
// Source: Ruslan Nikolaev, "A Scalable, Portable, and Memory-Efficient
//   Lock-Free FIFO Queue", DISC 2019, LIPIcs 146, 28:1-28:16 (doi
//   10.4230/LIPIcs.DISC.2019.28; full version arXiv 1908.04511). Followed:
//   the data queue built from two index queues (the paper's Figure 2: `aq`
//   holds the indices of full slots, `fq` those of free slots), and SCQ's
//   ring operations with the IsSafe bit, catchup and the livelock threshold
//   of 3n − 1 (its Figure 8). Written from the paper's pseudocode; no code of
//   the authors' (lfqueue) or xenium's (nikolaev_scq) was used.
// Algorithm: n = capacity(), a power of two; each ring has R = 2n entries and
//   two free-running 64-bit counters, Head and Tail (both start at R, so the
//   first lap is cycle 1 and the entries' initial cycle 0 is older). Position
//   p lives in entry remap(p mod R) in cycle p / R. An entry is one 64-bit
//   word: Index (log2 R bits; ⊥ = R − 1 means "no index"), IsSafe (1 bit),
//   Cycle (the rest).
//   ring enqueue(i): T = FAA(Tail); E = entry. If Cycle(E) < Cycle(T),
//     Index(E) = ⊥ and (IsSafe(E) or Head ≤ T): CAS the entry to
//     {Cycle(T), safe, i}, then raise Threshold to 3n − 1 if it is not;
//     otherwise take the next position. A ring never holds more than n of
//     its 2n entries, so an enqueue always finds a place.
//   ring dequeue(): if Threshold < 0 the ring is empty. H = FAA(Head); E =
//     entry. Cycle(E) = Cycle(H): OR ⊥ into the entry (consumed) and return
//     Index(E). Cycle(E) < Cycle(H): CAS the entry to {Cycle(H), IsSafe(E),
//     ⊥} when it holds no index — an enqueuer that took position H and
//     comes late must not use it — or clear IsSafe when it holds an older
//     cycle's index, whose dequeuer has not come yet. Then if Tail ≤ H + 1
//     the ring is empty: move Tail up to H + 1 (catchup), decrement
//     Threshold, return empty; else decrement Threshold and retry unless it
//     was ≤ 0.
//   try_send(v): i = fq.dequeue() (none: full, false); construct v in slot i;
//     aq.enqueue(i). try_recv(out): i = aq.dequeue() (none: empty, false);
//     move slot i out; fq.enqueue(i).
// Capacity: the request rounded up to a power of two (at least 1).
// Guarantees: any number of producers and consumers; linearizable FIFO
//   (global_fifo; the paper's linearizability argument). Lock-free: a
//   dequeuer that keeps missing cells is bounded by Threshold (3n − 1 failed
//   positions after the last enqueue), an enqueuer fails only when another
//   operation moved the entry, and every failure is another thread's
//   progress. A thread preempted anywhere stalls nobody: a dequeuer that
//   passes an unfinished enqueuer's cell marks it so the enqueuer moves on,
//   which is why try_recv never reports "empty" while a message is
//   complete in the queue ahead, unlike mpmc_bounded. No close.
// Memory bound: fixed at construction, never grows: 2 rings × 2n entries ×
//   8 bytes + n message slots + three counters per ring (each in its own
//   128-byte block). Nothing is allocated per message, nothing is reclaimed:
//   slots are recycled through fq.
// Memory ordering: every ring operation (FAA on Head/Tail, loads and CAS/OR
//   on entries, Threshold) is seq_cst. The paper proves SCQ under sequential
//   consistency, and its safety checks are store→load patterns on different
//   words — an enqueuer's FAA on Tail then its load of Head (IsSafe or
//   Head ≤ T), a dequeuer's FAA on Head then its load of Tail (catchup and
//   the empty verdict), the Threshold store after an entry CAS against the
//   dequeuer's Threshold load before its FAA — which only a total order
//   keeps. On x86-64 every RMW is already a full barrier, so seq_cst costs
//   only the Threshold store (an xchg, made only when the value changes);
//   on AArch64 the loads become LDAR. The message itself is plain memory:
//   the producer constructs it before aq's entry CAS (a release), the
//   consumer's load of that entry (an acquire; later RMWs on the entry
//   continue the release sequence) happens before it moves the message
//   out, and the consumer's fq enqueue (release) hands the emptied slot to
//   the producer whose fq dequeue loads it (acquire).
// Layout: per ring, [Head], [Tail], [Threshold] each in a 128-byte block,
//   then the entries (a 64-byte aligned array): remap() spreads consecutive
//   positions over different cache lines (8 entries per line, the paper's
//   Cache_Remap) once the ring has 16 entries or more. Message slots are an
//   array of n, unpadded.
// Stall point (test builds): StallPoint::after_claim in the ring enqueue,
//   between the FAA on Tail and the entry, on the ring's address.
// Template parameter MarkPassedEntries: the shipped queue is true; false is
//   the broken twin of tests/support/include/synclab/testing/channel_broken.hpp
//   (a dequeuer that passes an empty entry leaves its cycle, so a late
//   enqueuer fills a position nobody will read: the message is lost).
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::channels {

namespace scq_detail {

// One ring of indices in [0, n), n = capacity (R = 2n entries).
template <bool MarkPassedEntries>
class IndexRing {
 public:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

  explicit IndexRing(std::size_t n)
      : n_(n),
        order_(static_cast<unsigned>(std::countr_zero(2 * n))),
        bottom_(2 * n - 1),
        threshold_max_(3 * static_cast<std::int64_t>(n) - 1),
        entries_(std::make_unique<Entries[]>(2 * n / kPerLine + 1)) {
    head_.value.store(2 * n, std::memory_order_relaxed);
    tail_.value.store(2 * n, std::memory_order_relaxed);
    threshold_.value.store(-1, std::memory_order_relaxed);
    for (std::size_t j = 0; j < 2 * n; ++j) entry(j).store(make(0, true, bottom_), std::memory_order_relaxed);
  }

  void enqueue(std::uint64_t index) {
    for (;;) {
      const std::uint64_t t = tail_.value.fetch_add(1, std::memory_order_seq_cst);
      stall_point(StallPoint::after_claim, this);
      std::atomic<std::uint64_t>& e = entry(remap(t));
      std::uint64_t old = e.load(std::memory_order_seq_cst);
      while (cycle(old) < cycle_of(t) && index_of(old) == bottom_ &&
             (safe(old) || head_.value.load(std::memory_order_seq_cst) <= t)) {
        if (e.compare_exchange_weak(old, make(cycle_of(t), true, index), std::memory_order_seq_cst,
                                    std::memory_order_seq_cst)) {
          if (threshold_.value.load(std::memory_order_seq_cst) != threshold_max_)
            threshold_.value.store(threshold_max_, std::memory_order_seq_cst);
          return;
        }
      }
    }
  }

  // An index, or kEmpty.
  std::uint64_t dequeue() {
    if (threshold_.value.load(std::memory_order_seq_cst) < 0) return kEmpty;
    for (;;) {
      const std::uint64_t h = head_.value.fetch_add(1, std::memory_order_seq_cst);
      std::atomic<std::uint64_t>& e = entry(remap(h));
      std::uint64_t old = e.load(std::memory_order_seq_cst);
      for (;;) {
        if (cycle(old) == cycle_of(h)) {
          e.fetch_or(bottom_, std::memory_order_seq_cst);  // consumed
          return index_of(old);
        }
        if (cycle(old) >= cycle_of(h)) break;  // a later cycle's entry: this position is lost to us
        std::uint64_t next;
        if (index_of(old) == bottom_) {
          if constexpr (!MarkPassedEntries) break;  // the broken twin leaves the cycle behind
          next = make(cycle_of(h), safe(old), bottom_);
        } else {
          next = make(cycle(old), false, index_of(old));
        }
        if (e.compare_exchange_weak(old, next, std::memory_order_seq_cst, std::memory_order_seq_cst)) break;
      }
      const std::uint64_t t = tail_.value.load(std::memory_order_seq_cst);
      if (t <= h + 1) {
        catchup(t, h + 1);
        threshold_.value.fetch_sub(1, std::memory_order_seq_cst);
        return kEmpty;
      }
      if (threshold_.value.fetch_sub(1, std::memory_order_seq_cst) <= 0) return kEmpty;
    }
  }

 private:
  static constexpr std::size_t kPerLine = 8;  // 8-byte entries in a 64-byte line
  struct alignas(64) Entries {
    std::atomic<std::uint64_t> word[kPerLine];
  };
  template <class V>
  struct alignas(128) Padded {
    std::atomic<V> value{};
  };

  // Tail moves up to h when dequeuers overtook it (the paper's catchup).
  void catchup(std::uint64_t t, std::uint64_t h) {
    while (!tail_.value.compare_exchange_weak(t, h, std::memory_order_seq_cst, std::memory_order_seq_cst)) {
      h = head_.value.load(std::memory_order_seq_cst);
      t = tail_.value.load(std::memory_order_seq_cst);
      if (t >= h) break;
    }
  }

  std::size_t remap(std::uint64_t p) const noexcept {
    const std::size_t j = static_cast<std::size_t>(p) & (2 * n_ - 1);
    if (order_ < 4) return j;
    return ((j & (kPerLine - 1)) << (order_ - 3)) | (j >> 3);
  }
  std::atomic<std::uint64_t>& entry(std::size_t j) const noexcept { return entries_[j / kPerLine].word[j % kPerLine]; }

  // Entry word: [cycle | safe | index], index in order_ bits.
  std::uint64_t make(std::uint64_t cyc, bool is_safe, std::uint64_t index) const noexcept {
    return (cyc << (order_ + 1)) | (static_cast<std::uint64_t>(is_safe) << order_) | index;
  }
  std::uint64_t cycle(std::uint64_t e) const noexcept { return e >> (order_ + 1); }
  // A position's cycle as an entry stores it (its top bit dropped: counters
  // would need 2^63 operations to reach it).
  std::uint64_t cycle_of(std::uint64_t p) const noexcept { return (p >> order_) & (~std::uint64_t{0} >> (order_ + 1)); }
  bool safe(std::uint64_t e) const noexcept { return ((e >> order_) & 1) != 0; }
  std::uint64_t index_of(std::uint64_t e) const noexcept { return e & bottom_; }

  Padded<std::uint64_t> head_;
  Padded<std::uint64_t> tail_;
  Padded<std::int64_t> threshold_;
  std::size_t n_;
  unsigned order_;  // log2(2n)
  std::uint64_t bottom_;
  std::int64_t threshold_max_;
  std::unique_ptr<Entries[]> entries_;
};

}  // namespace scq_detail

template <class T, bool MarkPassedEntries = true>
class Scq {
 public:
  using value_type = T;
  static constexpr std::string_view name = "scq";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool queue_frontier = true;      // also mpmc_oversub (benches/channels.cpp)
  static constexpr Semantics semantics{.bounded = true,
                                       .blocking = false,
                                       .order = Order::global_fifo,
                                       .multi_producer = true,
                                       .multi_consumer = true,
                                       .close = false,
                                       .allocation = "none (two index rings and the slots at construction)"};

  explicit Scq(std::size_t capacity)
      : n_(detail::ring_capacity(capacity)), aq_(n_), fq_(n_), slots_(std::make_unique<detail::Storage<T>[]>(n_)) {
    for (std::size_t i = 0; i < n_; ++i) fq_.enqueue(i);
  }
  Scq(const Scq&) = delete;
  Scq& operator=(const Scq&) = delete;
  ~Scq() {
    for (std::uint64_t i = aq_.dequeue(); i != Ring::kEmpty; i = aq_.dequeue()) slots_[i].destroy();
  }

  // Moves from v only on success.
  bool try_send(T& v) {
    const std::uint64_t i = fq_.dequeue();
    if (i == Ring::kEmpty) return false;
    slots_[i].construct(std::move(v));
    aq_.enqueue(i);
    return true;
  }
  bool try_send(T&& v) { return try_send(v); }

  bool try_recv(T& out) {
    const std::uint64_t i = aq_.dequeue();
    if (i == Ring::kEmpty) return false;
    slots_[i].move_to(out);
    fq_.enqueue(i);
    return true;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return n_; }

  // The ring of full slots' indices (tests hold its enqueuers at the stall point).
  [[nodiscard]] const void* full_ring() const noexcept { return &aq_; }

 private:
  using Ring = scq_detail::IndexRing<MarkPassedEntries>;
  std::size_t n_;
  Ring aq_;
  Ring fq_;
  std::unique_ptr<detail::Storage<T>[]> slots_;
};

static_assert(Channel<Scq<long>>);

}  // namespace synclab::channels
