// reclaim_peers.hpp — every third-party or standard reclamation scheme
// measured beside ours (synclab::reclaim::OurPublications), each adapted to
// synclab::reclaim::Publication.
//
// A peer joins the typed tests and the benchmarks by appearing here once; a
// peer whose library is not available (or that cannot run in this build) is
// left out of the list and named, with the reason, in kReclaimPeersMissing.
#pragma once

#include "synclab/peers/urcu_publications.hpp"
#include "synclab/peers/xenium_publications.hpp"
#include "synclab/reclaim/concepts.hpp"
#include "synclab/type_list.hpp"

#if defined(__SANITIZE_THREAD__)
#define SYNCLAB_RECLAIM_PEERS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNCLAB_RECLAIM_PEERS_TSAN 1
#endif
#endif
#ifndef SYNCLAB_RECLAIM_PEERS_TSAN
#define SYNCLAB_RECLAIM_PEERS_TSAN 0
#endif

namespace synclab::peers {

namespace reclaim_peers_detail {

// liburcu (urcu_publications.hpp): absent from tsan builds (CMakeLists.txt).
template <class T>
using Urcu =
#if SYNCLAB_HAVE_URCU
    synclab::TypeList<UrcuMemb<T>, UrcuQsbr<T>>;
#else
    synclab::TypeList<>;
#endif

// xenium's reclaimers (xenium_publications.hpp), one adapter each.
template <class T>
using Xenium =
#if SYNCLAB_HAVE_XENIUM
    synclab::TypeList<XeniumHp<T>,
                      XeniumHe<T>,
                      XeniumEbr<T>,
                      XeniumNebr<T>,
                      XeniumDebra<T>,
                      XeniumQsbr<T>,
                      XeniumStampIt<T>>;
#else
    synclab::TypeList<>;
#endif

}  // namespace reclaim_peers_detail

template <class T>
using PeerPublications = synclab::Concat<synclab::TypeList<
    // one peer per line
    >, synclab::Concat<reclaim_peers_detail::Urcu<T>, reclaim_peers_detail::Xenium<T>>>;

// What was left out and why, each entry ending in "; " ("" when nothing).
inline constexpr const char* kReclaimPeersMissing = ""
#if !SYNCLAB_HAVE_URCU && SYNCLAB_RECLAIM_PEERS_TSAN
    "urcu_memb, urcu_qsbr (ThreadSanitizer build: liburcu is an uninstrumented shared library, its grace periods "
    "are invisible to TSan); "
#elif !SYNCLAB_HAVE_URCU
    "urcu_memb, urcu_qsbr (liburcu-memb/liburcu-qsbr shared libraries or headers not found: install "
    "liburcu-dev); "
#endif
#if !SYNCLAB_HAVE_XENIUM && defined(SYNCLAB_XENIUM_TARGET_UNSUPPORTED)
    "xenium_hp, xenium_he, xenium_ebr, xenium_nebr, xenium_debra, xenium_qsbr, xenium_stamp_it (xenium's headers do "
    "not compile for this architecture: its utils.hpp knows only the x86 time-stamp counter); "
#elif !SYNCLAB_HAVE_XENIUM
    "xenium_hp, xenium_he, xenium_ebr, xenium_nebr, xenium_debra, xenium_qsbr, xenium_stamp_it (xenium headers not "
    "found: install libxenium-dev); "
#endif
    ;

}  // namespace synclab::peers
