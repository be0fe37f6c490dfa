// split.hpp — the one splitter of list-valued options ("1,2,4", "0,2-3",
// "locks,limits", event lists): every field, empty ones included, so each
// parser decides itself whether an empty field is an error.
#pragma once

#include <string_view>
#include <vector>

namespace synclab::harness {

inline std::vector<std::string_view> split_list(std::string_view text, char separator = ',') {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    fields.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return fields;
    start = at + 1;
  }
}

}  // namespace synclab::harness
