// channel_payload.hpp — the messages of the channels family: 8, 64 or 256
// bytes, each carrying its producer, its sequence number and (1 in
// kStampEvery) the time it was sent, so the receiving side can check
// exactly-once delivery and per-producer order and measure how long the
// message spent in the channel (docs/channels.md).
//
//   ChannelPayload<8>    one 64-bit word: bits 0-31 the low 32 bits of the
//                        send time in ns (0: not stamped; an age is right
//                        below 4.29 s), bits 32-39 the producer (at most
//                        kMaxProducers), bits 40-63 the low 24 bits of the
//                        sequence number (the ledger rebuilds the full one).
//   ChannelPayload<64>   full 64-bit sequence number and send time, the
//   ChannelPayload<256>  producer, a 32-bit check word and filler words that
//                        all hold the same mix of sequence and producer: the
//                        receiver checks the check word and the first and
//                        last filler word, so a torn or stale copy is caught
//                        without reading the whole message.
// All are trivially copyable (Boost.Lockfree's queue and ck_ring need it)
// and default-constructible; the producer writes every byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace synclab::harness {

// Producers stamp one message in kStampEvery (by sequence number, so the
// stamped ones are independent of their latency): reading the clock for every
// message would cost more than a fast SPSC hand-off.
inline constexpr std::uint64_t kStampEvery = 16;
inline constexpr int kMaxProducers = 255;

namespace payload_detail {
constexpr std::uint64_t mix(std::uint64_t seq, std::uint32_t producer) noexcept {
  std::uint64_t x = (seq + 1) * 0x9E3779B97F4A7C15ull ^ (static_cast<std::uint64_t>(producer) << 56);
  return x ^ (x >> 29);
}
}  // namespace payload_detail

template <std::size_t Bytes>
struct ChannelPayload {
  static_assert(Bytes >= 32 && Bytes % 8 == 0, "8, 64, 256, ...: see the specialisation for 8");
  static constexpr std::size_t bytes = Bytes;
  static constexpr int seq_bits = 64;

  std::uint64_t seq = 0;
  std::uint64_t sent_ns = 0;
  std::uint32_t producer = 0;
  std::uint32_t check = 0;
  std::uint64_t filler[(Bytes - 24) / 8] = {};

  static ChannelPayload make(int producer_index, std::uint64_t sequence, std::uint64_t stamp_ns) noexcept {
    ChannelPayload p;
    p.seq = sequence;
    p.sent_ns = stamp_ns;
    p.producer = static_cast<std::uint32_t>(producer_index);
    const std::uint64_t fill = payload_detail::mix(sequence, p.producer);
    p.check = static_cast<std::uint32_t>(fill ^ (fill >> 32));
    for (std::uint64_t& w : p.filler) w = fill;
    return p;
  }
  [[nodiscard]] int producer_index() const noexcept { return static_cast<int>(producer); }
  [[nodiscard]] std::uint64_t seq_field() const noexcept { return seq; }
  [[nodiscard]] bool stamped() const noexcept { return sent_ns != 0; }
  [[nodiscard]] std::uint64_t age_ns(std::uint64_t now) const noexcept { return now - sent_ns; }
  [[nodiscard]] bool intact() const noexcept {
    const std::uint64_t fill = payload_detail::mix(seq, producer);
    constexpr std::size_t last = sizeof(filler) / sizeof(filler[0]) - 1;
    return check == static_cast<std::uint32_t>(fill ^ (fill >> 32)) && filler[0] == fill && filler[last] == fill;
  }
};

template <>
struct ChannelPayload<8> {
  static constexpr std::size_t bytes = 8;
  static constexpr int seq_bits = 24;

  std::uint64_t word = 0;

  static ChannelPayload make(int producer_index, std::uint64_t sequence, std::uint64_t stamp_ns) noexcept {
    std::uint64_t stamp = stamp_ns & 0xFFFFFFFFu;
    if (stamp_ns != 0 && stamp == 0) stamp = 1;  // 0 means "not stamped"
    return {stamp | (static_cast<std::uint64_t>(producer_index & 0xFF) << 32) | ((sequence & 0xFFFFFFu) << 40)};
  }
  [[nodiscard]] int producer_index() const noexcept { return static_cast<int>((word >> 32) & 0xFF); }
  [[nodiscard]] std::uint64_t seq_field() const noexcept { return word >> 40; }
  [[nodiscard]] bool stamped() const noexcept { return (word & 0xFFFFFFFFu) != 0; }
  [[nodiscard]] std::uint64_t age_ns(std::uint64_t now) const noexcept {
    return static_cast<std::uint32_t>(now - (word & 0xFFFFFFFFu));
  }
  [[nodiscard]] bool intact() const noexcept { return true; }  // no room for a check word: the sequence checks it
};

static_assert(sizeof(ChannelPayload<8>) == 8 && sizeof(ChannelPayload<64>) == 64 && sizeof(ChannelPayload<256>) == 256);
static_assert(std::is_trivially_copyable_v<ChannelPayload<8>> && std::is_trivially_copyable_v<ChannelPayload<256>>);

// The payload sizes the family sweeps.
inline constexpr std::size_t kPayloadSizes[] = {8, 64, 256};

}  // namespace synclab::harness
