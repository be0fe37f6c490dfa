// semaphores/catalog.hpp — every counting semaphore of ours, in one list.
//
// The typed tests (tests/primitives/semaphore_*_test.cpp) and the semaphore
// cases of the lock family (benches/semaphores.cpp) are instantiated from it;
// the peers are in synclab/peers/semaphore_peers.hpp.
#pragma once

#include "synclab/semaphores/futex_semaphore.hpp"
#include "synclab/type_list.hpp"

namespace synclab::semaphores {

using OurSemaphores = synclab::TypeList<FutexSemaphore>;

}  // namespace synclab::semaphores
