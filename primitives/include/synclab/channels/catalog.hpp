// channels/catalog.hpp — every channel of ours, for the tests and benchmarks.
#pragma once

#include "synclab/type_list.hpp"

namespace synclab::channels {

// Multi-message channels over payload T (Channel concept).
template <class T>
using OurChannels = TypeList<>;

// One-shot channels over payload T (OneShot concept).
template <class T>
using OurOneShots = TypeList<>;

}  // namespace synclab::channels
