// reclaim_peers.hpp — every third-party or standard reclamation scheme
// measured beside ours (synclab::reclaim::OurPublications), each adapted to
// synclab::reclaim::Publication.
//
// A peer joins the typed tests and the benchmarks by appearing here once; a
// peer whose library is not available (or that cannot run in this build) is
// left out of the list and named, with the reason, in kReclaimPeersMissing.
#pragma once

#include "synclab/reclaim/concepts.hpp"
#include "synclab/type_list.hpp"

namespace synclab::peers {

template <class T>
using PeerPublications = synclab::TypeList<
    // one peer per line
    >;

// What was left out and why, for the results context ("" when nothing).
inline constexpr const char* kReclaimPeersMissing = "";

}  // namespace synclab::peers
