// mutex_ring.hpp — the simplest correct bounded channel: a fixed ring behind
// one mutex, with a condition variable for each side that may wait. It is
// the baseline of every bounded channel (mutex_queue, unbounded, is the
// baseline of the unbounded ones): a bounded channel makes a sender wait
// when it is full, an unbounded one never does, so they are compared only
// with their own kind, at the same capacity.
//
// Algorithm: std::mutex + a ring of `capacity` slots + two
// std::condition_variable (`item_ready` for receivers on empty, `room_ready`
// for senders on full).
//   send     lock; while full and open, wait on room_ready; put; unlock;
//            notify_one(item_ready).
//   recv     lock; while empty and open, wait on item_ready; take; unlock;
//            notify_one(room_ready).
//   try_*    the same without the wait: false when full (empty) or closed.
//   close    lock, set the flag, unlock, notify_all on both.
//   Notifying after the unlock saves the woken thread from running straight
//   into the held mutex. A wake is never lost: the waiter checks its
//   condition under the mutex before it sleeps, and the state change that
//   would wake it is made under the same mutex before the notify.
// Source: the bounded buffer of Hoare's monitors (Hoare, "Monitors: An
//   Operating System Structuring Concept", CACM 1974, the bounded buffer
//   example), in the shape of Rust Atomics and Locks ch. 5's mutex-based
//   channel (mutex_queue.hpp) with a bound and a second condition variable.
// Guarantees: any number of senders and receivers; one global FIFO order;
//   capacity fixed at construction (at least 1: capacity 0 would be a
//   rendezvous channel, rendezvous.hpp); close(): every message whose send
//   returned true is received before a recv returns false. Blocking: a
//   thread preempted while it holds the mutex stalls every other sender and
//   receiver. Lifetime: as mutex_queue, the channel must outlive every call
//   into it (send notifies after its unlock).
// Memory ordering: the mutex's acquire/release; no atomics of its own.
// Allocation: none per message; the slots are allocated once, at
//   construction.
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"

namespace synclab::channels {

// WakeOtherSide = false leaves out the notify after a successful send or
// receive: the deliberately broken twin of the negative tests
// (tests/support/.../channel_broken.hpp), never for use.
template <class T, bool WakeOtherSide = true>
class MutexRing {
 public:
  using value_type = T;
  static constexpr std::string_view name = "mutex_ring";
  static constexpr bool counts_futex_calls = false;  // sleeps in std::mutex and std::condition_variable
  static constexpr Semantics semantics{.bounded = true,
                                       .blocking = true,
                                       .order = Order::global_fifo,
                                       .multi_producer = true,
                                       .multi_consumer = true,
                                       .close = true,
                                       .allocation = "none (slots allocated at construction)"};

  explicit MutexRing(std::size_t capacity)
      : capacity_(std::max<std::size_t>(capacity, 1)), slots_(std::make_unique<std::optional<T>[]>(capacity_)) {}
  MutexRing(const MutexRing&) = delete;
  MutexRing& operator=(const MutexRing&) = delete;

  // False when full or closed; moves from v on success.
  bool try_send(T& v) {
    {
      std::lock_guard lock(mutex_);
      if (closed_ || count_ == capacity_) return false;
      put_locked(v);
    }
    wake(item_ready_);
    return true;
  }
  bool try_send(T&& v) { return try_send(v); }

  // Waits for room; false only when closed.
  bool send(T& v) {
    {
      std::unique_lock lock(mutex_);
      room_ready_.wait(lock, [&] { return count_ < capacity_ || closed_; });
      if (closed_) return false;
      put_locked(v);
    }
    wake(item_ready_);
    return true;
  }
  bool send(T&& v) { return send(v); }

  bool try_recv(T& out) {
    {
      std::lock_guard lock(mutex_);
      if (!take_locked(out)) return false;
    }
    wake(room_ready_);
    return true;
  }

  // Waits for a message; false only when closed and drained.
  bool recv(T& out) {
    {
      std::unique_lock lock(mutex_);
      item_ready_.wait(lock, [&] { return count_ > 0 || closed_; });
      if (!take_locked(out)) return false;
    }
    wake(room_ready_);
    return true;
  }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    item_ready_.notify_all();
    room_ready_.notify_all();
  }

  [[nodiscard]] bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  static void wake(std::condition_variable& side) {
    if constexpr (WakeOtherSide) side.notify_one();
  }

  void put_locked(T& v) {
    slots_[(head_ + count_) % capacity_].emplace(std::move(v));
    ++count_;
  }

  bool take_locked(T& out) {
    if (count_ == 0) return false;
    std::optional<T>& slot = slots_[head_];
    out = std::move(*slot);
    slot.reset();
    head_ = (head_ + 1) % capacity_;
    --count_;
    return true;
  }

  const std::size_t capacity_;
  std::unique_ptr<std::optional<T>[]> slots_;
  mutable std::mutex mutex_;
  std::condition_variable item_ready_;
  std::condition_variable room_ready_;
  std::size_t head_ = 0;   // slot of the oldest message
  std::size_t count_ = 0;  // messages in the ring
  bool closed_ = false;
};

static_assert(Blocking<MutexRing<long>>);

}  // namespace synclab::channels
