// broken_cohort.hpp — a cohort lock that is wrong on purpose: it never gives
// the global lock up while its own domain has waiters.
//
// Never use it for anything else; it is in no catalogue and never benchmarked.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/cohort.hpp"

namespace synclab::testing {

// BROKEN: no pass bound. As long as a thread of the holder's domain is queued
// on the local lock, the global lock is passed on, so a busy domain keeps the
// lock forever and the threads of every other domain starve (mutual exclusion
// still holds: the defect is fairness, which is what the bound is for).
//
// Must be caught by: the handoff-order check of
// tests/primitives/cohort_lock_test.cpp (CohortBroken.*), which queues more
// threads of one domain than the bound allows behind the holder, then one
// thread of another domain, and expects that one to get in after exactly
// max_passes local handoffs. Here it comes last.
class CohortUnbounded : public locks::Cohort<std::numeric_limits<std::uint32_t>::max()> {
 public:
  static constexpr std::string_view name = "broken_cohort_unbounded";
};

static_assert(synclab::TryLockable<CohortUnbounded>);

}  // namespace synclab::testing
