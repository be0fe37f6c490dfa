// oneshot.hpp — a channel for exactly one message, whose misuse is caught at
// run time: a second send, a second receive, or receive_now() before the
// message is there abort the process with a message.
//
// Algorithm: a slot for one T and two flags.
//   send(v)        in_use.swap(true): abort if it was already set; write the
//                  message; ready.store(true).
//   receive_now()  the book's receive: ready.swap(false) must return true,
//                  otherwise abort ("no message ready"); then move it out.
//   recv()         the OneShot concept's receive: spin (cpu_relax) until
//                  ready, then as receive_now().
//   ready()        ready.load().
//   destructor     if ready is still set, the message was never received:
//                  destroy it (no atomic needed: nobody else can touch it).
//   One flag more than the book: `receiving`, swapped to true by the first
//   recv / receive_now, so that a second receiver aborts instead of spinning
//   forever on a message that is already gone.
// Source: Rust Atomics and Locks, ch. 5 "Safety Through Runtime Checks"
//   (CH-3 in the seeds' digest), with recv() spinning instead of requiring
//   the caller to check ready() first.
// Guarantees: one sender, one receiver, one message; the receiver spins, so it
//   burns its CPU until the sender writes (oneshot_blocking parks instead);
//   a sender preempted between in_use and ready keeps the receiver spinning.
// Memory ordering:
//   in_use.swap   relaxed: only its value matters; the total modification
//                 order of in_use alone guarantees that exactly one swap sees
//                 false. Same for `receiving`.
//   ready.store   release: publishes the message written before it.
//   ready.swap    acquire: pairs with that store, so the message write
//                 happens-before the move out of the slot.
//   ready.load    relaxed (ready() and the spin): a hint only; the acquire
//                 swap that follows is what the receiver relies on.
// Allocation: none; the message lives in the channel object.
// Payload: T must be move-constructible.
#pragma once

#include <atomic>
#include <string_view>
#include <utility>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"

namespace synclab::channels {

template <class T>
class Oneshot {
 public:
  using value_type = T;
  static constexpr std::string_view name = "oneshot";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr Semantics semantics{.bounded = true,
                                       .blocking = false,
                                       .order = Order::global_fifo,
                                       .multi_producer = false,
                                       .multi_consumer = false,
                                       .close = false,
                                       .allocation = "none"};

  Oneshot() = default;
  Oneshot(const Oneshot&) = delete;
  Oneshot& operator=(const Oneshot&) = delete;
  ~Oneshot() {
    if (ready_.load(std::memory_order_relaxed)) message_.destroy();
  }

  void send(T v) {
    if (in_use_.exchange(true, std::memory_order_relaxed)) detail::misuse(name, "send called twice");
    message_.construct(std::move(v));
    ready_.store(true, std::memory_order_release);
  }

  [[nodiscard]] bool ready() const noexcept { return ready_.load(std::memory_order_relaxed); }

  // Waits (spinning) for the message.
  T recv() {
    claim_receiver();
    while (!ready_.load(std::memory_order_relaxed)) synclab::cpu_relax();
    return take();
  }

  // The message, which must already be there (ready() returned true).
  T receive_now() {
    claim_receiver();
    return take();
  }

 private:
  void claim_receiver() {
    if (receiving_.exchange(true, std::memory_order_relaxed)) detail::misuse(name, "recv called twice");
  }

  T take() {
    if (!ready_.exchange(false, std::memory_order_acquire)) {
      detail::misuse(name, "receive before the message is ready");
    }
    return message_.take();
  }

  detail::Storage<T> message_;
  std::atomic<bool> in_use_{false};
  std::atomic<bool> ready_{false};
  std::atomic<bool> receiving_{false};
};

static_assert(OneShot<Oneshot<long>>);

}  // namespace synclab::channels
