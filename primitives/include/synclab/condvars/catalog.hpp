// condvars/catalog.hpp — every condition variable of ours, in one list.
//
// The typed tests (tests/primitives/condvar_*_test.cpp) and the condvars
// family's cases (benches/condvars.cpp) are instantiated from it; the peers
// are in synclab/peers/condvar_peers.hpp.
#pragma once

#include "synclab/condvars/cv_counter.hpp"
#include "synclab/condvars/cv_counter_waiters.hpp"
#include "synclab/condvars/cv_requeue.hpp"
#include "synclab/type_list.hpp"

namespace synclab::condvars {

using OurCondVars = synclab::TypeList<CvCounter, CvCounterWaiters, CvRequeue>;

}  // namespace synclab::condvars
