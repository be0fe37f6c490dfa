#include "rwlocks.hpp"

namespace synclab::bench {

void register_rwlock_family(CaseRegistry&, const std::vector<CaseSetup>&, const harness::HwlocTopology&, const harness::SuiteOptions&) {}

}  // namespace synclab::bench
