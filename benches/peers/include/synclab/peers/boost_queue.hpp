// boost_queue.hpp — boost::lockfree::queue (libboost-dev) as a synclab
// Channel, name `boost_queue`.
//
// Michael & Scott's lock-free queue over a free list of nodes with tagged
// indices. Configured fixed_sized<true> with the capacity given at run time:
// every node is allocated up front (capacity + 1, one is the dummy), a push
// that finds the free list empty fails, so the queue is bounded and allocates
// nothing per message. Node indices are 16 bits: at most 65534 messages.
// Global FIFO, any number of producers and consumers, no blocking, no close.
// T must be trivially copyable (Boost requires trivial assignment and
// destructor); the family's payloads are.
#pragma once

#if SYNCLAB_HAVE_BOOST_LOCKFREE

#include <boost/lockfree/queue.hpp>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "synclab/channels/concepts.hpp"

namespace synclab::peers {

template <class T>
class BoostQueue {
  static_assert(std::is_trivially_copyable_v<T>, "boost::lockfree::queue needs a trivially copyable T");

 public:
  using value_type = T;
  static constexpr std::string_view name = "boost_queue";
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = false,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "none (fixed_sized: nodes preallocated)"};
  static constexpr std::size_t kMaxCapacity = 65534;

  explicit BoostQueue(std::size_t capacity)
      : capacity_(std::clamp<std::size_t>(capacity, 1, kMaxCapacity)), queue_(capacity_) {}

  bool try_send(T& v) { return queue_.bounded_push(v); }
  bool try_recv(T& out) { return queue_.pop(out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::size_t capacity_;
  boost::lockfree::queue<T, boost::lockfree::fixed_sized<true>> queue_;
};

static_assert(channels::Channel<BoostQueue<long>>);

}  // namespace synclab::peers

#endif
