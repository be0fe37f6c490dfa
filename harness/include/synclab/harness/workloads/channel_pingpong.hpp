// channel_pingpong.hpp — the pingpong scenario of the channels family: the
// round trip of one message over two channels of the same kind, two threads
// (docs/channels.md).
//
// Worker 0 sends message k on `ping` and waits for it to come back on `pong`;
// worker 1 receives from `ping` and sends what it got back on `pong`. One
// message is in flight at a time, so each round trip is two hand-offs of a
// cache line between the two PUs plus the channels' own work: compare it
// with limits/c2c. Worker 0 times one round trip in kStampEvery itself (the
// rtt_* metrics); the echo must carry the sequence number that was sent, in
// order, exactly once.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "synclab/channels/concepts.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/histogram.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/workloads/channel_io.hpp"
#include "synclab/harness/workloads/channel_payload.hpp"
#include "synclab/harness/workloads/channel_workload.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::harness {

template <channels::Channel C>
class ChannelPingPongWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<C>;
  using Payload = typename C::value_type;

  explicit ChannelPingPongWorkload(std::size_t capacity) : ping_(capacity), pong_(capacity) {}

  void operation(WorkerContext& ctx) {
    if (ctx.index == 0) round_trip();
    else echo();
  }
  void think(WorkerContext&) {}

  void end_window() {
    ending_->store(true, std::memory_order_relaxed);
    channel_io::end_window(ping_);
    channel_io::end_window(pong_);
  }

  // "" when every echo carried the message that was sent.
  [[nodiscard]] std::string verify(const RunResult&) const {
    if (!pinger_->violation.empty()) return pinger_->violation;
    if (echoer_->echoed > pinger_->sent) return "more echoes than messages sent";
    if (pinger_->round_trips + 1 < echoer_->echoed) return "echoes were lost on the way back";
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    const auto trips = static_cast<double>(pinger_->round_trips);
    Metrics m;
    put_unit_costs(m, "round_trips_per_sec", "round_trip", trips, run);
    put(m, "failed_recvs_per_round_trip", per(static_cast<double>(pinger_->failed + echoer_->failed), trips));
    m.emplace_back("capacity_msgs", static_cast<double>(ping_.capacity()));
    m.emplace_back("payload_bytes", static_cast<double>(sizeof(Payload)));
    put_latency(m, "rtt", pinger_->rtt);
    return m;
  }

  [[nodiscard]] std::uint64_t round_trips() const { return pinger_->round_trips; }

 private:
  struct Pinger {
    std::uint64_t sent = 0;
    std::uint64_t round_trips = 0;
    std::uint64_t failed = 0;
    bool awaiting = false;  // a message went out whose echo has not come back
    LatencyHistogram rtt;
    std::string violation;
  };
  struct Echoer {
    std::uint64_t echoed = 0;
    std::uint64_t failed = 0;
    bool holding = false;  // received, not yet sent back (the window ended in between)
    Payload held;
  };

  void round_trip() {
    Pinger& me = *pinger_;
    const std::uint64_t seq = me.round_trips;
    const bool timed = seq % kStampEvery == 0;
    const std::uint64_t t0 = timed ? now_ns() : 0;
    if (!me.awaiting) {
      Payload m = Payload::make(0, seq, 0);
      if (!channel_io::send(ping_, m, *ending_, me.failed)) return;
      ++me.sent;
      me.awaiting = true;
    }
    Payload back;
    if (!channel_io::recv(pong_, back, *ending_, me.failed)) return;
    me.awaiting = false;
    if (back.producer_index() != 0 || back.seq_field() != (seq & mask()) || !back.intact()) [[unlikely]] {
      if (me.violation.empty())
        me.violation = "round trip " + std::to_string(seq) + " came back with message " + std::to_string(back.seq_field());
    }
    if (timed) me.rtt.record(now_ns() - t0);
    ++me.round_trips;
  }

  void echo() {
    Echoer& me = *echoer_;
    if (!me.holding) {
      if (!channel_io::recv(ping_, me.held, *ending_, me.failed)) return;
      me.holding = true;
    }
    if (!channel_io::send(pong_, me.held, *ending_, me.failed)) return;
    me.holding = false;
    ++me.echoed;
  }

  static constexpr std::uint64_t mask() {
    return Payload::seq_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << Payload::seq_bits) - 1;
  }

  C ping_;
  C pong_;
  padding::Padded<std::atomic<bool>, 128> ending_{std::in_place, false};
  padding::Padded<Pinger, 128> pinger_;
  padding::Padded<Echoer, 128> echoer_;
};

}  // namespace synclab::harness
