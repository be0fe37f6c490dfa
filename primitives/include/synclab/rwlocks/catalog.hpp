// rwlocks/catalog.hpp — every reader-writer lock of ours, in one list.
//
// The typed tests (tests/primitives/rwlock_*_test.cpp) and the rwlocks
// benchmark family are instantiated from this list; the standard, libc and
// third-party ones are synclab::peers::PeerRwLocks.
#pragma once

#include "synclab/rwlocks/rw_minimal.hpp"
#include "synclab/rwlocks/rw_writer_counter.hpp"
#include "synclab/rwlocks/rw_writer_pref.hpp"
#include "synclab/type_list.hpp"

namespace synclab::rwlocks {

// The three steps of Rust Atomics and Locks ch. 9, in the book's order.
using OurRwLocks = synclab::TypeList<RwMinimal, RwWriterCounter, RwWriterPref>;

}  // namespace synclab::rwlocks
