// report.hpp — how the interposer speaks: one line on stderr, prefixed with
// its name. A usage error (an unknown or refused SYNCLAB_LOCK, a bad plugin,
// a bad placement) ends the program at load time with exit status 2: the
// interposer never falls back to another lock.
#pragma once

namespace synclab::interpose {

inline constexpr int kExitUsage = 2;

// "libsynclab_interpose: error: <message>" on stderr, then _exit(2).
[[noreturn]] void fail_usage(const char* format, ...) noexcept __attribute__((format(printf, 1, 2)));

// "libsynclab_interpose: <message>" on stderr.
void say(const char* format, ...) noexcept __attribute__((format(printf, 1, 2)));

}  // namespace synclab::interpose
