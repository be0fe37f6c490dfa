// channel_io.hpp — one message in or out of a channel, the way every channel
// workload does it, so all channels are driven alike:
//
//   Blocking channels   send() / recv(): they sleep by their own means; the
//                       workload's end_window() closes the channel, which
//                       wakes every sleeper (send fails, recv drains then
//                       fails).
//   the others          try_send() / try_recv() in a loop with cpu_relax(),
//                       counting each failed attempt (failed attempts per
//                       message expose spinning), until it succeeds or the
//                       window has ended.
//
// A failed send leaves the message with the caller, so its sequence number is
// not used up.
#pragma once

#include <atomic>
#include <cstdint>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/channels/concepts.hpp"

namespace synclab::harness::channel_io {

// Sends `m`; false only if the window ended (or the channel was closed)
// first. `restamp(m)` is called after each failed attempt, so a time stamp in
// the message says when the successful attempt began.
template <channels::Channel C, class Restamp>
bool send(C& channel, typename C::value_type& m, const std::atomic<bool>& ending, std::uint64_t& failed,
          Restamp&& restamp) {
  if constexpr (channels::Blocking<C>) {
    return channel.send(m);
  } else {
    while (!channel.try_send(m)) {
      ++failed;
      if (ending.load(std::memory_order_relaxed)) return false;
      cpu_relax();
      restamp(m);
    }
    return true;
  }
}

template <channels::Channel C>
bool send(C& channel, typename C::value_type& m, const std::atomic<bool>& ending, std::uint64_t& failed) {
  return send(channel, m, ending, failed, [](auto&) {});
}

// Receives into `out`; false only if the window ended (or the channel was
// closed and drained) first.
template <channels::Channel C>
bool recv(C& channel, typename C::value_type& out, const std::atomic<bool>& ending, std::uint64_t& failed) {
  if constexpr (channels::Blocking<C>) {
    return channel.recv(out);
  } else {
    while (!channel.try_recv(out)) {
      ++failed;
      if (ending.load(std::memory_order_relaxed)) return false;
      cpu_relax();
    }
    return true;
  }
}

// Wakes whoever sleeps in the channel at the end of the window.
template <channels::Channel C>
void end_window(C& channel) {
  if constexpr (channels::Blocking<C>) channel.close();
}

}  // namespace synclab::harness::channel_io
