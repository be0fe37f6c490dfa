// reclaim/concepts.hpp — the interface every memory-reclamation scheme (ours
// and the peers) is measured and tested through: read-mostly publication.
//
// A publication P<T> owns one shared slot that always holds a current object
// of type T. Readers look at the current object; a writer replaces it; the
// replaced object is retired and freed (its destructor runs, exactly once)
// only when no reader can still be looking at it.
//
//   P p(args...)            constructs the first current object from args.
//   typename P::handle h(p) a thread's membership in p (a hazard-pointer
//                           slot, an epoch or QSBR record, a liburcu thread
//                           registration; an empty object for schemes without
//                           per-thread state). Made and destroyed on the thread
//                           that uses it, before its first read and after its
//                           last; not shared between threads; at most one per
//                           thread and publication at a time. Every handle is
//                           destroyed before p.
//   h.read(f)               calls f(const T&) on the current object, which
//                           stays alive (not freed) until f returns, and
//                           returns f's result. f must not call read, update
//                           or quiescent on p (no nesting).
//   h.update(args...)       constructs a new object from args, makes it the
//                           current one and retires the object it replaced.
//                           Several threads may update at once: each retires
//                           exactly the object its own exchange replaced.
//   h.quiescent()           the calling thread holds no reference into p now
//                           (QSBR's announcement: a scheme whose readers do
//                           not mark their read sections frees nothing until
//                           every member has announced one after the retire).
//                           A no-op for schemes that track read sections.
//   ~P()                    frees the current object and every retired one
//                           still waiting.
//   P::name                 the stable name of the scheme;
//   P::object_bytes         the bytes one object occupies in this scheme's
//                           allocation (T plus the scheme's own header: the
//                           node of a retire list, a shared_ptr control block),
//                           so "objects awaiting reclamation" converts to
//                           bytes honestly.
//
// Destruction order of retired objects is unspecified; a scheme may free on
// the writer's thread, on a reader's, or on a background thread of its own
// (liburcu's call_rcu), but it frees every retired object at the latest in
// ~P(). What the object's destructor observes: every write made by the
// thread that retired it before the retiring update happens-before the
// destructor.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

#include "synclab/availability.hpp"
#include "synclab/concepts.hpp"

namespace synclab::reclaim {

template <class P, class T>
concept Publication =
    Named<P> && std::constructible_from<P, T> && std::constructible_from<typename P::handle, P&> &&
    requires(typename P::handle& h, const T& value) {
      { P::object_bytes } -> std::convertible_to<std::size_t>;
      { h.read([](const T&) { return 0; }) } -> std::same_as<int>;
      h.update(value);
      h.quiescent();
    };

// A scheme that needs something a machine may lack: synclab/availability.hpp.
using synclab::unavailable;

}  // namespace synclab::reclaim
