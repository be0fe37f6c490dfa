// type_list.hpp — a compile-time list of primitives.
//
// Each family keeps one list (its catalogue); tests instantiate their typed
// suites from it and benchmarks register one case per element, so adding a
// variant to the list is all it takes to have it tested and measured.
#pragma once

#include <cstddef>

namespace synclab {

template <class... Ts>
struct TypeList {
  static constexpr std::size_t size = sizeof...(Ts);
};

template <class... As, class... Bs>
constexpr auto concat(TypeList<As...>, TypeList<Bs...>) -> TypeList<As..., Bs...> {
  return {};
}

template <class A, class B>
using Concat = decltype(concat(A{}, B{}));

// Calls f.template operator()<T>() for every T in the list, in order.
template <class... Ts, class F>
void for_each_type(TypeList<Ts...>, F&& f) {
  (f.template operator()<Ts>(), ...);
}

}  // namespace synclab
