// census_functions.cpp — out-of-line copies of every primitive's hot functions, for the
// code-generation census (scripts/census; docs/architectures.md).
//
// Why: lock(), unlock() and try_lock() are small inline member functions. In the benchmark
//   binary they are inlined into the workload loop, where their instructions cannot be told
//   apart from the harness's. Here each one is instantiated once more as a [[gnu::noinline]]
//   function of its own, compiled with the same flags as the benchmark (the build's
//   CMAKE_CXX_FLAGS: -march, outline atomics), so a disassembler finds one stable symbol per
//   primitive and operation and nothing else in it.
//
// What: for every lock in synclab::locks::OurLocks and synclab::peers::PeerLocks (the same
//   lists the tests and benchmarks are instantiated from, so a new lock is covered without
//   touching this file):
//     lock, unlock, try_lock (when the lock has it), and for a queue lock behind
//     WithThreadLocalNode also the queue lock's own lock_node / unlock_node / try_lock_node
//     with a caller-provided node (the same operations without the thread-local lookup).
//   The wrappers are templates: the family and the primitive's name are spelled out in the
//   symbol as character packs, e.g.
//     void synclab_census::lock<synclab_census::Name<(char)108, ...>, Name<...>, FutexMutex3>(...)
//   which scripts/synclab/census reads back as synclab_census__locks__futex_mutex3__lock.
//
//   The combining locks of synclab::locks::OurCombiningLocks: their plain interface as above
//   (mcs_combiner through WithThreadLocalNode), and lock_combine with one fixed section (an
//   increment of the caller's counter, returned), e.g.
//   synclab_census__locks__flat_combining__lock_combine.
//
//   For every reader-writer lock in synclab::rwlocks::OurRwLocks and
//   synclab::peers::PeerRwLocks: lock, unlock, lock_shared, unlock_shared.
//
//   For every reclamation scheme in synclab::reclaim::OurPublications and
//   synclab::peers::PeerPublications: read (a read section around a read of an
//   int) and update, e.g. synclab_census__reclaim__ebr__read.
//
//   And the memory-ordering microcases of the book's Figure 7-1: load, store, exchange,
//   fetch_add, compare_exchange (strong and weak) on std::atomic<uint32_t> and
//   <uint64_t>, and atomic_thread_fence, for every valid ordering out of relaxed, acquire,
//   release, acq_rel and seq_cst, as extern "C" functions named
//     synclab_census__ordering__<u32|u64|fence>__<operation>_<order>
//   (a load cannot be release or acq_rel, a store cannot be acquire or acq_rel).
//
// Nothing here is ever called: the functions exist to be disassembled. A table of their
// addresses with external linkage keeps every instantiation in the object.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "synclab/concepts.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/peers/lock_peers.hpp"
#include "synclab/peers/reclaim_peers.hpp"
#include "synclab/peers/rwlock_peers.hpp"
#include "synclab/reclaim/catalog.hpp"
#include "synclab/refcount/catalog.hpp"
#include "synclab/rwlocks/catalog.hpp"
#include "synclab/type_list.hpp"

namespace synclab_census {

// A name spelled out in a symbol: Name<'l', 'o', 'c', 'k', 's'>.
template <char... Cs>
struct Name {};

template <class Named, std::size_t... I>
auto name_of(std::index_sequence<I...>) -> Name<Named::name[I]...>;

template <class Named>
using NameOf = decltype(name_of<Named>(std::make_index_sequence<Named::name.size()>{}));

struct Locks {
  static constexpr std::string_view name = "locks";
};

using AnyFunction = void (*)();

template <class F>
AnyFunction erase(F* f) noexcept {
  return reinterpret_cast<AnyFunction>(f);
}

// ---------------------------------------------------------------- locks

template <class Family, class Primitive, class L>
[[gnu::noinline]] void lock(L& l) {
  l.lock();
}

template <class Family, class Primitive, class L>
[[gnu::noinline]] void unlock(L& l) {
  l.unlock();
}

template <class Family, class Primitive, class L>
[[gnu::noinline]] bool try_lock(L& l) {
  return l.try_lock();
}

template <class Family, class Primitive, class L>
[[gnu::noinline]] void lock_node(L& l, typename L::node_type& n) {
  l.lock(n);
}

template <class Family, class Primitive, class L>
[[gnu::noinline]] void unlock_node(L& l, typename L::node_type& n) {
  l.unlock(n);
}

template <class Family, class Primitive, class L>
[[gnu::noinline]] bool try_lock_node(L& l, typename L::node_type& n) {
  return l.try_lock(n);
}

// A lock adapter that exposes the queue lock it wraps (locks/with_thread_local_node.hpp).
template <class L>
concept WrapsNodeLock = requires(L& l) {
  l.inner();
  requires synclab::NodeLockable<std::remove_cvref_t<decltype(l.inner())>>;
};

template <class Family, class L>
auto lock_functions() {
  using F = NameOf<Family>;
  using P = NameOf<L>;
  std::array<AnyFunction, 6> out{};
  out[0] = erase(&lock<F, P, L>);
  out[1] = erase(&unlock<F, P, L>);
  if constexpr (synclab::TryLockable<L>) {
    out[2] = erase(&try_lock<F, P, L>);
  }
  if constexpr (WrapsNodeLock<L>) {
    using Inner = std::remove_cvref_t<decltype(std::declval<L&>().inner())>;
    out[3] = erase(&lock_node<F, P, Inner>);
    out[4] = erase(&unlock_node<F, P, Inner>);
    out[5] = erase(&try_lock_node<F, P, Inner>);
  }
  return out;
}

template <class Family, class... Ls>
auto lock_table(synclab::TypeList<Ls...>) {
  return std::array{lock_functions<Family, Ls>()...};
}

// The combining locks' own entry point, with one fixed section. Flattened: lock_combine is a
// function template too large for the inliner, and its instructions must be in this symbol.
// The section is a named type, not a lambda: a lambda's own functions would carry this
// function's name in theirs and be taken for it.
struct CensusSection {
  std::uint64_t* counter;
  std::uint64_t operator()() const noexcept { return ++*counter; }
};

template <class Family, class Primitive, class L>
[[gnu::noinline, gnu::flatten]] std::uint64_t lock_combine(L& l, std::uint64_t& counter) {
  return l.lock_combine(CensusSection{&counter});
}

template <class Family, class... Ls>
auto combine_table(synclab::TypeList<Ls...>) {
  return std::array{erase(&lock_combine<NameOf<Family>, NameOf<Ls>, Ls>)...};
}

// Reader-writer locks: both modes, e.g. synclab_census__rwlocks__bravo_rw_writer_pref__lock_shared.
struct Rwlocks {
  static constexpr std::string_view name = "rwlocks";
};

template <class Family, class Primitive, class L>
[[gnu::noinline]] void lock_shared(L& l) {
  l.lock_shared();
}

template <class Family, class Primitive, class L>
[[gnu::noinline]] void unlock_shared(L& l) {
  l.unlock_shared();
}

template <class Family, class L>
auto rwlock_functions() {
  using F = NameOf<Family>;
  using P = NameOf<L>;
  return std::array<AnyFunction, 4>{erase(&lock<F, P, L>), erase(&unlock<F, P, L>), erase(&lock_shared<F, P, L>),
                                    erase(&unlock_shared<F, P, L>)};
}

template <class Family, class... Ls>
auto rwlock_table(synclab::TypeList<Ls...>) {
  return std::array{rwlock_functions<Family, Ls>()...};
}

// Reference counts: clone is one increment, drop (reset) one decrement and,
// on the last one, the fence and the free.
struct Refcount {
  static constexpr std::string_view name = "refcount";
};

template <class Family, class Primitive, class H>
[[gnu::noinline]] H clone(const H& h) {
  return h.clone();
}

template <class Family, class Primitive, class H>
[[gnu::noinline]] void drop(H& h) {
  h.reset();
}

template <class Family, class H>
auto refcount_functions() {
  using F = NameOf<Family>;
  using P = NameOf<H>;
  return std::array<AnyFunction, 2>{erase(&clone<F, P, H>), erase(&drop<F, P, H>)};
}

template <class Family, class... Hs>
auto refcount_table(synclab::TypeList<Hs...>) {
  return std::array{refcount_functions<Family, Hs>()...};
}

// Reclamation schemes (synclab::reclaim::Publication): a read section
// around a read of an int, and one update (allocation, publish, retire and
// the scheme's reclamation pass).
struct Reclaim {
  static constexpr std::string_view name = "reclaim";
};

template <class Family, class Primitive, class P>
[[gnu::noinline]] int read(typename P::handle& h) {
  return h.read([](const int& v) { return v; });
}

template <class Family, class Primitive, class P>
[[gnu::noinline]] void update(typename P::handle& h, const int& v) {
  h.update(v);
}

template <class Family, class P>
auto reclaim_functions() {
  using F = NameOf<Family>;
  using N = NameOf<P>;
  return std::array<AnyFunction, 2>{erase(&read<F, N, P>), erase(&update<F, N, P>)};
}

template <class Family, class... Ps>
auto reclaim_table(synclab::TypeList<Ps...>) {
  return std::array{reclaim_functions<Family, Ps>()...};
}

}  // namespace synclab_census

extern const auto synclab_census_reclaim_table = synclab_census::reclaim_table<synclab_census::Reclaim>(
    synclab::Concat<synclab::reclaim::OurPublications<int>, synclab::peers::PeerPublications<int>>{});

extern const auto synclab_census_refcount_table = synclab_census::refcount_table<synclab_census::Refcount>(
    synclab::refcount::OurRefCounts<int>{});

extern const auto synclab_census_rwlock_table = synclab_census::rwlock_table<synclab_census::Rwlocks>(
    synclab::Concat<synclab::rwlocks::OurRwLocks, synclab::peers::PeerRwLocks>{});

// Keeps every instantiation above in the object (external linkage, never read).
extern const auto synclab_census_lock_table = synclab_census::lock_table<synclab_census::Locks>(
    synclab::Concat<synclab::locks::OurLocks, synclab::peers::PeerLocks>{});

extern const auto synclab_census_combining_lock_table = synclab_census::lock_table<synclab_census::Locks>(
    synclab::TypeList<synclab::locks::FlatCombining, synclab::locks::WithThreadLocalNode<synclab::locks::McsCombiner>>{});

extern const auto synclab_census_combine_table =
    synclab_census::combine_table<synclab_census::Locks>(synclab::locks::OurCombiningLocks{});

// ---------------------------------------------------------------- memory-ordering microcases

#define SYNCLAB_CENSUS_LOAD(W, T, ORDER)                                                            \
  [[gnu::noinline]] T synclab_census__ordering__##W##__load_##ORDER(const std::atomic<T>& a) {      \
    return a.load(std::memory_order_##ORDER);                                                       \
  }
#define SYNCLAB_CENSUS_STORE(W, T, ORDER)                                                           \
  [[gnu::noinline]] void synclab_census__ordering__##W##__store_##ORDER(std::atomic<T>& a, T v) {   \
    a.store(v, std::memory_order_##ORDER);                                                          \
  }
#define SYNCLAB_CENSUS_RMW(W, T, ORDER)                                                             \
  [[gnu::noinline]] T synclab_census__ordering__##W##__exchange_##ORDER(std::atomic<T>& a, T v) {   \
    return a.exchange(v, std::memory_order_##ORDER);                                                \
  }                                                                                                 \
  [[gnu::noinline]] T synclab_census__ordering__##W##__fetch_add_##ORDER(std::atomic<T>& a, T v) {  \
    return a.fetch_add(v, std::memory_order_##ORDER);                                               \
  }                                                                                                 \
  [[gnu::noinline]] bool synclab_census__ordering__##W##__compare_exchange_##ORDER(                 \
      std::atomic<T>& a, T& expected, T desired) {                                                  \
    return a.compare_exchange_strong(expected, desired, std::memory_order_##ORDER);                 \
  }                                                                                                 \
  [[gnu::noinline]] bool synclab_census__ordering__##W##__compare_exchange_weak_##ORDER(            \
      std::atomic<T>& a, T& expected, T desired) {                                                  \
    return a.compare_exchange_weak(expected, desired, std::memory_order_##ORDER);                   \
  }
#define SYNCLAB_CENSUS_FENCE(ORDER)                                                                 \
  [[gnu::noinline]] void synclab_census__ordering__fence__fence_##ORDER() {                         \
    std::atomic_thread_fence(std::memory_order_##ORDER);                                            \
  }
#define SYNCLAB_CENSUS_WIDTH(W, T)                                                                  \
  SYNCLAB_CENSUS_LOAD(W, T, relaxed)                                                                \
  SYNCLAB_CENSUS_LOAD(W, T, acquire)                                                                \
  SYNCLAB_CENSUS_LOAD(W, T, seq_cst)                                                                \
  SYNCLAB_CENSUS_STORE(W, T, relaxed)                                                               \
  SYNCLAB_CENSUS_STORE(W, T, release)                                                               \
  SYNCLAB_CENSUS_STORE(W, T, seq_cst)                                                               \
  SYNCLAB_CENSUS_RMW(W, T, relaxed)                                                                 \
  SYNCLAB_CENSUS_RMW(W, T, acquire)                                                                 \
  SYNCLAB_CENSUS_RMW(W, T, release)                                                                 \
  SYNCLAB_CENSUS_RMW(W, T, acq_rel)                                                                 \
  SYNCLAB_CENSUS_RMW(W, T, seq_cst)

extern "C" {
SYNCLAB_CENSUS_WIDTH(u32, std::uint32_t)
SYNCLAB_CENSUS_WIDTH(u64, std::uint64_t)
SYNCLAB_CENSUS_FENCE(relaxed)
SYNCLAB_CENSUS_FENCE(acquire)
SYNCLAB_CENSUS_FENCE(release)
SYNCLAB_CENSUS_FENCE(acq_rel)
SYNCLAB_CENSUS_FENCE(seq_cst)
}
