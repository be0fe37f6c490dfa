#include "condvars.hpp"

namespace synclab::bench {

void register_condvar_family(CaseRegistry&, const std::vector<CaseSetup>&, const harness::HwlocTopology&, const harness::SuiteOptions&) {}

}  // namespace synclab::bench
