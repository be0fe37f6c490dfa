// refcount_peers.hpp — every standard / third-party reference count measured
// beside ours (synclab::refcount::OurRefCounts).
//
// A peer joins the typed tests and the benchmarks by appearing here once; a
// peer whose library is not available is left out of the list.
#pragma once

#include "synclab/peers/atomic_shared_ptr.hpp"
#include "synclab/peers/intrusive_ptr.hpp"
#include "synclab/peers/shared_ptr.hpp"
#include "synclab/refcount/detail.hpp"
#include "synclab/type_list.hpp"

namespace synclab::peers {

// Thread-safe strong handles (RefCountedHandle).
#if SYNCLAB_HAVE_BOOST_INTRUSIVE_PTR
template <class T>
using PeerRefCounts = synclab::TypeList<SharedPtr<T>, SharedPtrNew<T>, IntrusivePtr<T>>;
#else
template <class T>
using PeerRefCounts = synclab::TypeList<SharedPtr<T>, SharedPtrNew<T>>;
#endif

// Weak references (WeakRefCountedHandle): std::weak_ptr::lock.
template <class T>
using PeerWeakRefCounts = synclab::TypeList<WeakPtr<T>>;

// Shared slots (load / store): std::atomic<std::shared_ptr<T>>.
// Left out of ThreadSanitizer builds: libstdc++ 12 guards the slot with a
// lock bit TSan does not know, and load() reads the object pointer under it
// and then unlocks with a relaxed RMW, which TSan reports as a data race
// with the next store (a known report against GCC 12, google/sanitizers#1558).
#if SYNCLAB_REFCOUNT_TSAN
template <class T>
using PeerAtomicSlots = synclab::TypeList<>;
#else
template <class T>
using PeerAtomicSlots = synclab::TypeList<AtomicSharedPtr<T>>;
#endif

// What was left out, for the results context ("" when nothing).
inline constexpr const char* kRefcountPeersMissing =
    SYNCLAB_HAVE_BOOST_INTRUSIVE_PTR ? (SYNCLAB_REFCOUNT_TSAN ? "atomic_shared_ptr (ThreadSanitizer build)" : "")
    : SYNCLAB_REFCOUNT_TSAN
        ? "intrusive_ptr (Boost headers not found: install libboost-dev); atomic_shared_ptr (ThreadSanitizer build)"
        : "intrusive_ptr (Boost headers not found: install libboost-dev)";

}  // namespace synclab::peers
