// broken_combiners.hpp — a combining lock that is wrong on purpose.
//
// The real MCS combiner (locks/mcs_combiner.hpp) with one mistake switched on
// through its Waiting parameter, kept so tests/primitives/combining_test.cpp
// can show that its checks catch it. Never used for anything else; in no
// catalogue, never benchmarked.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/concepts.hpp"
#include "synclab/locks/mcs_combiner.hpp"

namespace synclab::testing {

// BROKEN: the combiner that leaves at its bound without handing over.
//
// The correct combiner serves at most MaxCombined calls queued behind it and
// then grants the lock to the next waiter, which runs its own call and
// combines in turn. This one stops serving at the bound and simply returns:
// the next waiter is never granted and never served, and neither is anyone
// queued behind it. The requests are lost, every later caller queues behind
// them, and the lock stops. It is hit whenever more than MaxCombined callers
// are queued behind a combiner: with a bound of 2 and 6 threads, within
// moments.
//
// Teardown: every waiting loop also watches a test-only `abandon` flag. When
// the progress check has seen the run stall, it calls abandon_waiters(): every
// stuck caller then runs its own call in place and returns, and from then on
// no call touches the queue or another caller's node (which may be gone), so
// the run can finish and report the stall instead of never exiting. After that
// the lock is garbage; it is only destroyed.
//
// Must be caught by: the combining progress check (a stall), see
// combining_test.cpp, McsCombinerBroken.*.
struct StopsAtBoundWaiting {
  static constexpr bool hands_over_at_bound = false;  // BROKEN: see above
  template <class Done>
  bool spin_until(Done&& done) noexcept {
    while (!done()) {
      if (abandon.load(std::memory_order_relaxed)) return false;
      cpu_relax();
    }
    return true;
  }
  [[nodiscard]] bool abandoned() const noexcept { return abandon.load(std::memory_order_relaxed); }
  std::atomic<bool> abandon{false};
};

class McsCombinerStopsAtBound : public locks::BasicMcsCombiner<2, StopsAtBoundWaiting> {
 public:
  static constexpr std::string_view name = "broken_mcs_combiner_stops_at_bound";

  void abandon_waiters() noexcept { waiting().abandon.store(true, std::memory_order_relaxed); }
};

static_assert(synclab::Combinable<McsCombinerStopsAtBound>);

}  // namespace synclab::testing
