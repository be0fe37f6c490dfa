// json.hpp — the little JSON the binary writes itself (results context
// values, --synclab_describe): strings quoted and escaped, numbers as written.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace synclab::harness {

inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace synclab::harness
