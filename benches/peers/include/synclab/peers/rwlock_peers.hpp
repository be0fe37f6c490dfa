// rwlock_peers.hpp — every standard / libc / third-party reader-writer lock
// measured beside ours (synclab::rwlocks::OurRwLocks).
//
// A peer joins the typed tests and the rwlocks benchmark family by appearing
// here once; a peer whose library is not available is left out of the list,
// and kRwLockPeersMissing says which and why (the bench adds it to the
// results context as `rwlock_peers_missing`).
//
// BRAVO over std::shared_mutex (rwlocks/bravo.hpp, our transform applied to
// the standard lock) is listed here too: it needs the peer's adapter, and it
// is measured beside the plain std_shared_mutex.
#pragma once

#include "synclab/peers/ck_rwlock.hpp"
#include "synclab/peers/pthread_rwlock.hpp"
#include "synclab/peers/std_shared_mutex.hpp"
#include "synclab/peers/tbb_spin_rw_mutex.hpp"
#include "synclab/rwlocks/bravo.hpp"
#include "synclab/type_list.hpp"

namespace synclab::peers {

namespace rwlock_peers_detail {
using Always =
    synclab::TypeList<StdSharedMutex, PthreadRwlock, PthreadRwlockWriterPref, rwlocks::Bravo<StdSharedMutex>>;
#if SYNCLAB_HAVE_TBB
using Tbb = synclab::TypeList<TbbSpinRwMutex>;
#else
using Tbb = synclab::TypeList<>;
#endif
#if SYNCLAB_HAVE_CK
using Ck = synclab::TypeList<CkRwlock>;
#else
using Ck = synclab::TypeList<>;
#endif
}  // namespace rwlock_peers_detail

using PeerRwLocks =
    synclab::Concat<synclab::Concat<rwlock_peers_detail::Always, rwlock_peers_detail::Tbb>, rwlock_peers_detail::Ck>;

// What was left out, for the results context ("" when nothing). CK is also
// left out of every ThreadSanitizer build (benches/peers/CMakeLists.txt).
inline constexpr const char* kRwLockPeersMissing =
    SYNCLAB_HAVE_TBB ? (SYNCLAB_HAVE_CK ? ""
                                        : "ck_rwlock (Concurrency Kit not found: install libck-dev; never in "
                                          "ThreadSanitizer builds)")
    : SYNCLAB_HAVE_CK
        ? "tbb_spin_rw_mutex (oneTBB not found: install libtbb-dev)"
        : "tbb_spin_rw_mutex (oneTBB not found: install libtbb-dev); ck_rwlock (Concurrency Kit not found: install "
          "libck-dev; never in ThreadSanitizer builds)";

}  // namespace synclab::peers
