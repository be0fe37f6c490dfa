// ck_ring.hpp — Concurrency Kit's ck_ring (libck-dev) as synclab Channels:
// `ck_ring_spsc` (one producer, one consumer) and `ck_ring_mpmc`.
//
// The ring lives in benches/peers/src/ck_ring.c (CK's headers are C); see
// synclab/peers/ck/ck_ring.h for what it copies: each message is copied whole
// into a preallocated slot and out again (entries of 8, 64 or 256 bytes, the
// family's payload sizes; T must be trivially copyable and one of those
// sizes), and the capacity is a power of two minus one, at least the one
// asked for. Both are bounded, global FIFO, non-blocking, without close. The
// MPMC producers commit in ticket order: a producer preempted after
// reserving its slot holds back every later one (as mpsc_unbounded's do).
// Left out of ThreadSanitizer builds (CK's atomics are inline assembly).
#pragma once

#if SYNCLAB_HAVE_CK

#include <cstddef>
#include <new>
#include <string_view>
#include <type_traits>

#include "synclab/channels/concepts.hpp"
#include "synclab/peers/ck/ck_ring.h"

namespace synclab::peers {

namespace ck_ring_detail {

template <class T>
inline constexpr bool kFits =
    std::is_trivially_copyable_v<T> && (sizeof(T) == 8 || sizeof(T) == 64 || sizeof(T) == 256);

enum class Discipline { spsc, mpmc };

template <class T, Discipline D>
class Ring {
  static_assert(kFits<T>, "ck_ring adapters copy trivially copyable entries of 8, 64 or 256 bytes");

 public:
  using value_type = T;

  explicit Ring(std::size_t capacity)
      : ring_(synclab_ck_ring_create(static_cast<unsigned>(capacity), static_cast<unsigned>(sizeof(T)))) {
    if (ring_ == nullptr) throw std::bad_alloc();
  }
  ~Ring() { synclab_ck_ring_destroy(ring_); }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  bool try_send(T& v) { return enqueue(&v); }
  bool try_recv(T& out) { return dequeue(&out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return synclab_ck_ring_capacity(ring_); }

 private:
  bool enqueue(const void* entry) {
    constexpr bool spsc = D == Discipline::spsc;
    if constexpr (sizeof(T) == 8) return spsc ? synclab_ck_ring_spsc_enqueue_8(ring_, entry) : synclab_ck_ring_mpmc_enqueue_8(ring_, entry);
    else if constexpr (sizeof(T) == 64) return spsc ? synclab_ck_ring_spsc_enqueue_64(ring_, entry) : synclab_ck_ring_mpmc_enqueue_64(ring_, entry);
    else return spsc ? synclab_ck_ring_spsc_enqueue_256(ring_, entry) : synclab_ck_ring_mpmc_enqueue_256(ring_, entry);
  }
  bool dequeue(void* entry) {
    constexpr bool spsc = D == Discipline::spsc;
    if constexpr (sizeof(T) == 8) return spsc ? synclab_ck_ring_spsc_dequeue_8(ring_, entry) : synclab_ck_ring_mpmc_dequeue_8(ring_, entry);
    else if constexpr (sizeof(T) == 64) return spsc ? synclab_ck_ring_spsc_dequeue_64(ring_, entry) : synclab_ck_ring_mpmc_dequeue_64(ring_, entry);
    else return spsc ? synclab_ck_ring_spsc_dequeue_256(ring_, entry) : synclab_ck_ring_mpmc_dequeue_256(ring_, entry);
  }

  synclab_ck_ring* ring_;
};

}  // namespace ck_ring_detail

template <class T>
class CkRingSpsc : public ck_ring_detail::Ring<T, ck_ring_detail::Discipline::spsc> {
 public:
  static constexpr std::string_view name = "ck_ring_spsc";
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = false,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = false,
                                                 .multi_consumer = false,
                                                 .close = false,
                                                 .allocation = "none (messages copied whole into preallocated slots)"};
  using ck_ring_detail::Ring<T, ck_ring_detail::Discipline::spsc>::Ring;
};

template <class T>
class CkRingMpmc : public ck_ring_detail::Ring<T, ck_ring_detail::Discipline::mpmc> {
 public:
  static constexpr std::string_view name = "ck_ring_mpmc";
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = false,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "none (messages copied whole into preallocated slots)"};
  using ck_ring_detail::Ring<T, ck_ring_detail::Discipline::mpmc>::Ring;
};

static_assert(channels::Channel<CkRingSpsc<long>>);
static_assert(channels::Channel<CkRingMpmc<long>>);

}  // namespace synclab::peers

#endif
