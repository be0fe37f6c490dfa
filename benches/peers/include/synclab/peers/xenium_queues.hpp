// xenium_queues.hpp — Manuel Pöter's xenium (libxenium-dev, MIT) queues as
// synclab Channels: `xenium_ramalhete` (ramalhete_queue: Ramalhete's
// FAA-array queue, linked arrays of 512 slots claimed with fetch_add),
// `xenium_michael_scott` (michael_scott_queue: Michael & Scott's linked
// queue, one node per message), `xenium_vyukov_bounded` (vyukov_bounded_queue:
// Vyukov's bounded ring of sequenced cells) and `xenium_kfifo`
// (kirsch_kfifo_queue: Kirsch, Lippautz & Payer's k-FIFO queue, linked
// segments of k slots, any free slot of the head segment taken).
//
// Reclaimer: xenium::reclamation::epoch_based<> (plain epoch-based
// reclamation, a scan every 100 retirements, over all threads) for the three
// linked queues. Why that one: a queue operation enters one region and
// dereferences at most two nodes, and EBR protects the whole region with one
// thread-local epoch announcement, where hazard pointers pay a store-load
// fence per protected pointer (Ramalhete & Correia measured their FAA-array
// queue with hazard pointers, so this peer runs with a cheaper scheme than
// the paper's). Its cost: a thread preempted inside a region holds
// back every retired node until it runs again (no bound on garbage while a
// thread stalls), which the oversubscribed case provokes.
// Messages: ramalhete_queue and kirsch_kfifo_queue hold pointers (or
// trivially copyable values smaller than a pointer: the 8-byte message is
// not), so the adapter sends a T allocated with new, which the receiver
// deletes: one allocation per message on top of the queue's own nodes. Raw
// pointers, not std::unique_ptr: with unique_ptr, xenium 0.0.2's
// ramalhete_queue node destructor deletes the values of the index range
// [pop_idx, push_idx) modulo the node size, which after more overshooting
// enqueue than dequeue fetch_adds on a drained node covers values already
// popped (popped entries are not cleared): a double free, seen in
// channel_peers_test. With T* the queue deletes nothing, and the adapter's
// destructor drains what is left. michael_scott_queue holds T in its node;
// vyukov_bounded_queue holds T in its cell.
// Capacities: vyukov_bounded_queue needs a power of two ≥ 2 (the request is
// rounded up); the others are unbounded and ignore it. kirsch_kfifo_queue's k
// is kKfifoK (8 slots a segment).
// Order: ramalhete and michael_scott are linearizable FIFO queues
// (global_fifo); vyukov_bounded keeps per_producer_fifo (as our mpmc_bounded,
// a consumer may finish after a later one); the k-FIFO queue may reorder
// messages within k of each other, even one producer's: order none.
// Progress: michael_scott, ramalhete and kfifo are lock-free; vyukov_bounded
// is blocking in the progress sense (a preempted producer's claimed cell
// stalls consumers at that cell, try_pop says "empty").
#pragma once

#if SYNCLAB_HAVE_XENIUM

#include <xenium/kirsch_kfifo_queue.hpp>
#include <xenium/michael_scott_queue.hpp>
#include <xenium/policy.hpp>
#include <xenium/ramalhete_queue.hpp>
#include <xenium/reclamation/generic_epoch_based.hpp>
#include <xenium/vyukov_bounded_queue.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <string_view>

#include "synclab/channels/concepts.hpp"

namespace synclab::peers {

namespace xenium_detail {
using Reclaimer = xenium::reclamation::epoch_based<>;
inline constexpr std::uint64_t kKfifoK = 8;

// The pointer queues carry a T allocated by the sender and deleted by the
// receiver (or by the adapter's destructor for what is left).
template <class Q, class T>
bool pop_owned(Q& q, T& out) {
  T* p = nullptr;
  if (!q.try_pop(p)) return false;
  out = std::move(*p);
  delete p;
  return true;
}
template <class Q>
void drain(Q& q) {
  for (typename Q::value_type p = nullptr; q.try_pop(p);) delete p;
}

// The channel side of a queue of owned T* (ramalhete, kfifo): the adapters
// above it add their name, semantics and the queue's construction.
template <class Q, class T>
class OwnedPointerQueue {
 public:
  using value_type = T;

  template <class... QueueArgs>
  explicit OwnedPointerQueue(QueueArgs&&... args) : queue_(std::forward<QueueArgs>(args)...) {}
  OwnedPointerQueue(const OwnedPointerQueue&) = delete;
  OwnedPointerQueue& operator=(const OwnedPointerQueue&) = delete;
  ~OwnedPointerQueue() { drain(queue_); }

  bool try_send(T& v) {
    queue_.push(new T(v));
    return true;
  }
  bool try_recv(T& out) { return pop_owned(queue_, out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  Q queue_;
};
}  // namespace xenium_detail

template <class T>
class XeniumRamalhete : public xenium_detail::OwnedPointerQueue<
                            xenium::ramalhete_queue<T*, xenium::policy::reclaimer<xenium_detail::Reclaimer>>, T> {
 public:
  static constexpr std::string_view name = "xenium_ramalhete";
  static constexpr bool sweep_only = true;  // registered only with sweeps on (benches/channels.cpp)
  static constexpr channels::Semantics semantics{.bounded = false,
                                                 .blocking = false,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "per message (new T) + per node of 512 slots"};

  explicit XeniumRamalhete(std::size_t /*unbounded*/) {}
};

template <class T>
class XeniumMichaelScott {
 public:
  using value_type = T;
  static constexpr std::string_view name = "xenium_michael_scott";
  static constexpr bool sweep_only = true;  // registered only with sweeps on (benches/channels.cpp)
  static constexpr channels::Semantics semantics{.bounded = false,
                                                 .blocking = false,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "per message (a node)"};

  explicit XeniumMichaelScott(std::size_t /*unbounded*/) {}

  bool try_send(T& v) {
    queue_.push(v);
    return true;
  }
  bool try_recv(T& out) { return queue_.try_pop(out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  xenium::michael_scott_queue<T, xenium::policy::reclaimer<xenium_detail::Reclaimer>> queue_;
};

template <class T>
class XeniumVyukovBounded {
 public:
  using value_type = T;
  static constexpr std::string_view name = "xenium_vyukov_bounded";
  static constexpr bool sweep_only = true;  // registered only with sweeps on (benches/channels.cpp)
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = false,
                                                 .order = channels::Order::per_producer_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "none (cells allocated at construction)"};

  explicit XeniumVyukovBounded(std::size_t capacity) : capacity_(size_for(capacity)), queue_(capacity_) {}

  bool try_send(T& v) { return queue_.try_push(v); }
  bool try_recv(T& out) { return queue_.try_pop(out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  static std::size_t size_for(std::size_t requested) noexcept {
    return std::bit_ceil(std::max<std::size_t>(requested, 2));
  }
  std::size_t capacity_;
  xenium::vyukov_bounded_queue<T> queue_;
};

template <class T>
class XeniumKfifo : public xenium_detail::OwnedPointerQueue<
                        xenium::kirsch_kfifo_queue<T*, xenium::policy::reclaimer<xenium_detail::Reclaimer>>, T> {
 public:
  static constexpr std::string_view name = "xenium_kfifo";
  static constexpr bool sweep_only = true;  // registered only with sweeps on (benches/channels.cpp)
  static constexpr channels::Semantics semantics{.bounded = false,
                                                 .blocking = false,
                                                 .order = channels::Order::none,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "per message (new T) + per segment of 8 slots"};

  explicit XeniumKfifo(std::size_t /*unbounded*/) : XeniumKfifo::OwnedPointerQueue(xenium_detail::kKfifoK) {}
};

static_assert(channels::Channel<XeniumRamalhete<long>>);
static_assert(channels::Channel<XeniumMichaelScott<long>>);
static_assert(channels::Channel<XeniumVyukovBounded<long>>);
static_assert(channels::Channel<XeniumKfifo<long>>);

}  // namespace synclab::peers

#endif
