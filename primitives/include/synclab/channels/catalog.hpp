// catalog.hpp — every channel of ours, for the tests and benchmarks.
//
// The typed tests (tests/primitives/channel_*_test.cpp) and the benchmark
// registrations are instantiated from these lists, so a new channel is one
// header in this directory plus one line here. Each channel's Semantics
// (concepts.hpp) says which shapes it may be driven with: a single-producer
// or single-consumer channel must never get more than one thread on that
// side.
#pragma once

#include "synclab/channels/bbq.hpp"
#include "synclab/channels/blocking.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/channels/faa_array_queue.hpp"
#include "synclab/channels/lcrq.hpp"
#include "synclab/channels/lprq.hpp"
#include "synclab/channels/mpmc_bounded.hpp"
#include "synclab/channels/mpsc_unbounded.hpp"
#include "synclab/channels/mutex_queue.hpp"
#include "synclab/channels/mutex_ring.hpp"
#include "synclab/channels/oneshot.hpp"
#include "synclab/channels/oneshot_blocking.hpp"
#include "synclab/channels/oneshot_state.hpp"
#include "synclab/channels/rendezvous.hpp"
#include "synclab/channels/scq.hpp"
#include "synclab/channels/spsc_ring.hpp"
#include "synclab/type_list.hpp"

namespace synclab::channels {

// Multi-message channels over payload T (Channel concept).
//   mutex_queue            unbounded MPMC, blocking, close (baseline of the unbounded)
//   mutex_ring             bounded MPMC, blocking, close (baseline of the bounded)
//   spsc_ring              bounded SPSC, non-blocking
//   mpmc_bounded           bounded MPMC, non-blocking
//   mpsc_unbounded         unbounded MPSC, non-blocking, a node per message
//   blocking_spsc_ring     spsc_ring + sleeping send/recv + close
//   blocking_mpmc_bounded  mpmc_bounded + sleeping send/recv + close
//   rendezvous             capacity 0 MPMC, blocking, close
//   scq                    bounded MPMC, lock-free, linearizable (Nikolaev's SCQ)
//   faa_array_queue        unbounded MPMC, lock-free, linearizable (Ramalhete & Correia), hazard pointers
//   lprq                   unbounded MPMC, lock-free, linearizable (Romanov & Koval's LPRQ: rings, single-width
//                          CAS), hazard pointers; sweep_only (benchmarked with sweeps on)
//   lcrq                   unbounded MPMC, lock-free, linearizable (Morrison & Afek's LCRQ: rings, double-width
//                          CAS), hazard pointers; sweep_only; x86-64 and arm64 only (arch/cas2.hpp), and on x86-64
//                          only where the CPU has cmpxchg16b (its unavailable(): the benchmark leaves it out, the
//                          typed tests skip it)
//   bbq_spsc, bbq_mpmc     bounded SPSC / MPMC, block-based (Wang et al.'s BBQ, retry-new), sweep_only
#if SYNCLAB_HAVE_CAS2 && !SYNCLAB_CHANNELS_TSAN
#define SYNCLAB_CHANNELS_HAVE_LCRQ 1
template <class T>
using OurChannels = TypeList<MutexQueue<T>, MutexRing<T>, SpscRing<T>, MpmcBounded<T>, MpscUnbounded<T>, BlockingSpscRing<T>,
                             BlockingMpmcBounded<T>, Rendezvous<T>, Scq<T>, FaaArrayQueue<T>, Lprq<T>, Lcrq<T>, BbqSpsc<T>, BbqMpmc<T>>;
#else
#define SYNCLAB_CHANNELS_HAVE_LCRQ 0
template <class T>
using OurChannels = TypeList<MutexQueue<T>, MutexRing<T>, SpscRing<T>, MpmcBounded<T>, MpscUnbounded<T>, BlockingSpscRing<T>,
                             BlockingMpmcBounded<T>, Rendezvous<T>, Scq<T>, FaaArrayQueue<T>, Lprq<T>, BbqSpsc<T>, BbqMpmc<T>>;
#endif

// Ours that this build leaves out, and why, each entry ending in "; " (""
// when none); the benchmark adds those a machine cannot run (unavailable(),
// concepts.hpp) and writes both into the results context as
// `channel_primitives_left_out`.
inline constexpr const char* kOurChannelsLeftOut = ""
#if !SYNCLAB_HAVE_CAS2
    "lcrq (its double-width CAS is written for x86-64 and arm64 only: synclab/arch/cas2.hpp); "
#elif SYNCLAB_CHANNELS_TSAN
    "lcrq (ThreadSanitizer build: its double-width CAS is inline assembly, invisible to it); "
#endif
    ;

// One-shot channels over payload T (OneShot concept).
template <class T>
using OurOneShots = TypeList<Oneshot<T>, OneshotState<T>, OneshotBlocking<T>>;

}  // namespace synclab::channels
