// promise_future.hpp — std::promise / std::future as a synclab OneShot, name
// `promise_future`.
//
// The standard library's one-shot channel: one heap-allocated shared state
// per promise (made by the promise's constructor), set_value() stores the
// value and wakes a waiter, future::get() waits for it and moves it out.
// libstdc++ waits on a futex in the shared state (its own syscalls, not
// counted by synclab's wait layer). The semantics are stated for the table
// like every channel's: one value, one sender, one receiver.
#pragma once

#include <chrono>
#include <future>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"

namespace synclab::peers {

template <class T>
class PromiseFuture {
 public:
  using value_type = T;
  static constexpr std::string_view name = "promise_future";
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = true,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = false,
                                                 .multi_consumer = false,
                                                 .close = false,
                                                 .allocation = "per message (the shared state)"};

  PromiseFuture() : future_(promise_.get_future()) {}

  void send(T v) { promise_.set_value(std::move(v)); }
  T recv() { return future_.get(); }
  [[nodiscard]] bool ready() const { return future_.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }

 private:
  std::promise<T> promise_;
  std::future<T> future_;
};

static_assert(channels::OneShot<PromiseFuture<long>>);

}  // namespace synclab::peers
