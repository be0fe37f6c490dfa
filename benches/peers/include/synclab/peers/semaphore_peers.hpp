// semaphore_peers.hpp — every standard counting semaphore measured beside ours
// (synclab::semaphores::OurSemaphores). Always available: nothing is left out.
#pragma once

#include "synclab/peers/std_counting_semaphore.hpp"
#include "synclab/type_list.hpp"

namespace synclab::peers {

using PeerSemaphores = synclab::TypeList<StdCountingSemaphore>;

}  // namespace synclab::peers
