// rwlocks/catalog.hpp — every reader-writer lock of ours, in one list.
//
// The typed tests (tests/primitives/rwlock_*_test.cpp) and the rwlocks
// benchmark family are instantiated from this list; the standard, libc and
// third-party ones are synclab::peers::PeerRwLocks (with BRAVO over
// std::shared_mutex, which needs the peer's adapter).
#pragma once

#include "synclab/rwlocks/bravo.hpp"
#include "synclab/rwlocks/per_cpu_rwlock.hpp"
#include "synclab/rwlocks/rw_minimal.hpp"
#include "synclab/rwlocks/rw_writer_counter.hpp"
#include "synclab/rwlocks/rw_writer_pref.hpp"
#include "synclab/type_list.hpp"

namespace synclab::rwlocks {

using BravoRwWriterPref = Bravo<RwWriterPref>;
static_assert(RwLockable<BravoRwWriterPref>);
static_assert(BravoRwWriterPref::name == "bravo_rw_writer_pref");
static_assert(sizeof(BravoRwWriterPref) == 24);
static_assert(PerCpuRwLock::name == "per_cpu_rw_writer_pref");

// The three steps of Rust Atomics and Locks ch. 9, in the book's order; then
// BRAVO over the last of them (Dice & Kogan 2019) and the per-CPU lock.
using OurRwLocks = synclab::TypeList<RwMinimal, RwWriterCounter, RwWriterPref, BravoRwWriterPref, PerCpuRwLock>;

}  // namespace synclab::rwlocks
