// moodycamel_blocking_queue.hpp — moodycamel::BlockingConcurrentQueue
// (libconcurrentqueue-dev) as a synclab Blocking channel, name
// `moodycamel_blocking`.
//
// The queue is ConcurrentQueue (see moodycamel_queue.hpp: unbounded, FIFO per
// producer only, a block allocated per 32 messages) plus a lightweight
// semaphore counting the messages: wait_dequeue spins briefly, then sleeps
// in the semaphore (a POSIX semaphore on Linux, so its futex calls are not
// counted by synclab's wait layer). send never waits: the queue is unbounded.
//
// The library has no close(). The adapter adds one that is honest but not
// free: close() raises a flag, and recv() waits in slices of kCloseCheck
// (wait_dequeue_timed), looking at the flag between slices; so a receiver
// sleeping on an empty queue notices a close within kCloseCheck. While
// messages flow, recv is the library's wait_dequeue_timed and nothing else.
#pragma once

#if SYNCLAB_HAVE_MOODYCAMEL

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string_view>

#include "synclab/channels/concepts.hpp"

namespace synclab::peers {

template <class T>
class MoodycamelBlockingQueue {
 public:
  using value_type = T;
  static constexpr std::string_view name = "moodycamel_blocking";
  static constexpr channels::Semantics semantics{
      .bounded = false,
      .blocking = true,
      .order = channels::Order::per_producer_fifo,
      .multi_producer = true,
      .multi_consumer = true,
      .close = true,
      .allocation = "per block of 32 (recycled through a free list)"};
  static constexpr std::chrono::milliseconds kCloseCheck{1};

  explicit MoodycamelBlockingQueue(std::size_t capacity) : queue_(capacity) {}

  bool try_send(T& v) { return !closed() && queue_.enqueue(v); }
  bool send(T& v) { return try_send(v); }
  bool try_recv(T& out) { return queue_.try_dequeue(out); }

  bool recv(T& out) {
    while (!queue_.wait_dequeue_timed(out, kCloseCheck))
      if (closed()) return queue_.try_dequeue(out);
    return true;
  }

  void close() { closed_.store(true, std::memory_order_release); }
  [[nodiscard]] bool closed() const { return closed_.load(std::memory_order_acquire); }
  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  moodycamel::BlockingConcurrentQueue<T> queue_;
  std::atomic<bool> closed_{false};
};

static_assert(channels::Blocking<MoodycamelBlockingQueue<long>>);

}  // namespace synclab::peers

#endif
