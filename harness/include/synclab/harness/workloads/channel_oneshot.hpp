// channel_oneshot.hpp — the oneshot scenario of the channels family: a fresh
// one-shot channel for every message, sender (worker 0) → receiver (worker 1),
// then the next (docs/channels.md).
//
// The one-shots form a chain that publishes itself: each lives in a heap node
// with a `next` pointer. Before sending message k into node k the sender
// makes node k+1 and links it (node k's `next`); the receiver, once recv() on
// node k returns, reads `next` (ordered by the one-shot's own hand-off) and
// waits on node k+1. So making, filling, sending, receiving and destroying
// one one-shot per message is what is measured, one message at a time, with
// no other synchronisation between the two threads in the loop, except:
//   * "then the next": the receiver publishes how many messages it has taken
//     (a release store per message) and the sender spins until message k-1
//     was taken before it sends k, so e2e_lat_* is one hand-off into a
//     receiver that is waiting (spinning or asleep, as the one-shot does it),
//     not time spent behind a backlog;
//   * a node is freed by the receiver one message later (once it has received
//     k+1, send(k) has returned), so a one-shot whose send still touches it
//     after publishing is not freed under it;
//   * ending the window. The receiver may be asleep in recv() on a node the
//     sender will never fill. end_window() raises `ending`, waits until the
//     sender is outside its operation (the sender marks its operation with a
//     sequentially consistent store, read against `ending`: Dekker's pattern,
//     one store per message, the same for every one-shot), and then sends an
//     end marker into the sender's next node itself, which wakes the receiver.
// Every message must arrive with the next sequence number.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <string>
#include <thread>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/channels/concepts.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/histogram.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/workloads/channel_payload.hpp"
#include "synclab/harness/workloads/channel_workload.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::harness {

template <channels::OneShot O>
  requires std::same_as<typename O::value_type, ChannelPayload<8>>
class OneShotWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<O>;
  using Payload = ChannelPayload<8>;
  static constexpr int kEndMarker = 0xFF;  // producer field of the message end_window() sends

  OneShotWorkload() {
    Node* first = new Node;
    sender_->current = first;
    receiver_->current = first;
  }
  ~OneShotWorkload() {
    delete receiver_->retired;
    for (Node* n = receiver_->current; n != nullptr;) {
      Node* next = n->next;
      delete n;
      n = next;
    }
  }
  OneShotWorkload(const OneShotWorkload&) = delete;
  OneShotWorkload& operator=(const OneShotWorkload&) = delete;

  void operation(WorkerContext& ctx) {
    if (ctx.index == 0) send_one();
    else receive_one();
  }
  void think(WorkerContext&) {}

  void end_window() {
    ending_->store(true, std::memory_order_seq_cst);
    while (sender_->in_operation.load(std::memory_order_seq_cst)) std::this_thread::yield();
    // The sender will not touch its node again, and the receiver cannot have
    // freed it: it was never sent.
    sender_->current->oneshot.send(Payload::make(kEndMarker, 0, 0));
  }

  [[nodiscard]] std::string verify(const RunResult&) const { return receiver_->violation; }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    Metrics m;
    put_unit_costs(m, "messages_per_sec", "msg", static_cast<double>(receiver_->received), run);
    m.emplace_back("payload_bytes", static_cast<double>(sizeof(Payload)));
    put_latency(m, "e2e_lat", receiver_->latency);
    return m;
  }

  [[nodiscard]] std::uint64_t received() const { return receiver_->received; }

 private:
  struct Node {
    O oneshot;
    Node* next = nullptr;
  };
  struct Sender {
    std::atomic<bool> in_operation{false};
    Node* current = nullptr;  // the next node to send into
    std::uint64_t sent = 0;
  };
  struct Receiver {
    Node* current = nullptr;  // the node to receive from next
    Node* retired = nullptr;  // received, freed after the next message
    std::uint64_t received = 0;
    bool ended = false;
    LatencyHistogram latency;
    std::string violation;
  };

  void send_one() {
    Sender& me = *sender_;
    me.in_operation.store(true, std::memory_order_seq_cst);
    if (!ending_->load(std::memory_order_seq_cst) && previous_received(me.sent)) {
      Node* node = me.current;
      node->next = new Node;
      const std::uint64_t seq = me.sent;
      node->oneshot.send(Payload::make(0, seq, seq % kStampEvery == 0 ? now_ns() : 0));
      me.current = node->next;
      me.sent = seq + 1;
    }
    me.in_operation.store(false, std::memory_order_release);
  }

  // One message at a time: waits (spinning) until the receiver has taken
  // message seq - 1; false if the window ends first.
  bool previous_received(std::uint64_t seq) {
    while (acknowledged_->load(std::memory_order_acquire) < seq) {
      if (ending_->load(std::memory_order_relaxed)) return false;
      cpu_relax();
    }
    return true;
  }

  void receive_one() {
    Receiver& me = *receiver_;
    if (me.ended) return;
    Node* node = me.current;
    const Payload m = node->oneshot.recv();
    if (m.producer_index() == kEndMarker) {
      me.ended = true;
      return;
    }
    if (m.producer_index() != 0 || m.seq_field() != (me.received & 0xFFFFFFu)) [[unlikely]] {
      // Not the message that was sent: its node's `next` may not be written
      // yet either, so the receiver stops here.
      me.violation = "one-shot " + std::to_string(me.received) + " delivered message " + std::to_string(m.seq_field()) +
                     " of producer " + std::to_string(m.producer_index());
      me.ended = true;
      return;
    }
    if (m.stamped()) me.latency.record(m.age_ns(now_ns()));
    ++me.received;
    acknowledged_->store(me.received, std::memory_order_release);
    delete me.retired;
    me.retired = node;
    me.current = node->next;
  }

  padding::Padded<std::atomic<bool>, 128> ending_{std::in_place, false};
  padding::Padded<Sender, 128> sender_;
  padding::Padded<Receiver, 128> receiver_;
  padding::Padded<std::atomic<std::uint64_t>, 128> acknowledged_{std::in_place, 0};  // messages received
};

}  // namespace synclab::harness
