// futex_source.hpp — where a run's futex figures come from, and when there
// are none.
//
// Two sources, in order of preference:
//   tracepoint  the kernel's futex syscall tracepoints, counted per worker
//               (futex_trace.hpp): every call of every primitive;
//   wait_layer  synclab's counted wait layer (wait/futex.hpp): exact for a
//               primitive whose every futex call goes through it, blind to
//               any other.
// Without the tracepoint, a primitive that may sleep some other way (a peer,
// std::mutex inside one of ours, std::atomic::wait) has no futex figures at
// all: a 0 there would claim it never sleeps. A 0 from the wait layer for a
// primitive of ours that never sleeps is a measurement, and is reported.
//
// Which primitives qualify is declared, not guessed: a type whose every
// futex call goes through the counted wait layer (or that makes none) says
//   static constexpr bool counts_futex_calls = true;
// A workload declares the same for the primitives it drives
// (`= futex_counted<L>`); the driver reads it from the workload type.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace synclab::harness {

enum class FutexSource { tracepoint, wait_layer, none };

constexpr std::string_view to_string(FutexSource s) {
  switch (s) {
    case FutexSource::tracepoint: return "tracepoint";
    case FutexSource::wait_layer: return "wait_layer";
    case FutexSource::none: return "none";
  }
  return "none";
}

// A primitive or workload whose futex calls the wait layer sees, every one.
template <class T>
concept FutexCounted = requires { requires T::counts_futex_calls; };

// All of them: what a workload driving several primitives declares.
template <class... Ts>
inline constexpr bool futex_counted = (FutexCounted<Ts> && ...);

// Every futex metric a case may publish: the driver's per operation and the
// families' per message, round trip or round. They are all present or all
// absent together.
inline constexpr std::array<std::string_view, 9> kFutexMetrics = {
    "futex_waits_per_op",    "futex_wakes_per_op",         "futex_waits_per_msg",
    "futex_wakes_per_msg",   "futex_waits_per_round_trip", "futex_wakes_per_round_trip",
    "futex_waits_per_round", "futex_wakes_per_round",      "futex_calls_per_round",
};

}  // namespace synclab::harness
