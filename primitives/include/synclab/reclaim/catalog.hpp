// reclaim/catalog.hpp — every reclamation scheme of ours, as a list over the
// object type.
//
// The typed tests (tests/primitives/reclaim_*_test.cpp) and the reclaim
// benchmarks (benches/reclaim.cpp) are instantiated from this list, so a new
// scheme is one header in this directory plus one line here. Peers (liburcu,
// xenium's reclaimers, std::atomic<std::shared_ptr>, an arc behind a mutex)
// live in benches/peers/include/synclab/peers/reclaim_peers.hpp.
#pragma once

#include "synclab/reclaim/concepts.hpp"
#include "synclab/reclaim/epoch_based.hpp"
#include "synclab/reclaim/hazard_pointer_publication.hpp"
#include "synclab/reclaim/qsbr.hpp"
#include "synclab/type_list.hpp"

namespace synclab::reclaim {

template <class T>
using OurPublications = synclab::TypeList<
    // one scheme per line
    HazardPointerPublication<T>,
    HazardPointerAsymPublication<T>,  // where membarrier is there (unavailable())
    Qsbr<T>,
    EpochBased<T>>;

}  // namespace synclab::reclaim
