// broken_reclaim.hpp — deliberately broken twins of our reclamation schemes,
// made from the real ones, which the checks of hazard_pointer_test,
// qsbr_test and epoch_based_test must catch (their *Broken* tests).
//
//   ebr_one_epoch  EBR freeing an object one epoch after its retire instead
//                  of two: the epoch may advance once while a reader that
//                  entered at the retire's epoch still holds the object, and
//                  that advance frees it under the reader.
//                  Caught by: epoch_based_test's stalled-reader check.
#pragma once

#include <string_view>
#include <vector>

#include "synclab/reclaim/epoch_based.hpp"
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

template <class T>
class EbrOneEpoch : public reclaim::BasicEpochBased<T, 1> {
 public:
  using reclaim::BasicEpochBased<T, 1>::BasicEpochBased;
  static constexpr std::string_view name = "ebr_one_epoch";
};

static_assert(reclaim::Publication<EbrOneEpoch<int>, int>);

}  // namespace synclab::testing
