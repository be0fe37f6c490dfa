// mpsc_unbounded.hpp — Vyukov's unbounded multi-producer single-consumer
// queue: a singly linked list, one node per message, producers joining it
// with a single exchange.
//
// Algorithm: a list from `tail` (the consumer's end, a stub node whose
//   message has already been taken) to `head` (the last node pushed).
//   try_send(v)  allocate a node holding v with next = null;
//                prev = head.exchange(node); prev->next = node.
//   try_recv     next = tail->next; null -> false. Otherwise move the message
//                out of `next`, which becomes the new stub; free the old one.
// Source: Dmitry Vyukov, "Intrusive MPSC node-based queue" (1024cores.net).
//   Here the queue allocates the nodes itself (one per message) instead of
//   linking caller-owned ones; the first stub lives inside the queue object.
// Guarantees: any number of producers, one consumer at a time (not checked).
//   FIFO in the order of the producers' exchanges, a single total order
//   (global_fifo). Unbounded: try_send fails never (it can only throw
//   std::bad_alloc). A send is wait-free: one exchange and one store.
// The known weakness (not lock-free for the consumer): a producer preempted
//   between its exchange and its link store has already made its node the
//   head, but the list is broken at its predecessor. The consumer reaches
//   the break and try_recv returns false, although every message pushed
//   after it (by any producer) is in the queue, until that producer runs
//   again. link_pending() tells the consumer that this is what it is seeing
//   (not empty, but nothing reachable); try_send_with() lets a test or a
//   benchmark put a delay exactly there to show it.
// Memory ordering:
//   head.exchange   acq_rel. Release: the node's construction (its message
//     and next = null) happens-before the next producer's exchange that
//     reads it, so that producer's link store to node->next is later than
//     our null in node->next's modification order. Acquire: that next
//     producer's link store into *our* node then follows our writes.
//   prev->next.store(node)  release: publishes the node and its message to
//     the consumer.
//   tail->next load (consumer)  acquire, pairing with that store.
//   link_pending()'s head load: relaxed (a diagnostic).
// Allocation: one node per message (new in try_send, delete in try_recv, on
//   different threads: a cross-thread free for the allocator).
// Payload: T must be move-constructible and move-assignable.
#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::channels {

template <class T>
class MpscUnbounded {
 public:
  using value_type = T;
  static constexpr std::string_view name = "mpsc_unbounded";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr Semantics semantics{.bounded = false,
                                       .blocking = false,
                                       .order = Order::global_fifo,
                                       .multi_producer = true,
                                       .multi_consumer = false,
                                       .close = false,
                                       .allocation = "per message"};

  explicit MpscUnbounded(std::size_t /*capacity: unbounded*/ = 0) {
    head_->store(&stub_, std::memory_order_relaxed);
    consumer_->tail = &stub_;
  }
  MpscUnbounded(const MpscUnbounded&) = delete;
  MpscUnbounded& operator=(const MpscUnbounded&) = delete;
  ~MpscUnbounded() {
    Node* node = consumer_->tail;  // the stub: its message is already gone
    Node* next = node->next.load(std::memory_order_relaxed);
    release(node);
    for (node = next; node != nullptr; node = next) {
      next = node->next.load(std::memory_order_relaxed);
      node->message.destroy();
      release(node);
    }
  }

  // Never fails; moves from v.
  bool try_send(T& v) {
    return try_send_with(v, [] {});
  }
  bool try_send(T&& v) { return try_send(v); }

  // try_send with `between()` called after the exchange and before the link:
  // the window in which a preempted producer stalls the consumer.
  template <class Between>
  bool try_send_with(T& v, Between&& between) {
    Node* node = new Node(std::move(v));
    Node* prev = head_->exchange(node, std::memory_order_acq_rel);
    between();
    prev->next.store(node, std::memory_order_release);
    return true;
  }

  bool try_recv(T& out) {
    Node* tail = consumer_->tail;
    Node* next = tail->next.load(std::memory_order_acquire);
    if (next == nullptr) return false;
    next->message.move_to(out);
    consumer_->tail = next;
    release(tail);
    return true;
  }

  // Consumer only: messages have been pushed but the next one is not linked
  // yet (a producer is between its exchange and its link).
  [[nodiscard]] bool link_pending() const noexcept {
    const Node* tail = consumer_->tail;
    return tail->next.load(std::memory_order_acquire) == nullptr &&
           head_->load(std::memory_order_relaxed) != tail;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return 0; }

 private:
  struct Node {
    Node() = default;
    explicit Node(T&& v) { message.construct(std::move(v)); }
    std::atomic<Node*> next{nullptr};
    detail::Storage<T> message;  // empty in the stub
  };

  void release(Node* old_stub) noexcept {
    if (old_stub != &stub_) delete old_stub;
  }

  padding::Padded<std::atomic<Node*>> head_;  // written by every producer
  struct ConsumerSide {
    Node* tail = nullptr;
  };
  padding::Padded<ConsumerSide> consumer_;  // written by the consumer only
  Node stub_;
};

static_assert(Channel<MpscUnbounded<long>>);

}  // namespace synclab::channels
