// channel_empty.hpp — the empty scenario of the channels family: what a
// receive costs when there is nothing to receive (one thread; docs/channels.md).
//
// The channel carried one message (sent and received by the main thread
// before the window, so lazily built structures exist, as in a channel that
// has been used); each operation is one try_recv, which must fail. Blocking
// channels are asked with try_recv too: their recv would sleep. The answer is
// the driver's ns_per_op; a channel that scans producers' sub-queues
// (moodycamel) pays for the scan here.
#pragma once

#include <cstdint>
#include <string>

#include "synclab/channels/concepts.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/metrics.hpp"
#include "synclab/harness/workloads/channel_payload.hpp"

namespace synclab::harness {

template <channels::Channel C>
class ChannelEmptyRecvWorkload {
 public:
  static constexpr bool counts_futex_calls = futex_counted<C>;
  using Payload = typename C::value_type;

  explicit ChannelEmptyRecvWorkload(std::size_t capacity) : channel_(capacity) {
    Payload m = Payload::make(0, 0, 0);
    if (channel_.try_send(m)) primed_ = channel_.try_recv(m);
  }

  void operation(WorkerContext&) {
    Payload m;
    if (channel_.try_recv(m)) [[unlikely]]
      ++unexpected_;
  }
  void think(WorkerContext&) {}

  [[nodiscard]] std::string verify(const RunResult&) const {
    if (unexpected_ > 0) return std::to_string(unexpected_) + " receives on an empty channel returned a message";
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult&) const {
    return {{"capacity_msgs", static_cast<double>(channel_.capacity())},
            {"primed", primed_ ? 1.0 : 0.0}};
  }

 private:
  C channel_;
  bool primed_ = false;
  std::uint64_t unexpected_ = 0;
};

}  // namespace synclab::harness
