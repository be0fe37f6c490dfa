// moodycamel_queue.hpp — moodycamel::ConcurrentQueue (libconcurrentqueue-dev)
// as a synclab Channel, name `moodycamel`.
//
// Used as its users usually do: no producer or consumer tokens, so each
// sending thread gets an implicit sub-queue found through a thread-local
// hash, and a receive scans the sub-queues. try_send is enqueue(), which
// allocates a new block of 32 slots when the producer's current one is full
// (blocks are recycled through a free list), so the queue is unbounded and
// the requested capacity is only the initial preallocation.
// Semantics, from the library's README ("Reasons not to use"): not
// linearizable — FIFO only per producer, producers' messages interleave
// freely; no blocking; no close.
#pragma once

#if SYNCLAB_HAVE_MOODYCAMEL

#include <concurrentqueue/concurrentqueue.h>

#include <cstddef>
#include <string_view>

#include "synclab/channels/concepts.hpp"

namespace synclab::peers {

template <class T>
class MoodycamelQueue {
 public:
  using value_type = T;
  static constexpr std::string_view name = "moodycamel";
  static constexpr channels::Semantics semantics{.bounded = false,
                                                 .blocking = false,
                                                 .order = channels::Order::per_producer_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "per block of 32 (recycled through a free list)"};

  explicit MoodycamelQueue(std::size_t capacity) : queue_(capacity) {}

  bool try_send(T& v) { return queue_.enqueue(v); }
  bool try_recv(T& out) { return queue_.try_dequeue(out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  moodycamel::ConcurrentQueue<T> queue_;
};

static_assert(channels::Channel<MoodycamelQueue<long>>);

}  // namespace synclab::peers

#endif
