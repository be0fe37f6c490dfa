// channel_semantics.hpp — a channel's declared Semantics as one JSON object,
// for the results context (`channel_semantics`) and docs/channels.md, so a
// faster but weaker channel is never read as an equal of a stronger one.
//
//   {"bounded":true,"blocking":false,"order":"global_fifo","producers":"one",
//    "consumers":"one","close":false,"allocation":"none"}
//
// The text is exactly what the channel's `semantics` member says, nothing
// inferred.
#pragma once

#include <string>
#include <string_view>

#include "synclab/channels/concepts.hpp"
#include "synclab/harness/json.hpp"

namespace synclab::harness {

constexpr std::string_view to_string(channels::Order o) {
  switch (o) {
    case channels::Order::global_fifo: return "global_fifo";
    case channels::Order::per_producer_fifo: return "per_producer_fifo";
    case channels::Order::none: return "none";
  }
  return "unknown";
}

inline std::string semantics_json(const channels::Semantics& s) {
  auto flag = [](bool b) { return b ? std::string("true") : std::string("false"); };
  return "{\"bounded\":" + flag(s.bounded) + ",\"blocking\":" + flag(s.blocking) +
         ",\"order\":" + json_string(to_string(s.order)) +
         ",\"producers\":" + json_string(s.multi_producer ? "many" : "one") +
         ",\"consumers\":" + json_string(s.multi_consumer ? "many" : "one") + ",\"close\":" + flag(s.close) +
         ",\"allocation\":" + json_string(s.allocation) + "}";
}

}  // namespace synclab::harness
