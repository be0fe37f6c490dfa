#include "report.hpp"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace synclab::interpose {
namespace {

// Formats into a stack buffer and writes once: no stdio lock, no allocation,
// so it is safe from any point of the interposer (even inside a lock call).
void emit(const char* prefix, const char* format, va_list args) noexcept {
  char line[1024];
  int n = std::snprintf(line, sizeof line, "%s", prefix);
  if (n < 0) n = 0;
  const int m = std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n), format, args);
  std::size_t length = std::strlen(line);
  if (m < 0 || length >= sizeof line - 1) length = sizeof line - 2;
  line[length] = '\n';
  (void)!::write(2, line, length + 1);
}

}  // namespace

void fail_usage(const char* format, ...) noexcept {
  va_list args;
  va_start(args, format);
  emit("libsynclab_interpose: error: ", format, args);
  va_end(args);
  ::_exit(kExitUsage);
}

void say(const char* format, ...) noexcept {
  va_list args;
  va_start(args, format);
  emit("libsynclab_interpose: ", format, args);
  va_end(args);
}

}  // namespace synclab::interpose
