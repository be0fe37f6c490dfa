// broken_reclaim.hpp — deliberately broken twins of our reclamation schemes,
// made from the real ones, which the checks of hazard_pointer_test and
// qsbr_test must catch (their *Broken* tests).
#pragma once

#include <vector>

#include "synclab/reclaim/hazard_pointer.hpp"
#include "synclab/reclaim/hazard_pointer_publication.hpp"
#include "synclab/reclaim/qsbr.hpp"

namespace synclab::testing {

// A hazard-pointer domain whose scan sees no hazard: stage 2 of the scan
// frees every retired object, protected or not.
class HazardIgnoringDomain : public reclaim::hazard_pointer_domain {
 protected:
  void gather_hazards(std::vector<const void*>& /*out*/) const override {}
};

template <class T>
using HazardIgnoringPublication = reclaim::HazardPointerPublication<T, HazardIgnoringDomain>;

// QSBR whose updater frees as soon as it has announced itself, without
// waiting for the other online threads' announcements.
template <class T>
using ImpatientQsbr = reclaim::Qsbr<T, /*WaitForEveryThread=*/false>;

}  // namespace synclab::testing
