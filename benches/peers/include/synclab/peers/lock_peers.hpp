// lock_peers.hpp — every standard / libc lock measured beside ours.
//
// Same contract as synclab::locks::OurLocks: a peer joins the typed tests and
// the benchmarks by appearing here once. A peer whose library is not available
// is left out of the list, not commented out.
#pragma once

#include "synclab/peers/pthread_mutex.hpp"
#include "synclab/peers/pthread_spin.hpp"
#include "synclab/peers/std_mutex.hpp"
#include "synclab/type_list.hpp"

namespace synclab::peers {

using PeerLocks = synclab::TypeList<StdMutex, PthreadMutex, PthreadMutexAdaptive, PthreadSpin>;

}  // namespace synclab::peers
