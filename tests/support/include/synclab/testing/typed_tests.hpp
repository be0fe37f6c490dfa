// typed_tests.hpp — what every typed test suite over a list of primitives
// needs: GoogleTest's type list from a synclab::TypeList, and test names
// that carry the primitive's name ("LockContract/tas_spin.…").
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "synclab/type_list.hpp"

namespace synclab::testing {

template <class List>
struct GTestTypes;
template <class... Ts>
struct GTestTypes<synclab::TypeList<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

// The name generator for TYPED_TEST_SUITE: each test is named after T::name.
struct PrimitiveName {
  template <class T>
  static std::string GetName(int) {
    return std::string(T::name);
  }
};

}  // namespace synclab::testing
