// channel_workload.hpp — the streaming scenarios of the channels family
// (spsc, mpsc, spmc, mpmc, burst; docs/channels.md), written once against
// synclab::channels::Channel.
//
// Roles come from the worker index: workers 0 … P-1 produce, P … P+C-1
// consume. One operation is one message sent (producer) or received
// (consumer), so the driver's ops count both; messages_per_sec is the
// consumers' rate. A producer stamps one message in kStampEvery with the
// time; the consumer records its age in its own histogram: the enqueue →
// dequeue latency (for a blocking send, the time it waited for room is
// included).
//
// Bursts (the burst scenario): after every `burst.messages` messages a
// producer pauses for `burst.pause`, spinning on the clock (so the pause is
// exact and never sleeps past the window); consumers meet an empty channel,
// and blocking channels put them to sleep.
//
// After the window the channel is drained on the main thread (after join(),
// so a single-consumer channel still has one consumer at a time) and every
// producer's messages must have been received exactly once, each receiver
// seeing each producer's messages in order (channel_ledger.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/channels/concepts.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/histogram.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/stats.hpp"
#include "synclab/harness/workloads/channel_io.hpp"
#include "synclab/harness/workloads/channel_ledger.hpp"
#include "synclab/harness/workloads/channel_payload.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::harness {

struct ChannelShape {
  int producers = 1;
  int consumers = 1;
  [[nodiscard]] int threads() const { return producers + consumers; }
};

struct BurstPlan {
  int messages = 0;  // 0: no bursts, producers send continuously
  std::chrono::nanoseconds pause{0};
};


template <channels::Channel C>
class ChannelStreamWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<C>;
  using Payload = typename C::value_type;

  ChannelStreamWorkload(ChannelShape shape, std::size_t capacity, BurstPlan burst = {})
      : shape_(shape),
        burst_(burst),
        channel_(capacity),
        producers_(static_cast<std::size_t>(shape.producers)),
        consumers_(static_cast<std::size_t>(shape.consumers)) {
    if (shape.producers < 0 || shape.consumers < 0 || shape.producers > kMaxProducers)
      throw std::invalid_argument("channel workload: 0 to " + std::to_string(kMaxProducers) + " producers");
    for (auto& c : consumers_) c->ledger = ReceiverLedger(shape.producers, kCheckOrder);
  }

  void operation(WorkerContext& ctx) {
    if (ctx.index < shape_.producers) produce(ctx.index);
    else consume(ctx.index - shape_.producers);
  }

  void think(WorkerContext& ctx) {
    if (burst_.messages <= 0 || ctx.index >= shape_.producers) return;
    Producer& me = *producers_[static_cast<std::size_t>(ctx.index)];
    if (++me.in_burst < burst_.messages) return;
    me.in_burst = 0;
    const std::uint64_t until = now_ns() + static_cast<std::uint64_t>(burst_.pause.count());
    while (now_ns() < until && !ending_->load(std::memory_order_relaxed)) cpu_relax();
  }

  void end_window() {
    ending_->store(true, std::memory_order_relaxed);
    channel_io::end_window(channel_);
  }

  // After the run: drains the channel and checks exactly-once delivery and
  // order. "" when correct, otherwise the first violation found.
  std::string verify(const RunResult&) {
    std::vector<std::uint64_t> sent;
    for (const auto& p : producers_) sent.push_back(p->next);
    drain_ = ReceiverLedger(shape_.producers, kCheckOrder);
    Payload m;
    drained_ = 0;
    while (channel_.try_recv(m)) {
      drain_.accept(m, [&](int p) { return sent[static_cast<std::size_t>(p)]; });
      ++drained_;
    }
    std::vector<const ReceiverLedger*> ledgers{&drain_};
    for (const auto& c : consumers_) ledgers.push_back(&c->ledger);
    return check_exactly_once(sent, ledgers);
  }

  // The family's metrics beyond the driver's (docs/channels.md).
  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    std::vector<std::uint64_t> sent_by, received_by;
    double failed_sends = 0, failed_recvs = 0;
    LatencyHistogram age;
    for (const auto& p : producers_) {
      sent_by.push_back(p->next);
      failed_sends += static_cast<double>(p->failed);
    }
    for (const auto& c : consumers_) {
      received_by.push_back(c->ledger.received());
      failed_recvs += static_cast<double>(c->failed);
      age.merge(c->ledger.latency());
    }
    double sent = 0, received = 0;
    for (std::uint64_t s : sent_by) sent += static_cast<double>(s);
    for (std::uint64_t r : received_by) received += static_cast<double>(r);
    const auto producers = static_cast<std::size_t>(shape_.producers);
    const RunTotals producer = run_totals(run, 0, producers);
    const RunTotals consumer = run_totals(run, producers, run.workers.size());
    Metrics m;
    put_unit_costs(m, "messages_per_sec", "msg", received, run);
    put(m, "sends_per_sec", per_second(sent, run.elapsed_s));
    put(m, "recvs_per_sec", per_second(received, run.elapsed_s));
    put(m, "producer_cpu_ns_per_msg", per(producer.cpu_ns, sent));
    put(m, "consumer_cpu_ns_per_msg", per(consumer.cpu_ns, received));
    put(m, "producer_fairness_jain", jain_index(sent_by));
    put(m, "consumer_fairness_jain", jain_index(received_by));
    put(m, "failed_sends_per_msg", per(failed_sends, sent));
    put(m, "failed_recvs_per_msg", per(failed_recvs, received));
    m.insert(m.end(), {{"backlog_msgs", static_cast<double>(drained_)},
                       {"capacity_msgs", static_cast<double>(channel_.capacity())},
                       {"payload_bytes", static_cast<double>(sizeof(Payload))},
                       {"producers", static_cast<double>(shape_.producers)},
                       {"consumers", static_cast<double>(shape_.consumers)}});
    put_latency(m, "e2e_lat", age);
    return m;
  }

  [[nodiscard]] const C& channel() const { return channel_; }
  [[nodiscard]] std::uint64_t sent() const {
    std::uint64_t n = 0;
    for (const auto& p : producers_) n += p->next;
    return n;
  }
  [[nodiscard]] std::uint64_t received() const {
    std::uint64_t n = 0;
    for (const auto& c : consumers_) n += c->ledger.received();
    return n;
  }

 private:
  static constexpr bool kCheckOrder = C::semantics.order != channels::Order::none;

  struct Producer {
    std::uint64_t next = 0;                 // sequence number of the next message = messages sent
    std::atomic<std::uint64_t> progress{0};  // `next`, for consumers rebuilding short sequence numbers
    std::uint64_t failed = 0;
    int in_burst = 0;
  };
  struct Consumer {
    ReceiverLedger ledger;
    std::uint64_t failed = 0;
  };

  void produce(int index) {
    Producer& me = *producers_[static_cast<std::size_t>(index)];
    const std::uint64_t seq = me.next;
    const bool stamp = seq % kStampEvery == 0;
    Payload m = Payload::make(index, seq, stamp ? now_ns() : 0);
    const bool ok = channel_io::send(channel_, m, *ending_, me.failed, [&](Payload& again) {
      if (stamp) again = Payload::make(index, seq, now_ns());
    });
    if (!ok) return;
    me.next = seq + 1;
    me.progress.store(seq + 1, std::memory_order_relaxed);
  }

  void consume(int index) {
    Consumer& me = *consumers_[static_cast<std::size_t>(index)];
    Payload m;
    if (!channel_io::recv(channel_, m, *ending_, me.failed)) return;
    me.ledger.accept(m, [this](int p) {
      return producers_[static_cast<std::size_t>(p)]->progress.load(std::memory_order_relaxed);
    });
  }

  const ChannelShape shape_;
  const BurstPlan burst_;
  C channel_;
  padding::Padded<std::atomic<bool>, 128> ending_{std::in_place, false};
  std::vector<padding::Padded<Producer, 128>> producers_;
  std::vector<padding::Padded<Consumer, 128>> consumers_;
  ReceiverLedger drain_;
  std::uint64_t drained_ = 0;
};

}  // namespace synclab::harness
