// tbb_bounded_queue.hpp — oneTBB's tbb::concurrent_bounded_queue (libtbb-dev)
// as a synclab Blocking channel, name `tbb_bounded_queue`.
//
// The micro-queue design of tbb::concurrent_queue (FIFO per producer, pages
// allocated as needed) with set_capacity(), a blocking push when full and a
// blocking pop when empty; waiters sleep in oneTBB's concurrent_monitor (its
// own futex calls, not counted by synclab's wait layer).
//
// close(): oneTBB has abort(), which makes the pushes and pops waiting at
// that moment throw tbb::user_abort, but a thread about to wait is not
// affected and would then sleep for ever. So the adapter keeps its own
// count of threads on the waiting path (entered only after try_push /
// try_pop failed: nothing is added while messages flow), and close() raises
// its flag and repeats abort() until no thread is on that path. An aborted
// recv then drains what is left before reporting the end.
#pragma once

#if SYNCLAB_HAVE_TBB

#include <oneapi/tbb/concurrent_queue.h>

#include <atomic>
#include <cstddef>
#include <string_view>
#include <thread>

#include "synclab/channels/concepts.hpp"

namespace synclab::peers {

template <class T>
class TbbBoundedQueue {
 public:
  using value_type = T;
  static constexpr std::string_view name = "tbb_bounded_queue";
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = true,
                                                 .order = channels::Order::per_producer_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = true,
                                                 .allocation = "per page (32, 4 or 1 messages of 8, 64, 256 bytes)"};

  explicit TbbBoundedQueue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
    queue_.set_capacity(static_cast<std::ptrdiff_t>(capacity_));
  }
  ~TbbBoundedQueue() { close(); }

  bool try_send(T& v) { return !closed() && queue_.try_push(v); }
  bool try_recv(T& out) { return queue_.try_pop(out); }

  bool send(T& v) {
    if (try_send(v)) return true;
    return wait([&] { queue_.push(v); }, [] { return false; });
  }

  bool recv(T& out) {
    if (queue_.try_pop(out)) return true;
    return wait([&] { queue_.pop(out); }, [&] { return queue_.try_pop(out); });
  }

  void close() {
    closed_.store(true, std::memory_order_seq_cst);
    while (waiting_.load(std::memory_order_seq_cst) > 0) {
      queue_.abort();
      std::this_thread::yield();
    }
  }
  [[nodiscard]] bool closed() const { return closed_.load(std::memory_order_acquire); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  // Runs the blocking call unless the queue is closed; `after_close()` is
  // the answer once it is (or once the call was aborted by close()).
  template <class Blocking, class AfterClose>
  bool wait(Blocking&& blocking_call, AfterClose&& after_close) {
    waiting_.fetch_add(1, std::memory_order_seq_cst);
    bool done = false;
    if (!closed_.load(std::memory_order_seq_cst)) {
      try {
        blocking_call();
        done = true;
      } catch (const tbb::user_abort&) {
      }
    }
    waiting_.fetch_sub(1, std::memory_order_seq_cst);
    return done || after_close();
  }

  std::size_t capacity_;
  tbb::concurrent_bounded_queue<T> queue_;
  std::atomic<bool> closed_{false};
  std::atomic<int> waiting_{0};
};

static_assert(channels::Blocking<TbbBoundedQueue<long>>);

}  // namespace synclab::peers

#endif
