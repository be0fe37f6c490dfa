// channel_ledger.hpp — what one receiver saw, and the exactly-once check over
// all of them (docs/channels.md, "Correctness").
//
// Each receiver (every consumer, and the drain after the window) keeps one
// ReceiverLedger, written only by its own thread. Per producer it counts the
// messages and sums their sequence numbers and the squares of them (mod 2^64);
// after the run, for each producer that sent n messages, the counts must add
// up to n, the sums to 0+1+…+(n-1) and the squares to 0²+…+(n-1)²: a lost
// message, a duplicate, or a lost one replaced by a duplicate all change at
// least one of them. Order: a receiver must see each producer's sequence
// numbers strictly increase (what both global and per-producer FIFO promise
// to any single receiver; skipped for channels that promise no order).
//
// 8-byte payloads carry only 24 bits of the sequence number. The ledger
// rebuilds the full number from the last one it saw from that producer (a
// gap of 2^23 or more between two messages one receiver gets from one
// producer would be misread as a step back), and for a producer's first
// message from the producer's own progress counter, read once.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "synclab/harness/clock.hpp"
#include "synclab/harness/histogram.hpp"

namespace synclab::harness {

struct ProducerTally {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  std::uint64_t sum_squares = 0;
  std::uint64_t last = 0;  // full sequence number of the last message (valid when count > 0)
};

class ReceiverLedger {
 public:
  ReceiverLedger() = default;
  ReceiverLedger(int producers, bool check_order) : from_(static_cast<std::size_t>(producers)), check_order_(check_order) {}

  // Accounts one received message. `progress(p)` returns how many messages
  // producer p has sent so far (or more): used to rebuild a truncated
  // sequence number the first time this receiver hears from p.
  template <class Payload, class Progress>
  void accept(const Payload& m, Progress&& progress) {
    const int p = m.producer_index();
    if (p < 0 || p >= static_cast<int>(from_.size())) [[unlikely]] {
      flag("a message names producer " + std::to_string(p) + ", which does not exist");
      return;
    }
    if (!m.intact()) [[unlikely]] {
      flag("a message from producer " + std::to_string(p) + " arrived torn (its check words do not match)");
      return;
    }
    ProducerTally& t = from_[static_cast<std::size_t>(p)];
    const std::uint64_t seq = full_sequence<Payload>(m.seq_field(), t, progress(p));
    if (check_order_ && t.count > 0 && seq <= t.last) [[unlikely]]
      flag("producer " + std::to_string(p) + "'s message " + std::to_string(seq) + " arrived after its message " +
           std::to_string(t.last) + " (order or exactly-once broken)");
    ++t.count;
    t.sum += seq;
    t.sum_squares += seq * seq;
    t.last = std::max(t.last, seq);
    if (m.stamped()) latency_.record(m.age_ns(now_ns()));
  }

  [[nodiscard]] const std::vector<ProducerTally>& tallies() const { return from_; }
  [[nodiscard]] const LatencyHistogram& latency() const { return latency_; }
  [[nodiscard]] std::uint64_t received() const {
    std::uint64_t n = 0;
    for (const ProducerTally& t : from_) n += t.count;
    return n;
  }
  [[nodiscard]] std::uint64_t last_seen(int producer) const {
    const ProducerTally& t = from_[static_cast<std::size_t>(producer)];
    return t.count > 0 ? t.last + 1 : 0;
  }
  [[nodiscard]] const std::string& violation() const { return violation_; }

 private:
  template <class Payload>
  static std::uint64_t full_sequence(std::uint64_t field, const ProducerTally& t, std::uint64_t progress) {
    if constexpr (Payload::seq_bits >= 64) {
      return field;
    } else {
      constexpr std::uint64_t kMod = std::uint64_t{1} << Payload::seq_bits;
      constexpr std::uint64_t kMask = kMod - 1;
      if (t.count == 0) {
        // The message is one of the producer's first `progress` + 1: the
        // latest such number with these low bits.
        return progress - ((progress - field) & kMask);
      }
      const std::uint64_t next = t.last + 1;
      const std::uint64_t ahead = (field - next) & kMask;
      if (ahead < kMod / 2) return next + ahead;
      return t.last - (((t.last & kMask) - field) & kMask);  // a step back: reported by the order check
    }
  }

  void flag(std::string what) {
    if (violation_.empty()) violation_ = std::move(what);
  }

  std::vector<ProducerTally> from_;
  bool check_order_ = true;
  LatencyHistogram latency_;
  std::string violation_;
};

// 0 + 1 + … + (n-1) and 0² + 1² + … + (n-1)², mod 2^64: the divisions are
// exact on the factors before the (wrapping) products.
constexpr std::uint64_t sum_below(std::uint64_t n) {
  if (n == 0) return 0;
  return n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
}
constexpr std::uint64_t sum_of_squares_below(std::uint64_t n) {
  if (n == 0) return 0;
  std::uint64_t f[3] = {n, n - 1, 2 * n - 1};  // n(n-1)(2n-1)/6
  (f[0] % 2 == 0 ? f[0] : f[1]) /= 2;
  for (std::uint64_t& x : f)
    if (x % 3 == 0) {
      x /= 3;
      break;
    }
  return f[0] * f[1] * f[2];
}
static_assert(sum_below(5) == 10 && sum_of_squares_below(5) == 30 && sum_of_squares_below(1) == 0);

// "" when every producer's messages were each received exactly once by the
// ledgers together; otherwise what went wrong, for the first producer found.
inline std::string check_exactly_once(const std::vector<std::uint64_t>& sent, const std::vector<const ReceiverLedger*>& ledgers) {
  for (const ReceiverLedger* l : ledgers)
    if (!l->violation().empty()) return l->violation();
  for (std::size_t p = 0; p < sent.size(); ++p) {
    std::uint64_t count = 0, sum = 0, squares = 0;
    for (const ReceiverLedger* l : ledgers) {
      const ProducerTally& t = l->tallies()[p];
      count += t.count;
      sum += t.sum;
      squares += t.sum_squares;
    }
    const std::uint64_t n = sent[p];
    const std::string who = "producer " + std::to_string(p) + ": ";
    if (count < n) return who + std::to_string(n - count) + " of " + std::to_string(n) + " messages lost";
    if (count > n) return who + std::to_string(count - n) + " messages delivered twice (" + std::to_string(n) + " sent)";
    if (sum != sum_below(n) || squares != sum_of_squares_below(n))
      return who + "as many messages received as sent, but not the same ones (some lost, others duplicated)";
  }
  return {};
}

}  // namespace synclab::harness
