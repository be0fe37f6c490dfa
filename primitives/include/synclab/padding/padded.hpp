// padded.hpp — Padded<T, N>: a T alone in its own N-byte block, so that
// writes to neighbouring objects never share a cache line (or a prefetch
// pair of lines) with it.
//
// Layout:
//   Padded<T, 0>   no padding: exactly a T (size and alignment of T). The
//                  unpadded variant, so "padding" is one template argument.
//   Padded<T, N>   alignas(N) struct holding T at offset 0. Its size is
//                  sizeof(T) rounded up to a multiple of N, so in an array
//                  element i starts at i * sizeof(Padded), always on an N-byte
//                  boundary, and no two elements share an N-byte block. A T
//                  larger than N spans several blocks; the next element still
//                  starts on a fresh one. A pointer to the Padded is a pointer
//                  to its T.
//   bytes per element = sizeof(Padded<T, N>); the padding benchmarks record it
//   as the memory cost of each width.
//
// Which N: nobody agrees, so it is a parameter and benches/padding.cpp
// measures it (padding/distance, padding/padded_counters, padding/padded_locks).
//   64    the coherence unit (cache line) of current x86-64 and most arm64
//         cores; GCC 12's std::hardware_destructive_interference_size on x86.
//   128   x86-64 since Sandy Bridge: the L2 spatial prefetcher fetches lines
//         in 64-byte pairs, so two writers 64 bytes apart can still disturb
//         each other (Intel optimization manual; folly's Align.h and
//         crossbeam's CachePadded use 128 on x86-64 and aarch64; Apple M-series
//         report a 128-byte line, hw.cachelinesize).
//   256   s390x lines (crossbeam); GCC's and Clang's generic aarch64
//         destructive interference size (A64FX has 256-byte lines).
// kDefaultPadding follows crossbeam's table for the architectures synclab
// builds on. It is a guess, not a measurement: read padding/distance/summary
// (interference_bytes) for this machine.
//
// Do not use for objects that are rarely written or that one thread owns:
// 128 bytes per element is expensive in arrays of many small objects, and a
// padded object no longer shares a line with data it is used with (a lock and
// the value it protects, say), which may cost more than it saves.
#pragma once

#include <cstddef>
#include <utility>

namespace synclab::padding {

#if defined(__x86_64__) || defined(__aarch64__) || defined(__powerpc64__)
inline constexpr std::size_t kDefaultPadding = 128;
#elif defined(__s390x__)
inline constexpr std::size_t kDefaultPadding = 256;
#else
inline constexpr std::size_t kDefaultPadding = 64;
#endif

template <class T, std::size_t N = kDefaultPadding>
struct alignas(N) Padded {
  static_assert((N & (N - 1)) == 0, "the padding width must be a power of two");
  static_assert(N >= alignof(T), "the padding width must be at least T's alignment");
  static constexpr std::size_t padding = N;

  Padded() = default;
  template <class... Args>
  explicit Padded(std::in_place_t, Args&&... args) : value(std::forward<Args>(args)...) {}

  T& operator*() noexcept { return value; }
  const T& operator*() const noexcept { return value; }
  T* operator->() noexcept { return &value; }
  const T* operator->() const noexcept { return &value; }

  T value{};
};

// No padding: exactly a T.
template <class T>
struct Padded<T, 0> {
  static constexpr std::size_t padding = 0;

  Padded() = default;
  template <class... Args>
  explicit Padded(std::in_place_t, Args&&... args) : value(std::forward<Args>(args)...) {}

  T& operator*() noexcept { return value; }
  const T& operator*() const noexcept { return value; }
  T* operator->() noexcept { return &value; }
  const T* operator->() const noexcept { return &value; }

  T value{};
};

// The widths the benchmarks sweep.
inline constexpr std::size_t kPaddingWidths[] = {0, 64, 128, 256};

static_assert(sizeof(Padded<long, 0>) == sizeof(long));
static_assert(sizeof(Padded<char, 64>) == 64 && alignof(Padded<char, 64>) == 64);
static_assert(sizeof(Padded<char[65], 64>) == 128, "a T larger than N spans whole blocks");
static_assert(sizeof(Padded<long, 128>) == 128 && alignof(Padded<long, 128>) == 128);
static_assert(sizeof(Padded<long, 256>) == 256);
using PaddedLong128 = Padded<long, 128>;
static_assert(offsetof(PaddedLong128, value) == 0, "a pointer to the Padded is a pointer to its T");

}  // namespace synclab::padding
