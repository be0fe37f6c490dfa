// condvar_peers.hpp — every standard / libc condition variable measured beside
// ours (synclab::condvars::OurCondVars). Both are always available, so
// nothing is ever left out of this list.
#pragma once

#include "synclab/peers/pthread_cond.hpp"
#include "synclab/peers/std_condvar.hpp"
#include "synclab/type_list.hpp"

namespace synclab::peers {

using PeerCondVars = synclab::TypeList<StdCondvar, PthreadCond>;

}  // namespace synclab::peers
