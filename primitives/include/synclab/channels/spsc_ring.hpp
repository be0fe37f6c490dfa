// spsc_ring.hpp — bounded single-producer single-consumer ring buffer, each
// side caching the other's index, the two sides on separate padded blocks.
//
// Algorithm: Lamport's ring with free-running indices and cached copies.
//   tail  the producer's count of messages sent (written by the producer only)
//   head  the consumer's count of messages received (written by the consumer)
//   Slot of message i: slots[i & mask]. In flight: tail - head, 0..capacity.
//   try_send: if tail - cached_head == capacity, refresh cached_head from
//     head; still full -> false. Else construct the message in its slot and
//     publish tail + 1.
//   try_recv: if head == cached_tail, refresh cached_tail from tail; still
//     equal -> false. Else move the message out, destroy it in the slot and
//     publish head + 1.
//   The cached copies mean each side reads the other's line only when the
//   ring looks full (producer) or empty (consumer), not on every message.
// Source: Lamport, "Specifying Concurrent Program Modules" (1983) for the
//   ring; the cached indices as in rigtorp/SPSCQueue and folly's
//   ProducerConsumerQueue (anchors-queues-ci.md, part A). Written from the
//   algorithm.
// Capacity: the requested capacity rounded up to a power of two (at least 1)
//   so that a slot is found with a mask; capacity() reports the real one.
//   Free-running indices use every slot (no "one slot left empty"), so
//   capacity 1 really holds one message.
// Guarantees: exactly one producer thread and one consumer thread at a time
//   (not checked); FIFO; wait-free try_send and try_recv (a bounded number
//   of steps); bounded memory, allocated once at construction; no close (the
//   blocking wrapper, blocking.hpp, adds one). A preempted producer or
//   consumer delays only the other side's view of its progress.
// Memory ordering:
//   tail.store / head.store   release: the producer's store publishes the
//     message it constructed; the consumer's store publishes that it has
//     moved the message out and destroyed it, so the slot may be reused.
//   refresh of cached_head (producer reads head) / cached_tail (consumer reads
//     tail)   acquire, pairing with those stores: the slot's previous message
//     is gone before the producer constructs over it; the message is
//     complete before the consumer reads it.
//   each side's own index   relaxed: only its owner writes it.
// Layout (IndexPadding bytes per block, 0 = no padding, for the padding
//   experiment; the catalogue uses 128, padding/padded.hpp says why):
//   [slots pointer, mask] read-only after construction, read by both sides
//   [tail, cached_head]   written by the producer only
//   [head, cached_tail]   written by the consumer only
//   Each side's cached copy sits with the index it writes: the line is
//   written by one core only. The slots are a separate allocation aligned to
//   and sized in whole blocks of max(64, IndexPadding) bytes, so they never
//   share a line with the indices; neighbouring slots are not padded from
//   each other (producer and consumer are capacity - 1 slots apart except
//   when the ring is nearly empty or full).
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <new>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::channels {

template <class T, std::size_t IndexPadding = 128>
class SpscRing {
 public:
  using value_type = T;
  static constexpr std::string_view name = "spsc_ring";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr std::size_t index_padding = IndexPadding;
  static constexpr Semantics semantics{.bounded = true,
                                       .blocking = false,
                                       .order = Order::global_fifo,
                                       .multi_producer = false,
                                       .multi_consumer = false,
                                       .close = false,
                                       .allocation = "none (one array at construction)"};

  explicit SpscRing(std::size_t capacity) : ring_(std::in_place, detail::ring_capacity(capacity)) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;
  ~SpscRing() {
    const std::size_t tail = producer_->tail.load(std::memory_order_relaxed);
    for (std::size_t i = consumer_->head.load(std::memory_order_relaxed); i != tail; ++i) ring_->slot(i).destroy();
  }

  // Moves from v only on success.
  bool try_send(T& v) {
    ProducerSide& p = *producer_;
    const std::size_t tail = p.tail.load(std::memory_order_relaxed);
    if (tail - p.cached_head == ring_->capacity) {
      p.cached_head = consumer_->head.load(std::memory_order_acquire);
      if (tail - p.cached_head == ring_->capacity) return false;
    }
    ring_->slot(tail).construct(std::move(v));
    p.tail.store(tail + 1, std::memory_order_release);
    return true;
  }
  bool try_send(T&& v) { return try_send(v); }

  bool try_recv(T& out) {
    ConsumerSide& c = *consumer_;
    const std::size_t head = c.head.load(std::memory_order_relaxed);
    if (head == c.cached_tail) {
      c.cached_tail = producer_->tail.load(std::memory_order_acquire);
      if (head == c.cached_tail) return false;
    }
    ring_->slot(head).move_to(out);
    c.head.store(head + 1, std::memory_order_release);
    return true;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return ring_->capacity; }

 private:
  using Slot = detail::Storage<T>;
  static constexpr std::size_t kSlotAlignment = std::max<std::size_t>({64, IndexPadding, alignof(Slot)});

  struct Ring {
    explicit Ring(std::size_t cap)
        : capacity(cap),
          mask(cap - 1),
          slots(static_cast<Slot*>(::operator new(bytes(cap), std::align_val_t{kSlotAlignment}))) {}
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;
    ~Ring() { ::operator delete(slots, bytes(capacity), std::align_val_t{kSlotAlignment}); }

    static std::size_t bytes(std::size_t cap) noexcept {
      return (cap * sizeof(Slot) + kSlotAlignment - 1) / kSlotAlignment * kSlotAlignment;
    }
    Slot& slot(std::size_t index) const noexcept { return slots[index & mask]; }

    std::size_t capacity;
    std::size_t mask;
    Slot* slots;
  };
  struct ProducerSide {
    std::atomic<std::size_t> tail{0};
    std::size_t cached_head = 0;
  };
  struct ConsumerSide {
    std::atomic<std::size_t> head{0};
    std::size_t cached_tail = 0;
  };

  padding::Padded<Ring, IndexPadding> ring_;
  padding::Padded<ProducerSide, IndexPadding> producer_;
  padding::Padded<ConsumerSide, IndexPadding> consumer_;
};

static_assert(Channel<SpscRing<long>>);
static_assert(sizeof(SpscRing<long>) == 3 * 128);

}  // namespace synclab::channels
