// tbb_concurrent_queue.hpp — oneTBB's tbb::concurrent_queue (libtbb-dev) as a
// synclab Channel, name `tbb_concurrent_queue`.
//
// Unbounded and non-blocking (push, try_pop). Internally the queue is split
// into several micro-queues chosen by ticket to spread contention; oneTBB
// promises FIFO only between one pushing and one popping thread, so order is
// per producer. Messages live in pages allocated as needed and freed once
// drained: 32 messages of 8 bytes per page, 4 of 64 bytes, 1 of 256 bytes
// (so a 256-byte message costs an allocation). No close.
#pragma once

#if SYNCLAB_HAVE_TBB

#include <oneapi/tbb/concurrent_queue.h>

#include <cstddef>
#include <string_view>

#include "synclab/channels/concepts.hpp"

namespace synclab::peers {

template <class T>
class TbbConcurrentQueue {
 public:
  using value_type = T;
  static constexpr std::string_view name = "tbb_concurrent_queue";
  static constexpr channels::Semantics semantics{.bounded = false,
                                                 .blocking = false,
                                                 .order = channels::Order::per_producer_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "per page (32, 4 or 1 messages of 8, 64, 256 bytes)"};

  explicit TbbConcurrentQueue(std::size_t /*capacity: unbounded*/) {}

  bool try_send(T& v) {
    queue_.push(v);
    return true;
  }
  bool try_recv(T& out) { return queue_.try_pop(out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  tbb::concurrent_queue<T> queue_;
};

static_assert(channels::Channel<TbbConcurrentQueue<long>>);

}  // namespace synclab::peers

#endif
