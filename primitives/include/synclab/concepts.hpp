// concepts.hpp — the interfaces every primitive and peer is measured through.
//
// The harness, the benchmarks and the tests are written once against these
// concepts, so an implementation of ours and a third-party peer are driven by
// exactly the same code. A new variant joins a family by modelling the concept
// and appearing once in that family's catalogue (see locks/catalog.hpp).
#pragma once

#include <concepts>
#include <string_view>

namespace synclab {

// Every primitive carries a stable, human-readable name. It becomes the
// `primitive` component of a benchmark name, so it must never change silently.
template <class P>
concept Named = requires {
  { P::name } -> std::convertible_to<std::string_view>;
};

// A mutual-exclusion lock: lock() blocks until the caller owns it, unlock() is
// called only by the owner. Default-constructible so the harness can own one.
template <class L>
concept Lockable = Named<L> && std::default_initializable<L> && requires(L& l) {
  l.lock();
  l.unlock();
};

// A lock that can also be tried without waiting.
template <class L>
concept TryLockable = Lockable<L> && requires(L& l) {
  { l.try_lock() } -> std::same_as<bool>;
};

// A queue lock whose waiters are represented by caller-provided nodes (MCS,
// CLH). Every call takes the calling thread's node explicitly: lock(n),
// try_lock(n) and the matching unlock(n) use the same node, which must stay
// alive and unused by anything else from lock(n) until unlock(n) returns.
// A node is not tied to one lock instance or to one thread between uses. Such
// a lock becomes a Lockable through locks/with_thread_local_node.hpp, which
// changes what is measured (a thread-local node lookup per call).
template <class L>
concept NodeLockable =
    Named<L> && std::default_initializable<L> && std::default_initializable<typename L::node_type> &&
    requires(L& l, typename L::node_type& n) {
      l.lock(n);
      l.unlock(n);
      { l.try_lock(n) } -> std::same_as<bool>;
    };

// A lock that can run a critical section given as a function: lock_combine(f)
// runs f() under mutual exclusion with every other critical section of the
// lock and returns f()'s result to the caller. f may run on another thread (a
// combiner that executes waiting callers' sections in one batch, as folly's
// DistributedMutex::lock_combine does), so f must not depend on the identity
// of the thread that runs it (no thread-locals, no lock held by the caller),
// must not throw (there may be nobody to catch it there: a throw terminates)
// and must not call lock_combine on the same lock. When lock_combine returns,
// f has run exactly once and its effects happen-before the return.
// locks/combining.hpp lifts every Lockable to this concept (lock(); f();
// unlock()), so one workload compares the same section across all locks.
namespace detail {
struct CombineProbe {
  int operator()() const noexcept { return 0; }
};
}  // namespace detail

template <class L>
concept Combinable = Named<L> && std::default_initializable<L> && requires(L& l, detail::CombineProbe f) {
  { l.lock_combine(f) } -> std::same_as<int>;
};

}  // namespace synclab
