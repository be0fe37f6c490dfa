// channel_test_channels.hpp — small channels for the channel workload tests:
// a correct one, deliberately broken twins (dropping, duplicating,
// reordering a message now and then), a blocking one with close, and
// one-shots (a correct blocking one and one whose recv does not wait).
// A mutex serialises everything, so the breakage is the only thing wrong
// with them: no data race for a sanitizer to find instead.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"

namespace synclab::testing {

enum class Fault { none, drop, duplicate, reorder };

inline constexpr std::uint64_t kFaultEvery = 97;  // every 97th send misbehaves

template <class T, Fault F = Fault::none>
class TestChannel {
 public:
  using value_type = T;
  static constexpr std::string_view name = F == Fault::none        ? "test_channel"
                                           : F == Fault::drop      ? "test_dropping"
                                           : F == Fault::duplicate ? "test_duplicating"
                                                                   : "test_reordering";
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = false,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "per block (std::deque)"};

  explicit TestChannel(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  bool try_send(T& v) {
    std::lock_guard lock(mutex_);
    if (items_.size() >= capacity_) return false;
    const bool misbehave = ++sends_ % kFaultEvery == 0;
    if (misbehave && F == Fault::drop) return true;
    items_.push_back(v);
    if (misbehave && F == Fault::duplicate) items_.push_back(v);
    if (misbehave && F == Fault::reorder && items_.size() >= 2) std::swap(items_[items_.size() - 1], items_[items_.size() - 2]);
    return true;
  }
  bool try_recv(T& out) {
    std::lock_guard lock(mutex_);
    if (items_.empty()) return false;
    out = items_.front();
    items_.pop_front();
    return true;
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::deque<T> items_;
  std::uint64_t sends_ = 0;
};

// Bounded, blocking, closable: send sleeps while full, recv while empty.
template <class T>
class TestBlockingChannel {
 public:
  using value_type = T;
  static constexpr std::string_view name = "test_blocking";
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = true,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = true,
                                                 .allocation = "per block (std::deque)"};

  explicit TestBlockingChannel(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  bool try_send(T& v) {
    {
      std::lock_guard lock(mutex_);
      if (closed_ || items_.size() >= capacity_) return false;
      items_.push_back(v);
    }
    changed_.notify_all();
    return true;
  }
  bool send(T& v) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
      if (closed_) return false;
      items_.push_back(v);
    }
    changed_.notify_all();
    return true;
  }
  bool try_recv(T& out) {
    {
      std::lock_guard lock(mutex_);
      if (items_.empty()) return false;
      out = items_.front();
      items_.pop_front();
    }
    changed_.notify_all();
    return true;
  }
  bool recv(T& out) {
    {
      std::unique_lock lock(mutex_);
      ++sleepers_;
      changed_.wait(lock, [&] { return closed_ || !items_.empty(); });
      --sleepers_;
      if (items_.empty()) {
        ++woken_by_close_;
        return false;
      }
      out = items_.front();
      items_.pop_front();
    }
    changed_.notify_all();
    return true;
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    changed_.notify_all();
  }
  [[nodiscard]] bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] int woken_by_close() const {
    std::lock_guard lock(mutex_);
    return woken_by_close_;
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> items_;
  bool closed_ = false;
  int sleepers_ = 0;
  int woken_by_close_ = 0;
};

// A one-shot whose receiver sleeps on a condition variable.
template <class T>
class TestOneShot {
 public:
  using value_type = T;
  static constexpr std::string_view name = "test_oneshot";

  void send(T v) {
    {
      std::lock_guard lock(mutex_);
      value_ = std::move(v);
      full_ = true;
    }
    ready_cv_.notify_one();
  }
  T recv() {
    std::unique_lock lock(mutex_);
    ready_cv_.wait(lock, [&] { return full_; });
    return value_;
  }
  [[nodiscard]] bool ready() const {
    std::lock_guard lock(mutex_);
    return full_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;
  T value_{};
  bool full_ = false;
};

// Broken: recv returns whatever is there without waiting for the message
// (before the send: a message no producer sent).
template <class T>
class ImpatientOneShot {
 public:
  using value_type = T;
  static constexpr std::string_view name = "test_impatient_oneshot";

  ImpatientOneShot() : value_(T::make(7, 12345, 0)) {}

  void send(T v) {
    std::lock_guard lock(mutex_);
    value_ = std::move(v);
  }
  T recv() {
    std::lock_guard lock(mutex_);
    return value_;
  }
  [[nodiscard]] bool ready() const { return true; }

 private:
  mutable std::mutex mutex_;
  T value_{};
};

static_assert(channels::Channel<TestChannel<long>>);
static_assert(channels::Blocking<TestBlockingChannel<long>>);
static_assert(channels::OneShot<TestOneShot<long>>);

}  // namespace synclab::testing
