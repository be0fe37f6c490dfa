#include "semaphores.hpp"

namespace synclab::bench {

void register_semaphore_cases(CaseRegistry&, const std::vector<CaseSetup>&, const harness::HwlocTopology&, const harness::SuiteOptions&) {}

}  // namespace synclab::bench
