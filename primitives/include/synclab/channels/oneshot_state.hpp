// oneshot_state.hpp — the runtime-checked one-shot channel with its whole
// state in one atomic byte.
//
// Algorithm: a slot for one T and a state byte
//   EMPTY -> WRITING -> READY -> READING
//   send(v)   CAS EMPTY -> WRITING (abort if it fails: a second send), write
//             the message, store READY.
//   recv()    spin until the state is READY, then CAS READY -> READING and
//             move the message out. READING is final: the channel is spent.
//             A recv that finds READING aborts (a second receive), so does a
//             second receiver that loses the CAS to the first.
//   ready()   state == READY.
//   destructor  READY means sent and never received: destroy the message.
// Source: Rust Atomics and Locks, ch. 5, box "Using a Single Atomic for the
//   Channel State" (CH-3b in the seeds' digest). One byte instead of
//   oneshot.hpp's three flags; the two are measured side by side.
// Guarantees: one sender, one receiver, one message; the receiver spins
//   (cpu_relax) while the state is EMPTY or WRITING, so a sender preempted
//   mid-write keeps it spinning.
// Memory ordering:
//   CAS EMPTY -> WRITING   relaxed / relaxed: it only claims the slot; the
//                          byte's total modification order lets one send win.
//   store READY            release: publishes the message.
//   CAS READY -> READING   acquire on success, pairing with that store so the
//                          write of the message happens-before the move out;
//                          relaxed on failure (it reads nothing we use).
//   loads (spin, ready())  relaxed: hints; the acquire CAS decides.
// Allocation: none.
// Payload: T must be move-constructible.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <utility>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"

namespace synclab::channels {

template <class T>
class OneshotState {
 public:
  using value_type = T;
  static constexpr std::string_view name = "oneshot_state";
  static constexpr bool counts_futex_calls = true;  // never sleeps: makes no futex call
  static constexpr Semantics semantics{.bounded = true,
                                       .blocking = false,
                                       .order = Order::global_fifo,
                                       .multi_producer = false,
                                       .multi_consumer = false,
                                       .close = false,
                                       .allocation = "none"};

  OneshotState() = default;
  OneshotState(const OneshotState&) = delete;
  OneshotState& operator=(const OneshotState&) = delete;
  ~OneshotState() {
    if (state_.load(std::memory_order_relaxed) == kReady) message_.destroy();
  }

  void send(T v) {
    std::uint8_t expected = kEmpty;
    if (!state_.compare_exchange_strong(expected, kWriting, std::memory_order_relaxed,
                                        std::memory_order_relaxed)) {
      detail::misuse(name, "send called twice");
    }
    message_.construct(std::move(v));
    state_.store(kReady, std::memory_order_release);
  }

  [[nodiscard]] bool ready() const noexcept { return state_.load(std::memory_order_relaxed) == kReady; }

  T recv() {
    for (;;) {
      std::uint8_t seen = state_.load(std::memory_order_relaxed);
      if (seen == kReady) {
        if (state_.compare_exchange_strong(seen, kReading, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
          return message_.take();
        }
      }
      if (seen == kReading) detail::misuse(name, "recv called twice");
      synclab::cpu_relax();
    }
  }

 private:
  static constexpr std::uint8_t kEmpty = 0;
  static constexpr std::uint8_t kWriting = 1;
  static constexpr std::uint8_t kReady = 2;
  static constexpr std::uint8_t kReading = 3;  // final: the message has been taken

  detail::Storage<T> message_;
  std::atomic<std::uint8_t> state_{kEmpty};
};

static_assert(OneShot<OneshotState<long>>);

}  // namespace synclab::channels
