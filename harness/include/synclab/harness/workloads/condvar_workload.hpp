// condvar_workload.hpp — the scenarios of the condvars family, written once
// against synclab::condvars::ConditionVariable (docs/condvars.md).
//
//   signal_latency   SignalLatencyWorkload: workers in pairs, 2p the producer
//                    and 2p+1 the consumer of pair p (odd thread counts are not
//                    registered). The producer waits until the one-item slot
//                    is empty, then, under the mutex, stores a sequence number
//                    and a timestamp and marks it full; it unlocks and
//                    notify_one()s. The consumer waits until the slot is full
//                    and, with the mutex relocked, records now - timestamp: the
//                    latency of one signal (unlock, notify, wake-up, relock),
//                    empties the slot and notifies the producer. One operation
//                    is one item produced or consumed.
//   notify_one       NotifyOneWorkload: worker 0 posts tokens (under the
//                    mutex, then notify_one()), at most one per waiter
//                    outstanding; every other worker waits for a token and
//                    takes it. One operation is one token posted or taken;
//                    waits_satisfied_per_sec counts the tokens taken.
//   notify_all       NotifyAllWorkload: worker 0 starts a round (a new round
//                    number under the mutex, then notify_all()) and waits until
//                    every other worker has seen it; each of them waits for
//                    the next round. The round latency is from the notify to
//                    the last waiter's acknowledgement: the thundering herd
//                    re-taking the mutex one by one is inside it.
//
// Notifications are sent after the unlock (Rust Atomics and Locks' and the
// C++ guidelines' placement; notifying under the lock makes the woken thread
// sleep again on the mutex with some condvars). Every wait is in a loop on
// its condition, so spurious and stolen wake-ups are counted, not trusted.
//
// end_window() (harness::WindowEnding) sets `closing` under every mutex and
// notify_all()s every condition variable: each sleeper wakes, sees closing
// and returns; any later operation returns without waiting. All shared state
// is plain data under the workload's mutex, so ThreadSanitizer checks the
// condition variable's relocking too.
//
// verify() (after the window) checks what each scenario's bookkeeping must
// show, and that none of our condvars' waits ran out its counter-wrap guard
// (condvars/futex_wait_for.hpp): such a wait was a lost wake-up that the
// guard, not a notification, ended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "synclab/condvars/concepts.hpp"
#include "synclab/condvars/futex_wait_for.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/harness/driver.hpp"
#include "synclab/harness/histogram.hpp"
#include "synclab/harness/metrics.hpp"

namespace synclab::harness {

namespace condvar_detail {

inline std::optional<double> per_second(std::uint64_t count, const RunResult& run) {
  return harness::per_second(static_cast<double>(count), run.elapsed_s);
}

inline std::optional<double> ratio(std::uint64_t part, std::uint64_t whole) {
  return per(static_cast<double>(part), static_cast<double>(whole));
}

// Our condvars' waits are limited to condvars::kCounterWrapGuard; one that
// ran out during the run was a wake-up that never came.
class LostWakeupCheck {
 public:
  LostWakeupCheck() : expired_at_start_(condvars::timed_out_waits().load(std::memory_order_relaxed)) {}
  [[nodiscard]] std::string verify() const {
    const std::uint64_t expired = condvars::timed_out_waits().load(std::memory_order_relaxed) - expired_at_start_;
    if (expired == 0) return {};
    return std::to_string(expired) + " condvar waits ran out their " +
           std::to_string(condvars::kCounterWrapGuard.count()) + " s guard: lost wake-ups";
  }

 private:
  std::uint64_t expired_at_start_;
};

inline std::uint64_t elapsed_since(std::uint64_t stamp_ns) {
  const std::uint64_t now = now_ns();
  return now > stamp_ns ? now - stamp_ns : 0;
}

}  // namespace condvar_detail

template <condvars::ConditionVariable CV>
class SignalLatencyWorkload {
  using Mutex = typename CV::mutex_type;

 public:
  static constexpr bool counts_futex_calls = futex_counted<CV, Mutex>;
  explicit SignalLatencyWorkload(int threads)
      : pair_count_(static_cast<std::size_t>(threads / 2)), pairs_(std::make_unique<Pair[]>(pair_count_)) {}

  void operation(WorkerContext& ctx) {
    Pair& p = pairs_[static_cast<std::size_t>(ctx.index / 2)];
    if (ctx.index % 2 == 0)
      produce(p);
    else
      consume(p);
  }
  void think(WorkerContext&) {}

  void end_window() {
    for (std::size_t i = 0; i < pair_count_; ++i) {
      Pair& p = pairs_[i];
      {
        const std::lock_guard held(p.mutex);
        p.closing = true;
      }
      p.filled.notify_all();
      p.emptied.notify_all();
    }
  }

  // After the run: every item consumed exactly once, in order.
  [[nodiscard]] std::string verify(const RunResult&) const {
    if (std::string lost = lost_wakeups_.verify(); !lost.empty()) return lost;
    for (std::size_t i = 0; i < pair_count_; ++i) {
      const Pair& p = pairs_[i];
      if (p.out_of_order != 0)
        return "pair " + std::to_string(i) + ": " + std::to_string(p.out_of_order) + " items consumed out of order";
      const std::uint64_t expected = p.produced - (p.full ? 1 : 0);
      if (p.consumed != expected)
        return "pair " + std::to_string(i) + ": " + std::to_string(p.consumed) + " items consumed, " +
               std::to_string(expected) + " expected";
    }
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    LatencyHistogram all;
    std::uint64_t consumed = 0, slept = 0;
    for (std::size_t i = 0; i < pair_count_; ++i) {
      all.merge(pairs_[i].latency);
      consumed += pairs_[i].consumed;
      slept += pairs_[i].consumed_after_sleep;
    }
    Metrics out;
    put(out, "signals_per_sec", condvar_detail::per_second(consumed, run));
    put(out, "signal_slept_ratio", condvar_detail::ratio(slept, consumed));
    put_latency(out, "signal_lat", all);
    return out;
  }

 private:
  // One producer/consumer pair; its own lines, so pairs do not disturb each other.
  struct alignas(128) Pair {
    Mutex mutex;
    CV filled;   // consumer waits: the slot became full
    CV emptied;  // producer waits: the slot became empty
    // Under `mutex`:
    bool full = false;
    bool closing = false;
    std::uint64_t sequence = 0;  // of the item in the slot
    std::uint64_t stamp_ns = 0;  // when it was put there
    std::uint64_t produced = 0;
    std::uint64_t consumed = 0;
    std::uint64_t consumed_after_sleep = 0;
    std::uint64_t out_of_order = 0;
    // Consumer only:
    LatencyHistogram latency;
  };

  static void produce(Pair& p) {
    std::unique_lock held(p.mutex);
    while (p.full && !p.closing) p.emptied.wait(held);
    if (p.closing) return;
    p.sequence = ++p.produced;
    p.full = true;
    p.stamp_ns = now_ns();
    held.unlock();
    p.filled.notify_one();
  }

  static void consume(Pair& p) {
    std::unique_lock held(p.mutex);
    bool slept = false;
    while (!p.full && !p.closing) {
      p.filled.wait(held);
      slept = true;
    }
    if (!p.full) return;  // closing
    p.latency.record(condvar_detail::elapsed_since(p.stamp_ns));
    if (p.sequence != p.consumed + 1) ++p.out_of_order;
    ++p.consumed;
    if (slept) ++p.consumed_after_sleep;
    p.full = false;
    held.unlock();
    p.emptied.notify_one();
  }

  std::size_t pair_count_;
  std::unique_ptr<Pair[]> pairs_;
  condvar_detail::LostWakeupCheck lost_wakeups_;
};

template <condvars::ConditionVariable CV>
class NotifyOneWorkload {
  using Mutex = typename CV::mutex_type;

 public:
  static constexpr bool counts_futex_calls = futex_counted<CV, Mutex>;
  explicit NotifyOneWorkload(int threads) : capacity_(static_cast<std::uint64_t>(threads > 1 ? threads - 1 : 1)) {}

  void operation(WorkerContext& ctx) {
    if (ctx.index == 0)
      post();
    else
      take();
  }
  void think(WorkerContext&) {}

  void end_window() {
    {
      const std::lock_guard held(s_.mutex);
      s_.closing = true;
    }
    s_.posted_cv.notify_all();
    s_.space_cv.notify_all();
  }

  [[nodiscard]] std::string verify(const RunResult&) const {
    if (std::string lost = lost_wakeups_.verify(); !lost.empty()) return lost;
    if (s_.taken > s_.posted)
      return std::to_string(s_.taken) + " tokens taken, only " + std::to_string(s_.posted) + " posted";
    if (s_.tokens != s_.posted - s_.taken)
      return std::to_string(s_.tokens) + " tokens left, " + std::to_string(s_.posted - s_.taken) + " expected";
    if (s_.most_tokens > capacity_)
      return std::to_string(s_.most_tokens) + " tokens outstanding, capacity " + std::to_string(capacity_);
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    Metrics out;
    put(out, "waits_satisfied_per_sec", condvar_detail::per_second(s_.taken, run));
    put(out, "wakeups_per_sec", condvar_detail::per_second(s_.wakeups, run));
    put(out, "taken_after_sleep_ratio", condvar_detail::ratio(s_.taken_after_sleep, s_.taken));
    put(out, "empty_wakeup_ratio", condvar_detail::ratio(s_.empty_wakeups, s_.wakeups));
    return out;
  }

 private:
  struct alignas(128) Shared {
    Mutex mutex;
    CV posted_cv;  // waiters wait: a token was posted
    CV space_cv;   // the notifier waits: a token was taken from a full pool
    // Under `mutex`:
    std::uint64_t tokens = 0;
    std::uint64_t most_tokens = 0;
    bool notifier_sleeping = false;
    bool closing = false;
    std::uint64_t posted = 0;
    std::uint64_t taken = 0;
    std::uint64_t taken_after_sleep = 0;
    std::uint64_t wakeups = 0;        // returns from posted_cv.wait()
    std::uint64_t empty_wakeups = 0;  // ... that found no token (spurious or taken by another)
  };

  void post() {
    std::unique_lock held(s_.mutex);
    while (s_.tokens == capacity_ && !s_.closing) {
      s_.notifier_sleeping = true;
      s_.space_cv.wait(held);
    }
    s_.notifier_sleeping = false;
    if (s_.closing) return;
    ++s_.tokens;
    if (s_.tokens > s_.most_tokens) s_.most_tokens = s_.tokens;
    ++s_.posted;
    held.unlock();
    s_.posted_cv.notify_one();
  }

  void take() {
    std::unique_lock held(s_.mutex);
    bool slept = false;
    while (s_.tokens == 0 && !s_.closing) {
      s_.posted_cv.wait(held);
      slept = true;
      if (s_.closing) break;  // end_window()'s wake-up is not the condvar's
      ++s_.wakeups;
      if (s_.tokens == 0) ++s_.empty_wakeups;
    }
    if (s_.tokens == 0) return;  // closing
    --s_.tokens;
    ++s_.taken;
    if (slept) ++s_.taken_after_sleep;
    // Only a sleeping notifier needs the signal: the notify's cost is not
    // charged to every take, whichever condvar is measured.
    const bool wake_notifier = s_.notifier_sleeping;
    held.unlock();
    if (wake_notifier) s_.space_cv.notify_one();
  }

  const std::uint64_t capacity_;  // tokens outstanding at most: one per waiter
  Shared s_;
  condvar_detail::LostWakeupCheck lost_wakeups_;
};

template <condvars::ConditionVariable CV>
class NotifyAllWorkload {
  using Mutex = typename CV::mutex_type;

 public:
  static constexpr bool counts_futex_calls = futex_counted<CV, Mutex>;
  explicit NotifyAllWorkload(int threads)
      : waiters_(threads > 1 ? threads - 1 : 0), seen_(static_cast<std::size_t>(threads), 0) {}

  void operation(WorkerContext& ctx) {
    if (ctx.index == 0)
      run_round();
    else
      await_round(static_cast<std::size_t>(ctx.index));
  }
  void think(WorkerContext&) {}

  void end_window() {
    {
      const std::lock_guard held(s_.mutex);
      s_.closing = true;
    }
    s_.round_cv.notify_all();
    s_.acked_cv.notify_all();
  }

  // After the run: each round acknowledged once by every waiter, and no round
  // started before the previous one was complete.
  [[nodiscard]] std::string verify(const RunResult&) const {
    if (std::string lost = lost_wakeups_.verify(); !lost.empty()) return lost;
    if (s_.round == 0) return {};
    const std::uint64_t expected = (s_.round - 1) * static_cast<std::uint64_t>(waiters_) + s_.acked;
    if (s_.acks != expected)
      return std::to_string(s_.acks) + " acknowledgements for " + std::to_string(s_.round) + " rounds of " +
             std::to_string(waiters_) + " waiters, " + std::to_string(expected) + " expected";
    if (s_.completed + 1 < s_.round) return "a round started before the previous one completed";
    return {};
  }

  [[nodiscard]] Metrics extra_metrics(const RunResult& run) const {
    // Per round: per round started, the last one possibly cut by the window's end.
    const std::uint64_t rounds = s_.round;
    Metrics out;
    put(out, "rounds_per_sec", condvar_detail::per_second(s_.completed, run));
    put(out, "wakeups_per_round", condvar_detail::ratio(s_.wakeups, rounds));
    put(out, "spurious_wakeups_per_round", condvar_detail::ratio(s_.spurious_wakeups, rounds));
    const RunTotals t = run_totals(run);
    if (t.futex_waits && t.futex_wakes) {
      put(out, "futex_calls_per_round", per(*t.futex_waits + *t.futex_wakes, static_cast<double>(rounds)));
      put(out, "futex_waits_per_round", per(*t.futex_waits, static_cast<double>(rounds)));
      put(out, "futex_wakes_per_round", per(*t.futex_wakes, static_cast<double>(rounds)));
    }
    put_latency(out, "round_lat", s_.round_latency);
    return out;
  }

 private:
  struct alignas(128) Shared {
    Mutex mutex;
    CV round_cv;  // waiters wait: a new round started
    CV acked_cv;  // the notifier waits: the last waiter acknowledged
    // Under `mutex`:
    std::uint64_t round = 0;
    int acked = 0;  // acknowledgements of the current round
    bool closing = false;
    std::uint64_t acks = 0;
    std::uint64_t completed = 0;
    std::uint64_t stamp_ns = 0;  // when the current round was notified
    std::uint64_t wakeups = 0;            // returns from round_cv.wait()
    std::uint64_t spurious_wakeups = 0;   // ... that found no new round
    // Notifier only:
    LatencyHistogram round_latency;
  };

  void run_round() {
    std::unique_lock held(s_.mutex);
    if (s_.closing) return;
    ++s_.round;
    s_.acked = 0;
    s_.stamp_ns = now_ns();
    held.unlock();
    s_.round_cv.notify_all();
    held.lock();
    while (s_.acked < waiters_ && !s_.closing) s_.acked_cv.wait(held);
    if (s_.acked < waiters_) return;  // closing
    ++s_.completed;
    s_.round_latency.record(condvar_detail::elapsed_since(s_.stamp_ns));
  }

  void await_round(std::size_t index) {
    std::unique_lock held(s_.mutex);
    std::uint64_t& seen = seen_[index];  // under `mutex` too
    while (seen == s_.round && !s_.closing) {
      s_.round_cv.wait(held);
      if (s_.closing) break;  // end_window()'s wake-up is not the condvar's
      ++s_.wakeups;
      if (seen == s_.round) ++s_.spurious_wakeups;
    }
    if (seen == s_.round) return;  // closing
    seen = s_.round;
    ++s_.acks;
    const bool last = ++s_.acked == waiters_;
    held.unlock();
    if (last) s_.acked_cv.notify_one();
  }

  const int waiters_;
  std::vector<std::uint64_t> seen_;  // per waiter: the last round it acknowledged
  Shared s_;
  condvar_detail::LostWakeupCheck lost_wakeups_;
};

}  // namespace synclab::harness
