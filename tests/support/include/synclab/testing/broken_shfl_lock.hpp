// broken_shfl_lock.hpp — ShflLock twins that are wrong on purpose, and a
// counting policy for the tests of the real one.
//
// BROKEN (ShflNeverStops): the shuffler ignores the batch bound and keeps
// moving waiters of its domain forward for as long as it finds them
// (locks/shfl_lock.hpp stops at MaxShuffles). A waiter of another domain is
// then overtaken by every same-domain waiter that arrives before the batch
// happens to run dry: with a steady stream of them, forever. The bound is the
// only thing between the NUMA policy and starvation.
// Must be caught by: the bypass-bound check on a synthetic two-domain map
// (tests/primitives/shfl_lock_test.cpp, ShflBroken.*): the remote waiter is
// overtaken by more than MaxShuffles - 1 waiters.
//
// BROKEN (ShflBlockingForgetsWake): the blocking variant hands the queue head
// to a parked waiter with the status exchange but never wakes it (the lost
// wake-up the exchange exists to prevent). The shuffler's early wake-ups
// hide it until a woken waiter parks again before its turn: then it sleeps
// while being the head, nobody ever takes the lock word, and every thread
// stalls behind it.
// Must be caught by: the progress check (a stall), run in a death-test child
// that exits with a known code when the stall is seen, since a thread asleep
// on a forgotten futex cannot be freed (shfl_lock_test.cpp, ShflBroken.*).
//
// Never use them for anything else; they are in no catalogue and never
// benchmarked.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/shfl_lock.hpp"

namespace synclab::testing {

struct NeverStopsShufflingWaiting : locks::ShflWaiting {
  static constexpr bool bounds_batches = false;  // BROKEN: see above
};

template <std::uint32_t MaxShuffles>
class ShflNeverStops : public locks::BasicShflLock<false, MaxShuffles, NeverStopsShufflingWaiting> {
 public:
  static constexpr std::string_view name = "broken_shfl_lock_never_stops";
};

struct ForgetsWakeWaiting : locks::ShflWaiting {
  static constexpr bool wakes_new_head = false;  // BROKEN: see above
};

class ShflBlockingForgetsWake : public locks::BasicShflLock<true, locks::kShflMaxShuffles, ForgetsWakeWaiting> {
 public:
  static constexpr std::string_view name = "broken_shfl_lock_blocking_forgets_wake";
};

// Not broken: the real waiting, counting the shuffler's wake-ups of parked
// waiters, for the test that the shuffler wakes the waiters it moves.
struct CountingShflWaiting : locks::ShflWaiting {
  void wake_shuffled(std::atomic<std::uint32_t>& status) noexcept {
    shuffled_wakes.fetch_add(1, std::memory_order_relaxed);
    locks::ShflWaiting::wake_shuffled(status);
  }
  std::atomic<std::uint32_t> shuffled_wakes{0};
};

class ShflBlockingCountingWakes : public locks::BasicShflLock<true, locks::kShflMaxShuffles, CountingShflWaiting> {
 public:
  [[nodiscard]] std::uint32_t shuffled_wakes() noexcept {
    return waiting().shuffled_wakes.load(std::memory_order_relaxed);
  }
};

static_assert(synclab::TryLockable<ShflNeverStops<3>>);
static_assert(synclab::TryLockable<ShflBlockingForgetsWake>);

}  // namespace synclab::testing
