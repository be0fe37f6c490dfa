// compile_time_name.hpp — names of template primitives, built at compile time
// from text and numbers: "futex_mutex3_spin" + 10, "cohort_pass" + 3,
// "ttas_" + a policy's suffix, "blocking_" + a queue's name.
//
// A primitive's `name` is a `static constexpr std::string_view` that the
// harness registers cases under and results carry, so it must point at
// characters with static storage. compose_name(parts...) writes the parts
// (string views and unsigned integers, the latter in decimal) into a
// NameText, a small literal class usable as a template argument; static_name
// of that NameText is a string_view into the template parameter object, which
// lives for the whole program and is shared by every use of the same name.
//
//   static constexpr std::string_view name = static_name<compose_name("cohort_pass", MaxPasses)>;
//
// A name longer than kMaxNameLength characters does not compile.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>

namespace synclab {

inline constexpr std::size_t kMaxNameLength = 63;

// Plain public members: a structural type, so it can be a template argument.
struct NameText {
  char chars[kMaxNameLength + 1]{};  // terminated, for C interfaces that want one
  std::size_t size = 0;

  constexpr void append(std::string_view text) {
    if (text.size() > kMaxNameLength - size) throw "synclab: name longer than kMaxNameLength";
    for (const char c : text) chars[size++] = c;
  }
  constexpr void append(unsigned long long number) {
    char digits[20]{};
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + number % 10);
      number /= 10;
    } while (number != 0);
    while (n > 0) append(std::string_view(&digits[--n], 1));
  }
};

// The parts in order: anything convertible to std::string_view is copied,
// an unsigned integer is written in decimal.
template <class... Parts>
consteval NameText compose_name(const Parts&... parts) {
  NameText text;
  const auto add = [&text](const auto& part) {
    if constexpr (std::unsigned_integral<std::remove_cvref_t<decltype(part)>>)
      text.append(static_cast<unsigned long long>(part));
    else
      text.append(std::string_view(part));
  };
  (add(parts), ...);
  return text;
}

template <NameText Text>
inline constexpr std::string_view static_name{Text.chars, Text.size};

static_assert(static_name<compose_name("cohort_pass", 3u)> == "cohort_pass3");
static_assert(static_name<compose_name("futex_mutex3_spin", 0u)> == "futex_mutex3_spin0");
static_assert(static_name<compose_name(std::string_view("ttas_"), std::string_view("park"))> == "ttas_park");
static_assert(static_name<compose_name("a", 1000u, "b")> == "a1000b");

}  // namespace synclab
