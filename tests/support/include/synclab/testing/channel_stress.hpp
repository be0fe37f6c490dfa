// channel_stress.hpp — the exactly-once, in-order check for a channel under
// concurrent producers and consumers, with a hang detector.
//
// What it does: `producers` threads each send `per_producer` messages
//   (Message: producer id, sequence number, checksum); `consumers` threads
//   receive until the end. The end is, with the blocking API, recv()
//   returning false after the calling thread closed the channel once every
//   producer had finished (so close/drain is checked too); with the try_ API,
//   a try_recv that fails after every producer has finished.
// What it checks:
//   - every message intact (checksum) and from a known producer and sequence:
//     otherwise `corrupt`;
//   - each message received at most once (`duplicates`, a shared seen-table)
//     and at least once (`missing`, counted after the end);
//   - per-producer order as each consumer sees it: a consumer must see every
//     producer's sequence numbers increasing (`out_of_order`). With one
//     consumer that is the whole per-producer FIFO guarantee.
// Hang detector: the calling thread watches the number of messages sent
//   and received. If it does not move for `stall_limit`, the run has hung
//   (a lost wake-up, a lost message in a blocking channel): with no on_stall
//   it prints what it saw and aborts, so a hang fails the test instead of
//   outliving the ctest timeout; with on_stall (negative tests), it calls it
//   (it must release every blocked thread, e.g. close the channel), stops the
//   try_ loops, reports stalled = true, and still aborts if the threads have
//   not all left kExitGrace later.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "synclab/padding/padded.hpp"
#include "synclab/testing/channel_testing.hpp"

namespace synclab::testing {

struct StressOptions {
  bool blocking_api = false;  // send/recv and close() at the end, instead of try_send/try_recv
  std::chrono::milliseconds stall_limit{30000};
  std::function<void()> on_stall;  // empty: a stall aborts the process
};

struct StressResult {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t corrupt = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t missing = 0;
  bool stalled = false;

  [[nodiscard]] bool ok() const noexcept {
    return !stalled && corrupt == 0 && duplicates == 0 && out_of_order == 0 && missing == 0 && received == sent;
  }
  [[nodiscard]] std::string describe() const {
    return "sent " + std::to_string(sent) + ", received " + std::to_string(received) + ", corrupt " +
           std::to_string(corrupt) + ", duplicates " + std::to_string(duplicates) + ", out of order " +
           std::to_string(out_of_order) + ", missing " + std::to_string(missing) +
           (stalled ? ", STALLED (hang detected)" : "");
  }
};

namespace detail {

inline constexpr std::chrono::seconds kExitGrace{10};
using Counter = padding::Padded<std::atomic<std::uint64_t>>;

struct ConsumerTally {
  std::uint64_t received = 0, corrupt = 0, duplicates = 0, out_of_order = 0;
};

}  // namespace detail

template <class C>
StressResult run_stress(C& channel, int producers, int consumers, std::uint64_t per_producer,
                        const StressOptions& options = {}) {
  const auto n_producers = static_cast<std::size_t>(producers);
  std::vector<std::atomic<std::uint8_t>> seen(n_producers * per_producer);
  std::vector<detail::Counter> progress(static_cast<std::size_t>(producers + consumers));
  std::vector<std::uint64_t> sent_by(n_producers, 0);
  std::vector<detail::ConsumerTally> tallies(static_cast<std::size_t>(consumers));
  std::atomic<int> producers_done{0};
  std::atomic<int> consumers_done{0};
  std::atomic<bool> stop{false};
  std::latch start(producers + consumers);

  auto produce = [&](int p) {
    start.arrive_and_wait();
    auto& my_progress = *progress[static_cast<std::size_t>(p)];
    std::uint64_t seq = 0;
    for (; seq < per_producer; ++seq) {
      Message m = Message::make(static_cast<std::uint32_t>(p), seq);
      if constexpr (channels::Blocking<C>) {
        if (options.blocking_api) {
          if (!channel.send(m)) break;  // closed early: only after a stall
          my_progress.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
      }
      unsigned attempts = 0;
      while (!channel.try_send(m)) {
        if (stop.load(std::memory_order_relaxed)) break;
        if (++attempts % 64 == 0) std::this_thread::yield();
      }
      if (stop.load(std::memory_order_relaxed)) break;
      my_progress.fetch_add(1, std::memory_order_relaxed);
    }
    sent_by[static_cast<std::size_t>(p)] = seq;
    producers_done.fetch_add(1, std::memory_order_release);
  };

  auto consume = [&](int c) {
    start.arrive_and_wait();
    auto& my_progress = *progress[n_producers + static_cast<std::size_t>(c)];
    detail::ConsumerTally tally;
    std::vector<std::int64_t> last(n_producers, -1);
    auto check = [&](const Message& m) {
      ++tally.received;
      my_progress.fetch_add(1, std::memory_order_relaxed);
      if (!m.intact() || m.producer >= n_producers || m.seq >= per_producer) {
        ++tally.corrupt;
        return;
      }
      if (seen[m.producer * per_producer + m.seq].exchange(1, std::memory_order_relaxed) != 0) ++tally.duplicates;
      auto& prev = last[m.producer];
      if (static_cast<std::int64_t>(m.seq) <= prev) ++tally.out_of_order;
      prev = static_cast<std::int64_t>(m.seq);
    };
    Message m;
    if constexpr (channels::Blocking<C>) {
      if (options.blocking_api) {
        while (channel.recv(m)) check(m);
        tallies[static_cast<std::size_t>(c)] = tally;
        consumers_done.fetch_add(1, std::memory_order_release);
        return;
      }
    }
    unsigned idle = 0;
    for (;;) {
      if (channel.try_recv(m)) {
        check(m);
        idle = 0;
        continue;
      }
      if (stop.load(std::memory_order_relaxed)) break;
      if (producers_done.load(std::memory_order_acquire) == producers) {
        // Every send has completed: a failure now means empty.
        if (channel.try_recv(m)) {
          check(m);
          continue;
        }
        break;
      }
      if (++idle % 64 == 0) std::this_thread::yield();
    }
    tallies[static_cast<std::size_t>(c)] = tally;
    consumers_done.fetch_add(1, std::memory_order_release);
  };

  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) threads.emplace_back(produce, p);
  for (int c = 0; c < consumers; ++c) threads.emplace_back(consume, c);

  using clock = std::chrono::steady_clock;
  StressResult result;
  bool closed = false;
  std::uint64_t last_total = 0;
  auto last_change = clock::now();
  auto stalled_at = clock::time_point{};
  while (consumers_done.load(std::memory_order_acquire) != consumers ||
         producers_done.load(std::memory_order_acquire) != producers) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if constexpr (channels::Blocking<C>) {
      if (options.blocking_api && !closed && producers_done.load(std::memory_order_acquire) == producers) {
        channel.close();
        closed = true;
      }
    }
    std::uint64_t total = 0;
    for (auto& counter : progress) total += counter->load(std::memory_order_relaxed);
    const auto now = clock::now();
    if (total != last_total) {
      last_total = total;
      last_change = now;
    } else if (!result.stalled && now - last_change >= options.stall_limit) {
      std::fprintf(stderr,
                   "channel stress: hang detected: no message sent or received for %lld ms (%llu operations "
                   "done, %d of %d producers and %d of %d consumers finished)\n",
                   static_cast<long long>(options.stall_limit.count()), static_cast<unsigned long long>(total),
                   producers_done.load(), producers, consumers_done.load(), consumers);
      std::fflush(stderr);
      if (!options.on_stall) std::abort();
      result.stalled = true;
      stalled_at = now;
      stop.store(true, std::memory_order_relaxed);
      options.on_stall();
    }
    if (result.stalled && now - stalled_at >= detail::kExitGrace) {
      std::fprintf(stderr, "channel stress: threads still blocked %lld s after on_stall(); aborting\n",
                   static_cast<long long>(detail::kExitGrace.count()));
      std::fflush(stderr);
      std::abort();
    }
  }
  for (auto& t : threads) t.join();

  for (std::size_t p = 0; p < n_producers; ++p) {
    result.sent += sent_by[p];
    for (std::uint64_t s = 0; s < sent_by[p]; ++s) {
      if (seen[p * per_producer + s].load(std::memory_order_relaxed) == 0) ++result.missing;
    }
  }
  for (const auto& t : tallies) {
    result.received += t.received;
    result.corrupt += t.corrupt;
    result.duplicates += t.duplicates;
    result.out_of_order += t.out_of_order;
  }
  return result;
}

}  // namespace synclab::testing
