// availability.hpp — how a primitive says it cannot run on this machine or
// in this build (lcrq without a double-width CAS, hazard_pointers_asym
// without membarrier), the same way in every family.
//
// A primitive that needs something a machine may lack declares
// `static std::string_view unavailable()`: "" when it can run here, else why
// not. Its family's benchmark leaves it out with that reason in the results
// context (`<family>_primitives_left_out`) and the typed tests skip it;
// nothing constructs it there. Every other primitive is always available.
#pragma once

#include <concepts>
#include <string_view>

namespace synclab {

template <class P>
std::string_view unavailable() {
  if constexpr (requires {
                  { P::unavailable() } -> std::convertible_to<std::string_view>;
                })
    return P::unavailable();
  else
    return {};
}

}  // namespace synclab
