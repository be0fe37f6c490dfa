// channels/detail.hpp — pieces the channels in this directory share: raw
// storage for one message, capacity rounding, the misuse abort, and the
// ThreadSanitizer switch.
//
// Storage<T>: room for one T that is constructed and destroyed explicitly,
//   so a ring of N slots needs no default-constructible T and holds no live
//   T in an empty slot. Whether a slot holds a message is never stored in the
//   slot itself: each channel knows it from its own indices or state word.
//
// The TSan switch: event_count.hpp replaces its fences with RMWs under
//   ThreadSanitizer, which does not model stand-alone fences.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#define SYNCLAB_CHANNELS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNCLAB_CHANNELS_TSAN 1
#endif
#endif
#ifndef SYNCLAB_CHANNELS_TSAN
#define SYNCLAB_CHANNELS_TSAN 0
#endif

namespace synclab::channels::detail {

// One message's worth of uninitialised, suitably aligned bytes.
template <class T>
struct Storage {
  alignas(T) std::byte bytes[sizeof(T)];

  template <class U>
  void construct(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    ::new (static_cast<void*>(bytes)) T(std::forward<U>(value));
  }
  T& get() noexcept { return *std::launder(reinterpret_cast<T*>(bytes)); }
  void destroy() noexcept { std::destroy_at(&get()); }
  // Moves the message into `out` and ends its life in the slot.
  void move_to(T& out) noexcept(std::is_nothrow_move_assignable_v<T>) {
    out = std::move(get());
    destroy();
  }
  T take() noexcept(std::is_nothrow_move_constructible_v<T>) {
    T out(std::move(get()));
    destroy();
    return out;
  }
};

// The capacity a power-of-two ring really gets for a requested one: at least
// one slot, rounded up to a power of two (capacity() reports it).
[[nodiscard]] constexpr std::size_t ring_capacity(std::size_t requested) noexcept {
  return std::bit_ceil(requested == 0 ? std::size_t{1} : requested);
}

// A channel used against its contract (a second send on a one-shot, say):
// one line on stderr and abort. Tests match "<primitive>: <what>".
[[noreturn]] inline void misuse(std::string_view primitive, const char* what) noexcept {
  std::fprintf(stderr, "synclab: %.*s: %s\n", static_cast<int>(primitive.size()), primitive.data(), what);
  std::fflush(stderr);
  std::abort();
}

}  // namespace synclab::channels::detail
