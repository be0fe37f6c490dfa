// broken_reclaim.hpp — reclamation schemes broken on purpose, for the
// negative tests: each must be caught by the check that names it.
//
//   ebr_one_epoch  EBR freeing an object one epoch after its retire instead
//                  of two: the epoch may advance once while a reader that
//                  entered at the retire's epoch still holds the object, and
//                  that advance frees it under the reader.
//                  Caught by: epoch_based_test's stalled-reader check.
#pragma once

#include <string_view>

#include "synclab/reclaim/epoch_based.hpp"

namespace synclab::testing {

template <class T>
class EbrOneEpoch : public reclaim::BasicEpochBased<T, 1> {
 public:
  using reclaim::BasicEpochBased<T, 1>::BasicEpochBased;
  static constexpr std::string_view name = "ebr_one_epoch";
};

static_assert(reclaim::Publication<EbrOneEpoch<int>, int>);

}  // namespace synclab::testing
