// bbq.hpp — BBQ, the Block-based Bounded Queue: a bounded ring split into
// blocks, each with its own producer and consumer cursors, so that
// producers and consumers working in different blocks never touch the same
// control variable. Two policies of one class: bbq_spsc (one producer, one
// consumer, plain stores on the cursors) and bbq_mpmc (any number of each,
// fetch_add and CAS on the cursors).
//
// Source: Jiawei Wang, Diogo Behrens, Ming Fu, Lilith Oberhauser, Jonas
//   Oberhauser, Jitang Lei, Geng Chen, Hermann Härtig, Haibo Chen, "BBQ: A
//   Block-based Bounded Queue for Exchanging Data and Profiling", USENIX ATC
//   2022, pp. 249-262. Followed: the paper's design section (queue-level
//   heads {version, index}; block-level cursors allocated, committed,
//   reserved, consumed, each {version, offset}) and its pseudocode for
//   enqueue and dequeue with their helper routines (allocate_entry,
//   commit_entry, advance_phead; reserve_entry, consume_entry, advance_chead)
//   and outcomes (allocated / reserved, block_done, no_entry, not_available),
//   in the retry-new mode only, and the single-producer / single-consumer
//   simplification it describes (cursors with one writer are stored, not
//   fetch_add'ed). The routines are named as the paper names them. Written
//   from the paper; no code of the authors' or of other implementations was
//   used.
// Mode: retry-new. A producer that finds the next block not yet wholly
//   consumed fails (full, or busy while a consumer is still copying out of
//   it); the paper's drop-old mode, where producers overwrite unconsumed
//   data, is a profiling buffer, not a queue, and is not implemented.
// Algorithm: B blocks of S entries (B·S = capacity()). A cursor is one
//   64-bit word {version (the high bits), offset (the low kOffsetBits)};
//   a head is {version, block index}. Phead/Chead name the producers' and
//   consumers' current block. The block a head {v, i} names carries version
//   v when i = 0 and v + 1 otherwise (the paper's numbering: advancing from
//   {v, i} gives the next block version v + 1, and the head's version grows
//   when its index wraps); initially every block but block 0 looks wholly
//   consumed at version 0.
//   try_send: the block at Phead; allocate_entry: if allocated.offset < S,
//     fetch_add(allocated) (MPMC; a store in SPSC) gives entry `offset`
//     (≥ S: block_done); write the message; commit_entry: fetch_add(committed).
//     block_done → advance_phead(ph): the next block must be consumed to its
//     end in the version the producers leave (consumed = {v, S}); if not,
//     no_entry (reserved = consumed: nobody is copying out, the queue is full:
//     false) or not_available (a consumer is mid-copy: false too). Otherwise
//     raise the next block's committed, then allocated, to {v + 1, 0} and
//     move Phead on by one (a CAS from ph; another producer may have done it:
//     either way retry).
//   try_recv: the block at Chead; reserve_entry: reserved.offset < S and
//     reserved < committed; in MPMC also allocated = committed (producers
//     commit out of order, so a count of commits names a prefix of written
//     entries only when every allocated entry is committed: else
//     not_available); then a CAS reserved → reserved + 1 (a store in SPSC)
//     gives the entry; move it out; consume_entry: fetch_add(consumed).
//     reserved = committed: no_entry (false). reserved.offset = S:
//     block_done → advance_chead(ch): the next block's committed must carry
//     version v + 1 (the producers entered it this lap); if so, raise its
//     consumed, then reserved, to {v + 1, 0} and move Chead on (CAS from ch)
//     and retry; if not, the queue is empty (false).
//   A head read before another thread moved it is stale: an outcome that
//   would answer "full" or "empty" is retried when the head has moved
//   meanwhile, and every raise and head move is "from the version I saw",
//   so a stale thread changes nothing. Versions are compared for equality
//   only, and wrap modulo 2^VersionBits (template parameter, 44 by default):
//   the ABA limit is a thread stalled for 2^VersionBits laps of the ring
//   between reading a cursor and its CAS.
// Capacity: the request rounded up to a power of two n (at least 1); B =
//   min(n, 8) blocks of S = n / B entries (n = 1024: 8 blocks of 128). The
//   queue never holds more than n messages; a fresh one takes n. Space is
//   freed a block at a time: a producer enters a block only when all S of
//   its entries are consumed, so after a full queue gives up one message,
//   try_send succeeds again only once the whole oldest block (S messages) is
//   received, and an empty queue whose producers stopped k entries into a
//   block takes n − k (at least n − S + 1). block_size() and blocks() report
//   the geometry.
// Guarantees: bbq_spsc: one producer and one consumer (at most one thread
//   on each side at a time), global FIFO, wait-free operations (no loop runs
//   more than B + 1 times). bbq_mpmc: any number of each; positions are
//   taken in one order per block and blocks in ring order, so each producer's
//   messages leave in the order it sent them (per_producer_fifo); no global
//   FIFO is promised, because a consumer that reserved an earlier entry can
//   finish after one that reserved a later one. Not lock-free: a producer
//   preempted between allocate_entry and commit_entry makes its block's
//   later messages not_available (try_recv false) until it runs again, and a
//   consumer preempted mid-copy makes its block not_available to the
//   producers that wrap around to it (try_send false); a failed try_send /
//   try_recv can therefore mean "busy" as well as "full" / "empty" (as in
//   mpmc_bounded). Never sleeps, no close.
// Memory bound: fixed at construction: B block headers (four cursors, 128
//   bytes) + n message slots + two heads; nothing per message.
// Memory ordering:
//   committed: fetch_add / store release by the producer after it wrote the
//     entry; the consumer's acquire load in reserve_entry (and in
//     advance_chead) makes the entries it then reads visible. fetch_adds
//     continue the release sequence, so an acquire load that reads a count
//     of c synchronizes with all c committers.
//   allocated (MPMC): loaded acquire after committed: every committer's
//     fetch_add on allocated happens before its commit, so the load sees at
//     least their allocations, and allocated = committed then proves the
//     first `committed` entries are all written. Its fetch_add is acquire:
//     it reads the raise (a release CAS) that opened the block for this lap,
//     after which the producer writes into entries the last lap's consumers
//     have left (see consumed).
//   consumed: fetch_add / store release after the consumer moved the
//     message out; the producer's acquire load in advance_phead orders every
//     last-lap read of the block's entries before the raises that let
//     producers write into them again.
//   reserved: CAS acq_rel (MPMC) validates the cursor read earlier: if the
//     block moved on (another consumer, another lap), the CAS fails and the
//     consumer retries. The producer reads it (acquire) only to tell full
//     from busy.
//   raises (CAS release, a store in SPSC) and head moves (CAS acq_rel,
//     relaxed loads and stores in SPSC, where each head has one user):
//     a thread that reads a head or a cursor raised for a new lap sees the
//     raises that came before it.
// Layout: each block header puts allocated and committed in one 64-byte
//   line and reserved and consumed in the next, so a producer and a consumer
//   in different blocks share no line; Phead and Chead each in a 128-byte
//   block; the entries one array of n unpadded slots, block after block.
// Stall point (test builds): StallPoint::after_claim between allocate_entry
//   and commit_entry, on the queue's address.
// Template parameter CheckAllocated: the shipped queue is true; false is the
//   broken twin of tests/support/include/synclab/testing/channel_broken.hpp
//   (a consumer that trusts the commit count alone reserves an entry an
//   earlier producer allocated but has not written: it reads a slot that
//   holds no message, and that producer's message is never read).
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::channels {

template <class T, bool Multi, bool CheckAllocated = true, unsigned VersionBits = 44>
class Bbq {
  static_assert(VersionBits >= 2 && VersionBits <= 44);

 public:
  using value_type = T;
  static constexpr std::string_view name = Multi ? "bbq_mpmc" : "bbq_spsc";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr bool queue_frontier = true;      // also mpmc_oversub where MPMC (benches/channels.cpp)
  static constexpr bool sweep_only = true;          // registered only with sweeps on (benches/channels.cpp)
  static constexpr Semantics semantics{.bounded = true,
                                       .blocking = false,
                                       .order = Multi ? Order::per_producer_fifo : Order::global_fifo,
                                       .multi_producer = Multi,
                                       .multi_consumer = Multi,
                                       .close = false,
                                       .allocation = "none (blocks and the slots at construction)"};

  static constexpr std::size_t kDefaultBlocks = 8;
  static constexpr unsigned kOffsetBits = 20;  // a block of at most 2^19 entries; the rest absorbs fetch_add overshoot
  static constexpr std::size_t kMaxBlockSize = std::size_t{1} << (kOffsetBits - 1);

  explicit Bbq(std::size_t capacity) : Bbq(capacity, kDefaultBlocks) {}

  // `blocks` is rounded to a power of two and capped at the capacity (tests
  // use one-entry blocks to turn the ring over many times).
  Bbq(std::size_t capacity, std::size_t blocks)
      : n_(detail::ring_capacity(capacity)),
        b_(std::max(std::min(n_, detail::ring_capacity(blocks)), n_ / kMaxBlockSize)),
        s_(n_ / b_),
        blocks_(std::make_unique<Block[]>(b_)),
        slots_(std::make_unique<detail::Storage<T>[]>(n_)) {
    const std::uint64_t done = cursor(0, s_);
    for (std::size_t i = 1; i < b_; ++i) {
      Block& k = blocks_[i];
      k.allocated.store(done, std::memory_order_relaxed);
      k.committed.store(done, std::memory_order_relaxed);
      k.reserved.store(done, std::memory_order_relaxed);
      k.consumed.store(done, std::memory_order_relaxed);
    }
    phead_.value.store(0, std::memory_order_relaxed);
    chead_.value.store(0, std::memory_order_relaxed);
  }
  Bbq(const Bbq&) = delete;
  Bbq& operator=(const Bbq&) = delete;
  ~Bbq() {
    for (;;) {
      const Taken t = take();
      if (!t.ok) break;
      slots_[t.slot].destroy();
      finish_take(t);
    }
  }

  // Moves from v only on success.
  bool try_send(T& v) {
    for (;;) {
      const std::uint64_t ph = phead_.value.load(Multi ? std::memory_order_acquire : std::memory_order_relaxed);
      Block& k = blocks_[head_index(ph)];
      const std::uint64_t off = allocate_entry(k);
      if (off < s_) {
        stall_point(StallPoint::after_claim, this);
        slots_[static_cast<std::size_t>(head_index(ph)) * s_ + static_cast<std::size_t>(off)].construct(std::move(v));
        commit_entry(k);
        return true;
      }
      switch (advance_phead(ph)) {
        case Advance::success: continue;
        case Advance::no_entry:      // full
        case Advance::not_available:  // a consumer is still copying out of the next block
          if (Multi && phead_.value.load(std::memory_order_acquire) != ph) continue;  // stale head: look again
          return false;
      }
    }
  }
  bool try_send(T&& v) { return try_send(v); }

  bool try_recv(T& out) {
    const Taken t = take();
    if (!t.ok) return false;
    slots_[t.slot].move_to(out);
    finish_take(t);
    return true;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return n_; }
  [[nodiscard]] std::size_t block_size() const noexcept { return s_; }
  [[nodiscard]] std::size_t blocks() const noexcept { return b_; }

 private:
  static constexpr std::uint64_t kOffsetMask = (std::uint64_t{1} << kOffsetBits) - 1;
  static constexpr std::uint64_t kVersionMask = (std::uint64_t{1} << VersionBits) - 1;
  static constexpr unsigned kIndexBits = 20;  // B ≤ n / 1 and n ≤ 2^20 · 2^19: plenty
  static constexpr std::uint64_t kIndexMask = (std::uint64_t{1} << kIndexBits) - 1;

  struct Block {
    alignas(64) std::atomic<std::uint64_t> allocated{0};  // producers' line
    std::atomic<std::uint64_t> committed{0};
    alignas(64) std::atomic<std::uint64_t> reserved{0};  // consumers' line
    std::atomic<std::uint64_t> consumed{0};
  };
  struct alignas(128) PaddedHead {
    std::atomic<std::uint64_t> value{0};
  };
  enum class Advance { success, no_entry, not_available };
  struct Taken {
    bool ok = false;
    std::size_t slot = 0;
    Block* block = nullptr;
  };

  static constexpr std::uint64_t cursor(std::uint64_t version, std::uint64_t offset) noexcept {
    return ((version & kVersionMask) << kOffsetBits) | offset;
  }
  static constexpr std::uint64_t version_of(std::uint64_t c) noexcept { return (c >> kOffsetBits) & kVersionMask; }
  static constexpr std::uint64_t offset_of(std::uint64_t c) noexcept { return c & kOffsetMask; }
  static constexpr std::uint64_t head_index(std::uint64_t h) noexcept { return h & kIndexMask; }
  static constexpr std::uint64_t head_version(std::uint64_t h) noexcept { return h >> kIndexBits; }
  static constexpr std::uint64_t make_head(std::uint64_t version, std::uint64_t index) noexcept {
    return ((version & kVersionMask) << kIndexBits) | index;
  }
  // {v, i} + 1: the next block; the version grows when the index wraps.
  std::uint64_t next_head(std::uint64_t h) const noexcept {
    const std::uint64_t i = head_index(h) + 1;
    return i == b_ ? make_head(head_version(h) + 1, 0) : make_head(head_version(h), i);
  }

  // The entry's offset, or ≥ S when the block is done.
  std::uint64_t allocate_entry(Block& k) {
    const std::uint64_t a = k.allocated.load(std::memory_order_relaxed);
    if (offset_of(a) >= s_) return s_;
    if constexpr (Multi) {
      return offset_of(k.allocated.fetch_add(1, std::memory_order_acquire));
    } else {
      k.allocated.store(a + 1, std::memory_order_relaxed);
      return offset_of(a);
    }
  }

  void commit_entry(Block& k) {
    if constexpr (Multi) {
      k.committed.fetch_add(1, std::memory_order_release);
    } else {
      k.committed.store(k.committed.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
  }

  // Moves `c` from version `from` to `to` unless another thread did (the
  // paper's max on the cursor, for versions that wrap).
  static void raise(std::atomic<std::uint64_t>& c, std::uint64_t from, std::uint64_t to) {
    if constexpr (Multi) {
      std::uint64_t cur = c.load(std::memory_order_relaxed);
      while (version_of(cur) == (from & kVersionMask) &&
             !c.compare_exchange_weak(cur, to, std::memory_order_release, std::memory_order_relaxed)) {
      }
    } else {
      c.store(to, std::memory_order_release);
    }
  }

  Advance advance_phead(std::uint64_t ph) {
    Block& next = blocks_[head_index(next_head(ph))];
    const std::uint64_t v = head_version(ph);
    const std::uint64_t cons = next.consumed.load(std::memory_order_acquire);
    if (cons != cursor(v, s_)) {
      const std::uint64_t res = next.reserved.load(std::memory_order_acquire);
      return res == cons ? Advance::no_entry : Advance::not_available;
    }
    raise(next.committed, v, cursor(v + 1, 0));
    raise(next.allocated, v, cursor(v + 1, 0));
    if constexpr (Multi) {
      std::uint64_t expected = ph;
      phead_.value.compare_exchange_strong(expected, next_head(ph), std::memory_order_acq_rel,
                                           std::memory_order_relaxed);
    } else {
      phead_.value.store(next_head(ph), std::memory_order_relaxed);
    }
    return Advance::success;
  }

  bool advance_chead(std::uint64_t ch) {
    Block& next = blocks_[head_index(next_head(ch))];
    const std::uint64_t v = head_version(ch);
    const std::uint64_t cmt = next.committed.load(std::memory_order_acquire);
    if (version_of(cmt) != ((v + 1) & kVersionMask)) return false;
    raise(next.consumed, v, cursor(v + 1, 0));
    raise(next.reserved, v, cursor(v + 1, 0));
    if constexpr (Multi) {
      std::uint64_t expected = ch;
      chead_.value.compare_exchange_strong(expected, next_head(ch), std::memory_order_acq_rel,
                                           std::memory_order_relaxed);
    } else {
      chead_.value.store(next_head(ch), std::memory_order_relaxed);
    }
    return true;
  }

  // reserve_entry and the dequeue loop: a reserved entry, or nothing.
  Taken take() {
    for (;;) {
      const std::uint64_t ch = chead_.value.load(Multi ? std::memory_order_acquire : std::memory_order_relaxed);
      Block& k = blocks_[head_index(ch)];
      const std::uint64_t r = k.reserved.load(Multi ? std::memory_order_acquire : std::memory_order_relaxed);
      if (offset_of(r) < s_) {
        const std::uint64_t c = k.committed.load(std::memory_order_acquire);
        if (version_of(c) != version_of(r)) {
          if constexpr (Multi) continue;  // the block moved on under a stale read: look again
        }
        if (offset_of(r) == offset_of(c)) return {};  // no_entry: empty
        if constexpr (Multi && CheckAllocated) {
          if (offset_of(c) != s_ && k.allocated.load(std::memory_order_acquire) != c) return {};  // not_available
        }
        if constexpr (Multi) {
          std::uint64_t expected = r;
          if (!k.reserved.compare_exchange_strong(expected, r + 1, std::memory_order_acq_rel,
                                                  std::memory_order_relaxed))
            continue;
        } else {
          k.reserved.store(r + 1, std::memory_order_relaxed);
        }
        return {true, static_cast<std::size_t>(head_index(ch)) * s_ + static_cast<std::size_t>(offset_of(r)), &k};
      }
      // block_done
      if (advance_chead(ch)) continue;
      if (Multi && chead_.value.load(std::memory_order_acquire) != ch) continue;  // stale head: look again
      return {};
    }
  }

  // consume_entry's count, after the message left its slot.
  void finish_take(const Taken& t) {
    if constexpr (Multi) {
      t.block->consumed.fetch_add(1, std::memory_order_release);
    } else {
      t.block->consumed.store(t.block->consumed.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
  }

  std::size_t n_;
  std::size_t b_;
  std::size_t s_;
  std::unique_ptr<Block[]> blocks_;
  std::unique_ptr<detail::Storage<T>[]> slots_;
  PaddedHead phead_;
  PaddedHead chead_;
};

// bbq_spsc: one producer, one consumer.
template <class T>
struct BbqSpsc : Bbq<T, /*Multi=*/false> {
  using Bbq<T, false>::Bbq;
};
// bbq_mpmc: any number of producers and consumers.
template <class T>
struct BbqMpmc : Bbq<T, /*Multi=*/true> {
  using Bbq<T, true>::Bbq;
};

static_assert(Channel<BbqSpsc<long>>);
static_assert(Channel<BbqMpmc<long>>);

}  // namespace synclab::channels
