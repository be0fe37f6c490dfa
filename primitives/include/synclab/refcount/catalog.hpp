// refcount/catalog.hpp — every reference count of ours, in lists over the
// element type.
//
// The typed tests (tests/primitives/refcount_*_test.cpp) and the refcount
// benchmarks (benches/refcount.cpp) are instantiated from these lists, so a
// new count is one header in this directory plus one line here. Peers
// (std::shared_ptr, boost::intrusive_ptr, ...) live in
// benches/peers/include/synclab/peers/refcount_peers.hpp.
#pragma once

#include "synclab/refcount/arc.hpp"
#include "synclab/refcount/arc_acqrel.hpp"
#include "synclab/refcount/arc_weak.hpp"
#include "synclab/refcount/biased_rc.hpp"
#include "synclab/refcount/concepts.hpp"
#include "synclab/refcount/rc.hpp"
#include "synclab/refcount/sharded_rc.hpp"
#include "synclab/type_list.hpp"

namespace synclab::refcount {

// Counts that may be shared between threads.
template <class T>
using OurRefCounts = synclab::TypeList<Arc<T>, ArcAcqRel<T>, ArcWeak<T>, BiasedRc<T>, ShardedRc<T>>;

// Single-thread only (thread_safe == false): measured at t:1, tested on one thread.
template <class T>
using OurSingleThreadRefCounts = synclab::TypeList<Rc<T>>;

// Counts with weak references (WeakRefCountedHandle).
template <class T>
using OurWeakRefCounts = synclab::TypeList<ArcWeak<T>>;

}  // namespace synclab::refcount
