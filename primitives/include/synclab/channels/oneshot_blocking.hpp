// oneshot_blocking.hpp — a one-shot channel whose receiver sleeps on a futex
// until the message is there; the sender makes the wake syscall only when
// the receiver actually went to sleep.
//
// Algorithm: a slot for one T and one 32-bit state word of flags, which is
//   also the futex word:
//     kSent       a sender has claimed the slot (a second send aborts)
//     kReady      the message is written
//     kSleeping   the receiver is asleep, or about to be
//     kReceiving  a receiver has claimed the message (a second recv aborts)
//   send(v)   fetch_or(kSent): abort if it was set; write; fetch_or(kReady);
//             if the old value had kSleeping, futex_wake_one.
//   recv()    fetch_or(kReceiving): abort if it was set. Then, until kReady:
//             fetch_or(kSleeping); if that returned kReady, done; otherwise
//             futex_wait(word, value with kSleeping) and look again.
//   ready()   kReady is set.
// No lost wake-up: kSleeping and kReady live in the same word, so the
//   receiver's fetch_or and the sender's fetch_or are totally ordered. If the
//   sender's comes first, the receiver's returns kReady and it does not
//   sleep; if the receiver's comes first, the sender sees kSleeping and
//   wakes it, and a futex_wait that starts after the sender's fetch_or finds
//   the word changed and returns at once.
// Source: Rust Atomics and Locks, ch. 5 "Blocking" (CH-6 in the seeds'
//   digest), where the receiver parks its thread and the sender always
//   unparks it. Here any thread may receive (the futex word is the meeting
//   point, not a thread handle), and the wake is skipped when the receiver
//   never slept: a sender that comes first costs no syscall (tests check it
//   with wait::wait_counters()).
// Wake after the store: send() wakes the receiver with a futex call on the
//   state word's address after the fetch_or that published the message. The
//   receiver may return from recv() and destroy the channel in between (as a
//   one-shot's owner does); the wake then names freed memory. That is
//   harmless for a futex: the kernel uses the address of a private futex only
//   as a key and reads nothing there, so the call wakes nobody, or a futex
//   waiter that happens to sleep on reused memory at that address, spuriously
//   (every futex waiter re-checks its condition). No access from user space
//   follows the fetch_or (tests/primitives/lifetime_test.cpp destroys the
//   channel while the sender is held between the two). A primitive that needs
//   a wake after its release does the same throughout this library.
// Guarantees: one sender, one receiver, one message. The receiver sleeps
//   without spinning first, so the sender's delay costs it no CPU but a
//   wake-up latency; a sender preempted before kReady keeps it asleep.
// Memory ordering:
//   fetch_or(kSent), fetch_or(kReceiving)  relaxed: claims; the word's total
//     modification order lets exactly one of each win.
//   fetch_or(kReady)     release: publishes the message.
//   fetch_or(kSleeping), load after waking  acquire: the read that sees
//     kReady synchronises with the sender's release, so the message write
//     happens-before the move out.
//   destructor: a relaxed load (nobody else can touch the channel then).
// Allocation: none.
// Payload: T must be move-constructible.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <utility>

#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/stall_point.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::channels {

template <class T>
class OneshotBlocking {
 public:
  using value_type = T;
  static constexpr std::string_view name = "oneshot_blocking";
  static constexpr bool counts_futex_calls = true;  // sleeps only through wait/futex.hpp, which counts every call
  static constexpr Semantics semantics{.bounded = true,
                                       .blocking = true,
                                       .order = Order::global_fifo,
                                       .multi_producer = false,
                                       .multi_consumer = false,
                                       .close = false,
                                       .allocation = "none"};

  OneshotBlocking() = default;
  OneshotBlocking(const OneshotBlocking&) = delete;
  OneshotBlocking& operator=(const OneshotBlocking&) = delete;
  ~OneshotBlocking() {
    const std::uint32_t s = state_.load(std::memory_order_relaxed);
    if ((s & kReady) != 0 && (s & kReceiving) == 0) message_.destroy();
  }

  void send(T v) {
    if ((state_.fetch_or(kSent, std::memory_order_relaxed) & kSent) != 0) {
      detail::misuse(name, "send called twice");
    }
    message_.construct(std::move(v));
    const bool receiver_sleeps = (state_.fetch_or(kReady, std::memory_order_release) & kSleeping) != 0;
    stall_point(StallPoint::after_release, this);
    if (receiver_sleeps) {
      wait::futex_wake_one(state_);
    }
  }

  [[nodiscard]] bool ready() const noexcept { return (state_.load(std::memory_order_relaxed) & kReady) != 0; }

  T recv() {
    if ((state_.fetch_or(kReceiving, std::memory_order_relaxed) & kReceiving) != 0) {
      detail::misuse(name, "recv called twice");
    }
    std::uint32_t seen = state_.load(std::memory_order_acquire);
    while ((seen & kReady) == 0) {
      seen = state_.fetch_or(kSleeping, std::memory_order_acquire);
      if ((seen & kReady) != 0) break;
      wait::futex_wait(state_, seen | kSleeping);
      seen = state_.load(std::memory_order_acquire);
    }
    return message_.take();
  }

 private:
  static constexpr std::uint32_t kSent = 1u << 0;
  static constexpr std::uint32_t kReady = 1u << 1;
  static constexpr std::uint32_t kSleeping = 1u << 2;
  static constexpr std::uint32_t kReceiving = 1u << 3;

  detail::Storage<T> message_;
  std::atomic<std::uint32_t> state_{0};
};

static_assert(OneShot<OneshotBlocking<long>>);

}  // namespace synclab::channels
