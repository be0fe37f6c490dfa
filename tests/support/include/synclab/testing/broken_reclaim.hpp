// broken_reclaim.hpp — deliberately broken twins of our reclamation schemes,
// made from the real ones, which the checks of hazard_pointer_test,
// qsbr_test and epoch_based_test must catch (their *Broken* tests).
//
//   ebr_one_epoch  EBR freeing an object one epoch after its retire instead
//                  of two: the epoch may advance once while a reader that
//                  entered at the retire's epoch still holds the object, and
//                  that advance frees it under the reader.
//                  Caught by: epoch_based_test's stalled-reader check.
//   HazardIgnoringDomain(Asym)  a hazard-pointer scan, of either fence policy,
//                  that sees no hazard. Caught by: hazard_pointer_test's
//                  protected-object, bound and held-read checks. The
//                  asymmetric scan without its membarrier has no twin (below).
#pragma once

#include <string_view>
#include <vector>

#include "synclab/reclaim/epoch_based.hpp"
#include "synclab/reclaim/hazard_pointer.hpp"
#include "synclab/reclaim/hazard_pointer_publication.hpp"
#include "synclab/reclaim/qsbr.hpp"

namespace synclab::testing {

// A hazard-pointer domain whose scan sees no hazard: stage 2 of the scan
// frees every retired object, protected or not. Of either fence policy.
template <class Fence>
class BasicHazardIgnoringDomain : public reclaim::basic_hazard_pointer_domain<Fence> {
 protected:
  void gather_hazards(std::vector<const void*>& /*out*/) const override {}
};
using HazardIgnoringDomain = BasicHazardIgnoringDomain<reclaim::hazard_pointer_fence::symmetric>;
using HazardIgnoringDomainAsym = BasicHazardIgnoringDomain<reclaim::hazard_pointer_fence::asymmetric>;

template <class T>
using HazardIgnoringPublication = reclaim::HazardPointerPublication<T, HazardIgnoringDomain>;

// No twin for the asymmetric policy's own ordering. A scan that skips its
// membarrier (hazard_pointer.hpp, asymmetric) frees an object under a reader
// only when that reader's hazard store still sits in its CPU's store buffer
// while the scan reads the hazard slot and the reader's reload has already
// read the old pointer: a window of a few nanoseconds between two
// instructions of another CPU, which no test can open on demand (nothing
// stalls a store in a store buffer) and which a stress test hits rarely or
// never, depending on the CPU and the load. A test that passes on the twin
// would prove nothing, so there is none; the argument in hazard_pointer.hpp
// stands alone for this part, as it does for the symmetric policy's fence.

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
