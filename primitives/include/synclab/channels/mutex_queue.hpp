// mutex_queue.hpp — the simplest correct channel: a deque behind one mutex,
// and a condition variable for receivers waiting on an empty queue.
//
// Algorithm: std::mutex + std::deque<T> + std::condition_variable.
//   send     lock, push_back, unlock, notify_one (after the unlock, so the
//            woken receiver does not run straight into the held mutex).
//   recv     lock; while empty and open, wait; pop_front.
//   close    lock, set the flag, unlock, notify_all.
// Source: Rust Atomics and Locks, ch. 5 "A Simple Mutex-Based Channel"
//   (Mutex<VecDeque<T>> + Condvar); close() added so that blocked receivers
//   can be released and see the end.
// Guarantees: any number of senders and receivers; one global FIFO order
//   (the mutex serialises everything); unbounded, so try_send fails only once
//   closed; send never blocks except on the mutex. Blocking: a thread that
//   holds the mutex and is preempted stalls every other sender and receiver.
//   close(): every message whose send returned true is received before any
//   recv returns false (send and close are serialised by the mutex).
// Downsides the book names, which the benchmarks show: every operation
//   serialises on one mutex; a deque block allocation happens under it; and
//   nothing limits growth when senders outrun receivers.
// Memory ordering: the mutex's acquire/release; no atomics of its own.
// Allocation: std::deque allocates one block per few hundred bytes of
//   messages ("per block"), under the lock.
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"

namespace synclab::channels {

template <class T>
class MutexQueue {
 public:
  using value_type = T;
  static constexpr std::string_view name = "mutex_queue";
  static constexpr bool counts_futex_calls = false;  // sleeps in std::mutex and std::condition_variable
  static constexpr Semantics semantics{.bounded = false,
                                       .blocking = true,
                                       .order = Order::global_fifo,
                                       .multi_producer = true,
                                       .multi_consumer = true,
                                       .close = true,
                                       .allocation = "per block (std::deque)"};

  explicit MutexQueue(std::size_t /*capacity: unbounded*/ = 0) {}
  MutexQueue(const MutexQueue&) = delete;
  MutexQueue& operator=(const MutexQueue&) = delete;

  // Fails only when closed; moves from v on success.
  bool try_send(T& v) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      items_.push_back(std::move(v));
    }
    item_ready_.notify_one();
    return true;
  }
  bool try_send(T&& v) { return try_send(v); }

  // Unbounded: never waits for room.
  bool send(T& v) { return try_send(v); }
  bool send(T&& v) { return try_send(v); }

  bool try_recv(T& out) {
    std::lock_guard lock(mutex_);
    return pop_locked(out);
  }

  bool recv(T& out) {
    std::unique_lock lock(mutex_);
    item_ready_.wait(lock, [&] { return !items_.empty() || closed_; });
    return pop_locked(out);
  }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    item_ready_.notify_all();
  }

  [[nodiscard]] bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  bool pop_locked(T& out) {
    if (items_.empty()) return false;
    out = std::move(items_.front());
    items_.pop_front();
    return true;
  }

  mutable std::mutex mutex_;
  std::condition_variable item_ready_;
  std::deque<T> items_;
  bool closed_ = false;
};

static_assert(Blocking<MutexQueue<long>>);

}  // namespace synclab::channels
