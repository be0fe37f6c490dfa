// boost_spsc_queue.hpp — boost::lockfree::spsc_queue (libboost-dev) as a
// synclab Channel, name `boost_spsc`.
//
// A wait-free single-producer single-consumer ring with its capacity given at
// run time (the ring has one slot more, to tell full from empty). Bounded,
// global FIFO, no blocking, no close, no allocation after construction.
// Correct only with at most one sending and one receiving thread at a time:
// the benchmarks and tests use it only in such shapes.
#pragma once

#if SYNCLAB_HAVE_BOOST_LOCKFREE

#include <boost/lockfree/spsc_queue.hpp>

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "synclab/channels/concepts.hpp"

namespace synclab::peers {

template <class T>
class BoostSpscQueue {
 public:
  using value_type = T;
  static constexpr std::string_view name = "boost_spsc";
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = false,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = false,
                                                 .multi_consumer = false,
                                                 .close = false,
                                                 .allocation = "none (ring allocated at construction)"};

  explicit BoostSpscQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)), queue_(capacity_) {}

  bool try_send(T& v) { return queue_.push(v); }
  bool try_recv(T& out) { return queue_.pop(out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::size_t capacity_;
  boost::lockfree::spsc_queue<T> queue_;
};

static_assert(channels::Channel<BoostSpscQueue<long>>);

}  // namespace synclab::peers

#endif
