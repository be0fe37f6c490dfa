// ring_census.hpp — counts the rings of the ring-list queues
// (channels/ring_list.hpp: faa_array_queue, lprq, lcrq) and checks them
// against the list's stated memory bound under sustained traffic.
//
// CountedReclaim<Tag> is a Reclaim policy for the queues' last template
// parameter: the shipped reclamation (the hazard pointers' scan), plus two
// counters, `live` (rings allocated and not yet unlinked or freed: the
// linked ones and those a sender is linking) and `retired` (unlinked, not
// yet freed). One pair of counters per Tag: a test gives each run its own.
// CountedReclaim<Tag, /*Scan=*/false> is the broken twin: a retired ring is
// never handed to the scan but kept in a list of the policy's own, freed
// only by release() once the queue's threads are gone (the memory check must
// see the retired count pass its bound).
//
// ring_memory<Q, Census>(per_producer, backlog): 2 producers send
// per_producer messages each, never more than about `backlog` ahead of the
// 2 consumers; a watcher samples the counters before the traffic starts and
// every 200 µs while it lasts, and once more at the end, and checks, with N the ring's capacity (Q::kRingSize), P
// producers and C consumers:
//   live    ≤ ⌈(m + P) / N⌉ + 1 + P + C, m the messages that may be in the
//             queue at the sample (sends begun − receives done, the latter
//             read first); ring_list.hpp: ⌈m / N⌉ + 1 linked rings, a
//             stalled enqueuer holding one cell of one ring back (+P in
//             the numerator), one ring per sender while it links (+P), one
//             per receiver between its unlinking CAS and the count (+C);
//   retired ≤ (C + 1) × 2 × H, H the hazard slots ever claimed: at most 2 × H
//             per thread that retires (the consumers, and the main thread).
// At the end, the queue empty: exactly 1 live ring; after its destruction,
// none (ring_memory_within; expect_rings_within_bound runs it over rings of
// 16 and 1024 cells, near empty and with a backlog of 8 rings). Every wait
// is bounded (the hang watchdog).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "synclab/channels/ring_list.hpp"
#include "synclab/testing/channel_testing.hpp"
#include "synclab/testing/hang_watchdog.hpp"

namespace synclab::testing {

template <class Tag, bool Scan = true>
struct CountedReclaim {
  // seq_cst: the watcher's reads and the queue's counts fall in one order
  // with its reads of the traffic counters (see ring_memory).
  static inline std::atomic<std::int64_t> live{0};
  static inline std::atomic<std::int64_t> retired{0};

  static void allocated() noexcept { live.fetch_add(1, std::memory_order_seq_cst); }
  static void unlinked() noexcept {
    retired.fetch_add(1, std::memory_order_seq_cst);
    live.fetch_sub(1, std::memory_order_seq_cst);
  }
  static void freed(bool was_retired) noexcept { (was_retired ? retired : live).fetch_sub(1, std::memory_order_seq_cst); }
  static void retire(void* ring, channels::ring_list::Hazards::Deleter d) {
    if constexpr (Scan) {
      channels::ring_list::Hazards::retire(ring, d);
    } else {
      const std::lock_guard guard(kept_mutex);
      kept.push_back({ring, d});
    }
  }
  // The twin's rings, freed; no thread may use the queue any more.
  static void release() {
    const std::lock_guard guard(kept_mutex);
    for (const Kept& k : kept) k.d(k.ring);
    kept.clear();
  }

 private:
  struct Kept {
    void* ring;
    channels::ring_list::Hazards::Deleter d;
  };
  static inline std::mutex kept_mutex;
  static inline std::vector<Kept> kept;
};

struct RingMemoryReport {
  bool within = true;         // every sample within the bound
  std::string first_excess;   // the first sample over it
  std::int64_t max_live = 0, max_retired = 0;
  std::uint64_t samples = 0;
  std::int64_t end_live = -1, after_destruction_live = -1;
};

template <class Q, class Census>
RingMemoryReport ring_memory(std::uint64_t per_producer, std::uint64_t backlog) {
  HangWatchdog watchdog(kHangLimit, Q::name, "ring memory bound");
  constexpr int kProducers = 2, kConsumers = 2;
  constexpr std::int64_t n = static_cast<std::int64_t>(Q::kRingSize);
  const std::uint64_t total = per_producer * kProducers;
  RingMemoryReport report;
  if (Census::live.load() != 0 || Census::retired.load() != 0) {
    report.within = false;
    report.first_excess = "the counters did not start at zero (a Tag used twice?)";
    return report;
  }
  auto q = std::make_unique<Q>(0);
  std::atomic<std::uint64_t> begun{0}, done{0};
  std::atomic<bool> stop{false};

  auto sample = [&](const char* when) {
    const auto d0 = static_cast<std::int64_t>(done.load(std::memory_order_seq_cst));
    const std::int64_t live = Census::live.load(std::memory_order_seq_cst);
    const std::int64_t retired = Census::retired.load(std::memory_order_seq_cst);
    const auto h = static_cast<std::int64_t>(std::max<std::size_t>(1, channels::ring_list::Hazards::slots_claimed()));
    const auto b1 = static_cast<std::int64_t>(begun.load(std::memory_order_seq_cst));
    const std::int64_t m = b1 - d0;
    const std::int64_t live_bound = (m + kProducers + n - 1) / n + 1 + kProducers + kConsumers;
    const std::int64_t retired_bound = (kConsumers + 1) * 2 * h;
    report.max_live = std::max(report.max_live, live);
    report.max_retired = std::max(report.max_retired, retired);
    ++report.samples;
    if ((live > live_bound || retired > retired_bound) && report.within) {
      report.within = false;
      std::ostringstream s;
      s << Q::name << " (" << when << "): live " << live << " rings (bound " << live_bound << ", " << m
        << " messages in flight, " << n << " a ring), retired " << retired << " (bound " << retired_bound
        << ", H = " << h << ")";
      report.first_excess = s.str();
    }
  };

  // The watcher samples first, then lets the traffic start: at least one
  // sample falls under traffic.
  std::atomic<bool> watching{false};
  std::thread watcher([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      sample("under traffic");
      watching.store(true, std::memory_order_release);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  while (!watching.load(std::memory_order_acquire)) std::this_thread::yield();
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p)
    threads.emplace_back([&, p] {
      for (std::uint64_t s = 0; s < per_producer; ++s) {
        while (begun.load(std::memory_order_seq_cst) - done.load(std::memory_order_seq_cst) >= backlog)
          std::this_thread::yield();
        begun.fetch_add(1, std::memory_order_seq_cst);
        Message m = Message::make(static_cast<std::uint32_t>(p), s);
        while (!q->try_send(m)) std::this_thread::yield();
      }
    });
  for (int c = 0; c < kConsumers; ++c)
    threads.emplace_back([&] {
      while (done.load(std::memory_order_relaxed) < total) {
        Message m;
        if (q->try_recv(m)) done.fetch_add(1, std::memory_order_seq_cst);
        else std::this_thread::yield();
      }
    });
  for (auto& t : threads) t.join();
  stop = true;
  watcher.join();
  sample("at the end");
  report.end_live = Census::live.load();
  q.reset();
  sample("after destruction");
  report.after_destruction_live = Census::live.load();
  Census::release();
  return report;
}

// The shipped reclamation: every sample within the bound, exactly one ring
// left once the queue is empty, none after its destruction.
template <class Q, class Census>
::testing::AssertionResult ring_memory_within(std::uint64_t per_producer, std::uint64_t backlog) {
  const RingMemoryReport r = ring_memory<Q, Census>(per_producer, backlog);
  if (!r.within) return ::testing::AssertionFailure() << r.first_excess;
  if (r.end_live != 1)
    return ::testing::AssertionFailure() << r.end_live << " live rings in the empty queue (expected 1)";
  if (r.after_destruction_live != 0)
    return ::testing::AssertionFailure() << r.after_destruction_live << " rings left after the destructor";
  return ::testing::AssertionSuccess() << "at most " << r.max_live << " live and " << r.max_retired
                                       << " retired rings over " << r.samples << " samples";
}

// One set of counters for each run of expect_rings_within_bound.
template <template <class, std::size_t, bool, class> class Queue, int Run>
struct RingRun {};

// Queue<Message, R, true, Reclaim> (Lprq, Lcrq): rings of 16 and 1024
// cells, near empty (a backlog under one ring) and with a backlog of 8
// rings, each within the bound.
template <template <class, std::size_t, bool, class> class Queue>
void expect_rings_within_bound() {
  using C1 = CountedReclaim<RingRun<Queue, 1>>;
  EXPECT_TRUE((ring_memory_within<Queue<Message, 16, true, C1>, C1>(50000, 8)));
  using C2 = CountedReclaim<RingRun<Queue, 2>>;
  EXPECT_TRUE((ring_memory_within<Queue<Message, 16, true, C2>, C2>(50000, 8 * 16)));
  using C3 = CountedReclaim<RingRun<Queue, 3>>;
  EXPECT_TRUE((ring_memory_within<Queue<Message, 1024, true, C3>, C3>(100000, 64)));
  using C4 = CountedReclaim<RingRun<Queue, 4>>;
  EXPECT_TRUE((ring_memory_within<Queue<Message, 1024, true, C4>, C4>(100000, 8 * 1024)));
}

}  // namespace synclab::testing
