// rendezvous.hpp — a channel of capacity 0: a message is never stored, it
// is handed from a waiting sender to a receiver, and send returns only once
// a receiver has taken it.
//
// Algorithm: a mutex, three condition variables and, under the mutex, a
//   pointer to the message being offered (it stays in the sender's own
//   variable) with an offer ticket.
//   send(v)    wait until no other offer is pending; offer &v (ticket n);
//              wake one receiver; wait until offer n is taken (-> true) or
//              the channel is closed first (withdraw the offer -> false).
//   recv(out)  count itself as a waiting receiver; wait for an offer (or
//              the close); move the message straight from the sender's
//              variable into out; mark the ticket taken; wake that sender
//              and the next one.
//   try_recv   take a pending offer if there is one.
//   try_send   offer only if a receiver is already waiting (otherwise the
//              channel is "full": nobody to hand to), then wait for it to
//              take the message, which it does without further waiting.
//   close()    set the flag and wake everyone. A pending offer can still
//              be taken by a receiver that gets the mutex first; otherwise
//              its sender withdraws it. Either way exactly one side knows
//              it has the message.
// Source: the rendezvous (capacity-0) channel of Go's unbuffered channels
//   and Rust's sync_channel(0) (seeds' digest §1.7), built here from the
//   book's mutex + condvar channel (ch. 5 "A Simple Mutex-Based Channel").
// Guarantees: any number of senders and receivers; each message is received
//   exactly once, and send returns true only after a receiver has it (a
//   send/receive pair is a synchronisation point both ways). Order: each
//   producer's messages in its order (sends of one thread are sequential);
//   among blocked senders, whoever gets the mutex offers next (not FIFO).
//   Blocking: every hand-off with a sleeping partner is a futex wake and a
//   context switch, and a thread preempted holding the mutex stalls all.
//   close(): receivers see the end once no offer is pending; blocked senders
//   return false with their message untouched.
// Memory ordering: the mutex's acquire/release: the sender's writes to the
//   message happen-before the receiver's move, and the receiver's move
//   happens-before send's return (the sender may then reuse its variable).
// Allocation: none (the message is moved once, sender to receiver).
// Payload: T must be move-assignable.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"

namespace synclab::channels {

template <class T>
class Rendezvous {
 public:
  using value_type = T;
  static constexpr std::string_view name = "rendezvous";
  static constexpr bool counts_futex_calls = false;  // sleeps in std::mutex and std::condition_variable
  static constexpr Semantics semantics{.bounded = true,
                                       .blocking = true,
                                       .order = Order::per_producer_fifo,
                                       .multi_producer = true,
                                       .multi_consumer = true,
                                       .close = true,
                                       .allocation = "none"};

  explicit Rendezvous(std::size_t /*capacity: always 0*/ = 0) {}
  Rendezvous(const Rendezvous&) = delete;
  Rendezvous& operator=(const Rendezvous&) = delete;

  // Succeeds only if a receiver is already waiting.
  bool try_send(T& v) {
    std::unique_lock lock(mutex_);
    if (closed_ || offered_ != nullptr || waiting_receivers_ == 0) return false;
    return offer_and_wait(lock, v);
  }
  bool try_send(T&& v) { return try_send(v); }

  bool send(T& v) {
    std::unique_lock lock(mutex_);
    slot_free_.wait(lock, [&] { return offered_ == nullptr || closed_; });
    if (closed_) return false;
    return offer_and_wait(lock, v);
  }
  bool send(T&& v) { return send(v); }

  bool try_recv(T& out) {
    std::lock_guard lock(mutex_);
    if (offered_ == nullptr) return false;
    take_locked(out);
    return true;
  }

  bool recv(T& out) {
    std::unique_lock lock(mutex_);
    ++waiting_receivers_;
    offer_ready_.wait(lock, [&] { return offered_ != nullptr || closed_; });
    --waiting_receivers_;
    if (offered_ == nullptr) return false;  // closed, nothing offered
    take_locked(out);
    return true;
  }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    offer_ready_.notify_all();
    slot_free_.notify_all();
    taken_.notify_all();
  }

  [[nodiscard]] bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  bool offer_and_wait(std::unique_lock<std::mutex>& lock, T& v) {
    offered_ = &v;
    const std::uint64_t ticket = ++offers_;
    offer_ready_.notify_one();
    // Offers are taken in ticket order, one pending at a time, so a later
    // ticket taken means ours was taken too.
    taken_.wait(lock, [&] { return taken_ticket_ >= ticket || closed_; });
    if (taken_ticket_ >= ticket) return true;
    offered_ = nullptr;  // closed before anyone took it: withdraw
    slot_free_.notify_one();
    return false;
  }

  void take_locked(T& out) {
    out = std::move(*offered_);
    offered_ = nullptr;
    taken_ticket_ = offers_;
    taken_.notify_all();  // the offering sender, and an earlier one not yet back
    slot_free_.notify_one();
  }

  mutable std::mutex mutex_;
  std::condition_variable offer_ready_;  // receivers: an offer is pending
  std::condition_variable taken_;        // the offering sender: it was taken
  std::condition_variable slot_free_;    // other senders: they may offer
  T* offered_ = nullptr;
  std::uint64_t offers_ = 0;
  std::uint64_t taken_ticket_ = 0;
  int waiting_receivers_ = 0;
  bool closed_ = false;
};

static_assert(Blocking<Rendezvous<long>>);

}  // namespace synclab::channels
