// channel_protocol.hpp — atomic_queue's own benchmark protocol, as two
// scenarios of the channels family, so its published tables can be read next
// to the lab's figures (docs/channels.md, "atomic_queue's protocol").
//
//   aq_throughput  N producers and N consumers move a fixed total of messages
//                  (1,000,000) through one channel. One run is the time from
//                  the first producer's start to the last message received;
//                  its throughput is messages / time. The case reports the
//                  best run (atomic_queue's tables) and the mean and standard
//                  deviation over the runs.
//   aq_pingpong    one thread sends a message on `ping` and waits for it to
//                  come back on `pong`; the other echoes. One run is the time
//                  of 100,000 round trips; the case reports the mean round
//                  trip of the best run (atomic_queue: "best of 10 runs"),
//                  and the mean and standard deviation over the runs.
//
// Unlike the window scenarios these run a fixed amount of work, so a run's
// length depends on the channel: each run has a time limit (the watchdog)
// after which the run is abandoned and the case fails, saying how far it got.
// Every message is checked: each producer's messages arrive exactly once
// (count and sum of sequence numbers per producer), each echo carries the
// sequence number that was sent.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/channels/concepts.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/harness/topology.hpp"
#include "synclab/harness/workloads/channel_io.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::harness {

inline constexpr std::uint64_t kProtocolMessages = 1'000'000;
inline constexpr std::uint64_t kProtocolRoundTrips = 100'000;
inline constexpr int kProtocolMaxRuns = 10;

struct ProtocolPlan {
  const HwlocTopology* hw = nullptr;  // nullptr: threads are not pinned (tests)
  std::vector<int> pu_of_thread;      // throughput: producers, then consumers; pingpong: pinger, echoer
  std::size_t capacity = 1024;
  std::uint64_t work = kProtocolMessages;  // messages in total, or round trips per run
  int runs = kProtocolMaxRuns;
  std::chrono::nanoseconds run_limit = std::chrono::seconds(20);
};

// The runs of one case: each run's seconds, or why a run failed.
struct ProtocolRuns {
  std::vector<double> seconds;
  std::string error;

  [[nodiscard]] double best_s() const { return *std::min_element(seconds.begin(), seconds.end()); }
  // Mean and (sample) standard deviation over the runs of `work / seconds`.
  [[nodiscard]] std::pair<double, double> rate_mean_stdev(double work) const {
    std::vector<double> rates;
    for (double s : seconds) rates.push_back(work / s);
    const double mean = std::accumulate(rates.begin(), rates.end(), 0.0) / static_cast<double>(rates.size());
    double squares = 0;
    for (double r : rates) squares += (r - mean) * (r - mean);
    const double stdev = rates.size() > 1 ? std::sqrt(squares / static_cast<double>(rates.size() - 1)) : 0.0;
    return {mean, stdev};
  }
};

namespace protocol_detail {

// Workers start together: each pins itself and arrives; the last arrival lets
// them all go. Waiting workers yield, so an oversubscribed PU lets the others
// arrive.
class StartLine {
 public:
  explicit StartLine(int workers) : expected_(workers) {}
  void arrive_and_wait() {
    arrived_.fetch_add(1, std::memory_order_acq_rel);
    while (arrived_.load(std::memory_order_acquire) < expected_) std::this_thread::yield();
  }

 private:
  const int expected_;
  std::atomic<int> arrived_{0};
};

inline std::string limit_text(const ProtocolPlan& plan) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(plan.run_limit).count()) + " ms";
}

inline void pin(const ProtocolPlan& plan, std::size_t worker) {
  if (plan.hw != nullptr) plan.hw->pin_current_thread(plan.pu_of_thread.at(worker));
}

// Waits until `done` or the run's limit; at the limit sets `ending` and calls
// `stop()` so every worker gives up. True when the run finished in time.
template <class Stop>
bool watch(const std::atomic<bool>& done, std::atomic<bool>& ending, std::chrono::nanoseconds limit, Stop stop) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ending.store(true, std::memory_order_relaxed);
      stop();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// What one consumer received from each producer.
struct Received {
  std::vector<std::uint64_t> count, seq_sum;
  std::uint64_t foreign = 0;  // messages naming a producer that does not exist
};

// One run of aq_throughput over a fresh channel; throws std::runtime_error
// when it does not finish in time or delivery is wrong.
template <channels::Channel C>
double throughput_run(const ProtocolPlan& plan, int pairs) {
  using Payload = typename C::value_type;
  const auto producers = static_cast<std::size_t>(pairs);
  const std::uint64_t share = plan.work / producers;
  const std::uint64_t expected = share * producers;
  if (share >= (std::uint64_t{1} << Payload::seq_bits))
    throw std::invalid_argument("aq_throughput: too many messages per producer for the payload's sequence field");

  auto channel = std::make_unique<C>(plan.capacity);
  StartLine line(2 * pairs);
  std::atomic<bool> ending{false}, done{false};
  padding::Padded<std::atomic<std::uint64_t>> received;
  std::atomic<std::uint64_t> first_start{~std::uint64_t{0}}, end_ns{0};
  std::vector<Received> ledgers(producers, Received{std::vector<std::uint64_t>(producers), std::vector<std::uint64_t>(producers)});

  auto finish = [&] {
    end_ns.store(now_ns(), std::memory_order_relaxed);
    done.store(true, std::memory_order_release);
    channel_io::end_window(*channel);  // a blocking consumer asleep in recv wakes and sees the end
  };
  auto produce = [&](std::size_t p) {
    pin(plan, p);
    line.arrive_and_wait();
    std::uint64_t started = now_ns(), seen = first_start.load(std::memory_order_relaxed);
    while (started < seen && !first_start.compare_exchange_weak(seen, started, std::memory_order_relaxed)) {}
    std::uint64_t failed = 0;
    for (std::uint64_t seq = 0; seq < share; ++seq) {
      Payload m = Payload::make(static_cast<int>(p), seq, 0);
      if (!channel_io::send(*channel, m, ending, failed)) return;
    }
  };
  auto consume = [&](std::size_t c) {
    pin(plan, producers + c);
    line.arrive_and_wait();
    Received& mine = ledgers[c];
    std::uint64_t unflushed = 0;
    auto record = [&](const Payload& m) {
      const auto p = static_cast<std::size_t>(m.producer_index());
      if (p >= producers) ++mine.foreign;
      else ++mine.count[p], mine.seq_sum[p] += m.seq_field();
      ++unflushed;
    };
    // Delivered messages are counted in batches of 64, so the shared count
    // costs one RMW per 64 messages, not one each.
    auto flush = [&] {
      if (unflushed == 0) return;
      // The flush that reaches the total ends the run (a duplicating channel
      // may overshoot it; the exactly-once check below says so).
      const std::uint64_t before = received->fetch_add(unflushed, std::memory_order_acq_rel);
      if (before < expected && before + unflushed >= expected) finish();
      unflushed = 0;
    };
    Payload m{};
    while (true) {
      if (channel->try_recv(m)) {
        record(m);
        if (unflushed == 64) flush();
        continue;
      }
      flush();
      if (done.load(std::memory_order_acquire) || ending.load(std::memory_order_relaxed)) return;
      if constexpr (channels::Blocking<C>) {
        if (!channel->recv(m)) return;
        record(m);
      } else {
        cpu_relax();
      }
    }
  };

  std::vector<std::jthread> workers;
  for (std::size_t p = 0; p < producers; ++p) workers.emplace_back(produce, p);
  for (std::size_t c = 0; c < producers; ++c) workers.emplace_back(consume, c);
  const bool in_time = watch(done, ending, plan.run_limit, [&] { channel_io::end_window(*channel); });
  // A producer of a channel that duplicated messages may still be sending
  // after the total arrived: it gives up now.
  ending.store(true, std::memory_order_relaxed);
  workers.clear();  // joins

  if (!in_time)
    throw std::runtime_error("aq_throughput: a run did not finish in " + protocol_detail::limit_text(plan) + ": " + std::to_string(received->load()) + " of " + std::to_string(expected) +
                             " messages received");
  for (std::size_t p = 0; p < producers; ++p) {
    std::uint64_t count = 0, sum = 0;
    for (const Received& r : ledgers) count += r.count[p], sum += r.seq_sum[p];
    if (count != share || sum != share * (share - 1) / 2)
      throw std::runtime_error("aq_throughput: producer " + std::to_string(p) + "'s messages were not delivered exactly once (" +
                               std::to_string(count) + " received of " + std::to_string(share) + ")");
  }
  for (const Received& r : ledgers)
    if (r.foreign != 0) throw std::runtime_error("aq_throughput: a message named a producer that does not exist");
  return static_cast<double>(end_ns.load() - first_start.load()) * 1e-9;
}

// One run of aq_pingpong over two fresh channels; throws std::runtime_error
// when it does not finish in time or an echo is not the message sent.
template <channels::Channel C>
double pingpong_run(const ProtocolPlan& plan) {
  using Payload = typename C::value_type;
  auto ping = std::make_unique<C>(plan.capacity);
  auto pong = std::make_unique<C>(plan.capacity);
  StartLine line(2);
  std::atomic<bool> ending{false}, done{false};
  std::uint64_t start = 0, end = 0, trips = 0;
  std::string wrong;
  constexpr std::uint64_t mask = (std::uint64_t{1} << Payload::seq_bits) - 1;

  std::jthread pinger([&] {
    pin(plan, 0);
    line.arrive_and_wait();
    std::uint64_t failed = 0;
    start = now_ns();
    for (std::uint64_t k = 0; k < plan.work; ++k) {
      Payload m = Payload::make(0, k & mask, 0);
      if (!channel_io::send(*ping, m, ending, failed) || !channel_io::recv(*pong, m, ending, failed)) break;
      if (m.seq_field() != (k & mask)) {
        wrong = "aq_pingpong: round trip " + std::to_string(k) + " came back with another message";
        break;
      }
      ++trips;
    }
    end = now_ns();
    if (trips != plan.work) {  // gave up: the echoer may wait for a message that will not come
      ending.store(true, std::memory_order_relaxed);
      channel_io::end_window(*ping);
      channel_io::end_window(*pong);
    }
    done.store(true, std::memory_order_release);
  });
  std::jthread echoer([&] {
    pin(plan, 1);
    line.arrive_and_wait();
    std::uint64_t failed = 0;
    Payload m{};
    for (std::uint64_t k = 0; k < plan.work; ++k)
      if (!channel_io::recv(*ping, m, ending, failed) || !channel_io::send(*pong, m, ending, failed)) return;
  });
  const bool in_time = watch(done, ending, plan.run_limit, [&] {
    channel_io::end_window(*ping);
    channel_io::end_window(*pong);
  });
  pinger.join();
  echoer.join();
  if (!wrong.empty()) throw std::runtime_error(wrong);
  if (!in_time || trips != plan.work)
    throw std::runtime_error("aq_pingpong: a run did not finish in " + protocol_detail::limit_text(plan) + ": " + std::to_string(trips) + " of " + std::to_string(plan.work) + " round trips");
  return static_cast<double>(end - start) * 1e-9;
}

template <class Run>
ProtocolRuns repeat(int runs, Run run) {
  ProtocolRuns result;
  try {
    for (int r = 0; r < runs; ++r) result.seconds.push_back(run());
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

}  // namespace protocol_detail

// aq_throughput: `pairs` producers and as many consumers, plan.runs runs.
template <channels::Channel C>
ProtocolRuns run_protocol_throughput(const ProtocolPlan& plan, int pairs) {
  static_assert(C::semantics.multi_producer && C::semantics.multi_consumer, "aq_throughput needs an MPMC channel");
  return protocol_detail::repeat(plan.runs, [&] { return protocol_detail::throughput_run<C>(plan, pairs); });
}

// aq_pingpong: two threads, plan.runs runs of plan.work round trips.
template <channels::Channel C>
ProtocolRuns run_protocol_pingpong(const ProtocolPlan& plan) {
  return protocol_detail::repeat(plan.runs, [&] { return protocol_detail::pingpong_run<C>(plan); });
}

}  // namespace synclab::harness
