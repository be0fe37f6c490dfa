// catalog.hpp — every lock of ours, in one list.
//
// The typed test suites (tests/primitives/) and the benchmark registrations are
// instantiated from this list, so adding a lock is one header in this directory
// plus one line here: it is then tested and measured like every other lock.
// Third-party and standard locks live in benches/peers (synclab::peers::PeerLocks).
#pragma once

#include "synclab/locks/anderson.hpp"
#include "synclab/locks/clh.hpp"
#include "synclab/locks/cna.hpp"
#include "synclab/locks/cohort.hpp"
#include "synclab/locks/flat_combining.hpp"
#include "synclab/locks/futex_mutex2.hpp"
#include "synclab/locks/futex_mutex3.hpp"
#include "synclab/locks/futex_mutex3_atomic_wait.hpp"
#include "synclab/locks/futex_mutex3_spin.hpp"
#include "synclab/locks/hemlock.hpp"
#include "synclab/locks/malthusian_mcs.hpp"
#include "synclab/locks/mcs.hpp"
#include "synclab/locks/mcs_combiner.hpp"
#include "synclab/locks/parking_lot.hpp"
#include "synclab/locks/qspinlock.hpp"
#include "synclab/locks/reciprocating.hpp"
#include "synclab/locks/shfl_lock.hpp"
#include "synclab/locks/tas_spin.hpp"
#include "synclab/locks/ticket.hpp"
#include "synclab/locks/ticket_backoff.hpp"
#include "synclab/locks/ttas_backoff.hpp"
#include "synclab/locks/ttas_spin.hpp"
#include "synclab/locks/ttas_waiting.hpp"
#include "synclab/locks/twa.hpp"
#include "synclab/locks/with_thread_local_node.hpp"
#include "synclab/type_list.hpp"

namespace synclab::locks {

using OurLocks = synclab::TypeList<
    TasSpin,
    TtasSpin,
    TtasBackoff,
    Ticket,
    FutexMutex2,
    FutexMutex3,
    FutexMutex3Spin<>,
    TicketBackoff,
    Anderson<>,
    WithThreadLocalNode<Mcs>,  // registered as "mcs": the TLS node lookup is measured too
    WithThreadLocalNode<Clh>,  // registered as "clh": likewise
    FutexMutex3AtomicWait,
    FutexMutex3Spin<0>,
    FutexMutex3Spin<10>,
    FutexMutex3Spin<1000>,
    TtasYield,  // ttas_spin's waiting policy axis: ttas_spin itself is the pure-spin point
    TtasPark,
    Cohort<>,
    ParkingLot,
    Hemlock,
    Twa,
    Reciprocating,
    Qspinlock,
    WithThreadLocalNode<Cna>,            // registered as "cna", as mcs
    WithThreadLocalNode<MalthusianMcs>,  // registered as "malthusian_mcs", as mcs
    ShflLock,          // its queue nodes live on lock()'s stack: no node adapter
    ShflLockBlocking>;

// The node-passing queue locks, also measured with a node per thread, without
// the adapter (registered as "<name>_node").
using OurNodeLocks = synclab::TypeList<Mcs, Clh, Cna, MalthusianMcs>;

// The combining locks (synclab::Combinable): measured through lock_combine
// in the lock_combine scenario (benches/lock_combine.cpp), beside every lock
// above running the same critical section with lock()/unlock().
using OurCombiningLocks = synclab::TypeList<FlatCombining, McsCombiner>;

}  // namespace synclab::locks
