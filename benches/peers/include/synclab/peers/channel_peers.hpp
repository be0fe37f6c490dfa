// channel_peers.hpp — every third-party and standard channel measured beside
// ours (synclab::channels::OurChannels, OurOneShots).
//
// A peer joins the typed contract test (tests/harness/channel_peers_test.cpp)
// and the benchmarks by appearing here once. A peer whose library is missing
// is left out, and kChannelPeersMissing says which and why (the benchmarks
// put it in the results context as `channel_peers_missing`). Peers that copy
// only trivially copyable messages (boost_queue; ck_ring also needs 8, 64 or
// 256 bytes) are left out of the lists of other payload types.
//
// ThreadSanitizer builds leave out the peers whose synchronisation it cannot
// follow, rather than report races that are not there: moodycamel (stand-
// alone atomic_thread_fence, which TSan does not model), boost_queue (pop
// copies the value out of a node before the CAS that validates it, a
// deliberate, discarded racy read) and the TBB queues (pages come from
// libtbb's allocator and waiters sleep in libtbb, both uninstrumented).
// Concurrency Kit is already absent there (benches/peers/CMakeLists.txt).
#pragma once

#include <type_traits>

#include "synclab/peers/atomic_queue.hpp"
#include "synclab/peers/boost_queue.hpp"
#include "synclab/peers/boost_spsc_queue.hpp"
#include "synclab/peers/ck_ring.hpp"
#include "synclab/peers/moodycamel_blocking_queue.hpp"
#include "synclab/peers/moodycamel_queue.hpp"
#include "synclab/peers/promise_future.hpp"
#include "synclab/peers/tbb_bounded_queue.hpp"
#include "synclab/peers/tbb_concurrent_queue.hpp"
#include "synclab/peers/xenium_queues.hpp"
#include "synclab/type_list.hpp"

#if defined(__SANITIZE_THREAD__)
#define SYNCLAB_CHANNEL_PEERS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNCLAB_CHANNEL_PEERS_TSAN 1
#endif
#endif
#ifndef SYNCLAB_CHANNEL_PEERS_TSAN
#define SYNCLAB_CHANNEL_PEERS_TSAN 0
#endif

namespace synclab::peers {

namespace channel_peers_detail {

template <bool Present, class List>
using If = std::conditional_t<Present, List, synclab::TypeList<>>;

template <class T>
using Moodycamel =
#if SYNCLAB_HAVE_MOODYCAMEL && !SYNCLAB_CHANNEL_PEERS_TSAN
    synclab::TypeList<MoodycamelQueue<T>, MoodycamelBlockingQueue<T>>;
#else
    synclab::TypeList<>;
#endif

template <class T>
using Boost =
#if SYNCLAB_HAVE_BOOST_LOCKFREE && !SYNCLAB_CHANNEL_PEERS_TSAN
    Concat<If<std::is_trivially_copyable_v<T>, synclab::TypeList<BoostQueue<T>>>, synclab::TypeList<BoostSpscQueue<T>>>;
#elif SYNCLAB_HAVE_BOOST_LOCKFREE
    synclab::TypeList<BoostSpscQueue<T>>;
#else
    synclab::TypeList<>;
#endif

template <class T>
using Tbb =
#if SYNCLAB_HAVE_TBB && !SYNCLAB_CHANNEL_PEERS_TSAN
    synclab::TypeList<TbbConcurrentQueue<T>, TbbBoundedQueue<T>>;
#else
    synclab::TypeList<>;
#endif

template <class T>
using Ck =
#if SYNCLAB_HAVE_CK
    If<ck_ring_detail::kFits<T>, synclab::TypeList<CkRingSpsc<T>, CkRingMpmc<T>>>;
#else
    synclab::TypeList<>;
#endif

template <class T>
using AtomicQueue =
#if SYNCLAB_HAVE_ATOMIC_QUEUE
    Concat<If<atomic_queue_detail::kFitsWord<T>, synclab::TypeList<AtomicQueuePeer<T>, AtomicQueueBPeer<T>>>,
           synclab::TypeList<AtomicQueue2Peer<T>, AtomicQueueB2Peer<T>>>;
#else
    synclab::TypeList<>;
#endif

template <class T>
using Xenium =
#if SYNCLAB_HAVE_XENIUM
    synclab::TypeList<XeniumRamalhete<T>, XeniumMichaelScott<T>, XeniumVyukovBounded<T>, XeniumKfifo<T>>;
#else
    synclab::TypeList<>;
#endif

}  // namespace channel_peers_detail

// Multi-message channels over payload T (channels::Channel).
template <class T>
using PeerChannels = Concat<Concat<Concat<channel_peers_detail::Moodycamel<T>, channel_peers_detail::Boost<T>>,
                                   Concat<channel_peers_detail::Tbb<T>, channel_peers_detail::Ck<T>>>,
                            Concat<channel_peers_detail::AtomicQueue<T>, channel_peers_detail::Xenium<T>>>;

// One-shot channels over payload T (channels::OneShot).
template <class T>
using PeerOneShots = synclab::TypeList<PromiseFuture<T>>;

// What was left out and why, each entry ending in "; " ("" when nothing).
inline constexpr const char* kChannelPeersMissing = ""
#if !SYNCLAB_HAVE_MOODYCAMEL
    "moodycamel, moodycamel_blocking (concurrentqueue headers not found: install libconcurrentqueue-dev); "
#elif SYNCLAB_CHANNEL_PEERS_TSAN
    "moodycamel, moodycamel_blocking (ThreadSanitizer build: it does not model their fences); "
#endif
#if !SYNCLAB_HAVE_BOOST_LOCKFREE
    "boost_queue, boost_spsc (Boost.Lockfree headers not found: install libboost-dev); "
#elif SYNCLAB_CHANNEL_PEERS_TSAN
    "boost_queue (ThreadSanitizer build: its pop reads a node before validating it); "
#endif
#if !SYNCLAB_HAVE_TBB
    "tbb_concurrent_queue, tbb_bounded_queue (oneTBB not found: install libtbb-dev); "
#elif SYNCLAB_CHANNEL_PEERS_TSAN
    "tbb_concurrent_queue, tbb_bounded_queue (ThreadSanitizer build: libtbb is not instrumented); "
#endif
#if !SYNCLAB_HAVE_CK && SYNCLAB_CHANNEL_PEERS_TSAN
    "ck_ring_spsc, ck_ring_mpmc (ThreadSanitizer build: Concurrency Kit's atomics are invisible to it); "
#elif !SYNCLAB_HAVE_CK
    "ck_ring_spsc, ck_ring_mpmc (Concurrency Kit not found: install libck-dev); "
#endif
#if !SYNCLAB_HAVE_ATOMIC_QUEUE
    "aq_atomic, aq_atomic_b, aq_atomic2, aq_atomic_b2 (atomic_queue headers not found: install libatomic-queue-dev); "
#endif
#if !SYNCLAB_HAVE_XENIUM && defined(SYNCLAB_XENIUM_TARGET_UNSUPPORTED)
    "xenium_ramalhete, xenium_michael_scott, xenium_vyukov_bounded, xenium_kfifo (xenium's headers do not compile "
    "for this architecture: its utils.hpp knows only the x86 time-stamp counter); "
#elif !SYNCLAB_HAVE_XENIUM
    "xenium_ramalhete, xenium_michael_scott, xenium_vyukov_bounded, xenium_kfifo (xenium headers not found: install "
    "libxenium-dev); "
#endif
    ;

}  // namespace synclab::peers
