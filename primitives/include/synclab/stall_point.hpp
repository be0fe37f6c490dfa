// stall_point.hpp — named places in a primitive where a test can hold the
// calling thread: just after it made the primitive available to others (a
// release), just after it woke from a sleep, just after a queue claimed a
// cell it has not yet published.
//
// Why: the rule "an unlock or notify touches nothing after its release" (a
//   std::mutex may be destroyed by whoever acquires it next, the moment the
//   previous holder's unlock has released it) is broken only in a window of a
//   few nanoseconds, which a stress run on two cores rarely hits. A test that
//   holds the releasing thread at the stall point while another thread
//   acquires and destroys the primitive turns that window into a
//   deterministic check (tests/primitives/lifetime_test.cpp); the same holds
//   for a queue's claim-to-publish window and a channel's sleepers
//   (tests/primitives/channel_sleepers_test.cpp).
// Cost: none outside test builds. stall_point() is an empty inline function
//   unless SYNCLAB_TEST_STALL_POINTS is defined, which only the test targets
//   that install a hook do (tests/primitives/CMakeLists.txt); the benchmark
//   binary and every other target compile it to nothing. A test target that
//   defines it must not link a compiled library that instantiates the same
//   primitives without it (the two definitions would differ).
// With the macro: one acquire load of a hook pointer per stall point, and a
//   call when a test installed one. The hook receives the point and the
//   address of the primitive (or other object) the point belongs to; it must
//   not dereference that address: at an after-release point the object may
//   already be destroyed, which is exactly what the tests arrange.
#pragma once

#if defined(SYNCLAB_TEST_STALL_POINTS)
#include <atomic>
#endif

namespace synclab {

enum class StallPoint : unsigned char {
  after_release,  // the caller has made the primitive available to other threads
  after_wake,     // a waiter has returned from its sleep and not yet touched the primitive
  after_claim,    // a queue has claimed a cell (to fill or to empty) and not yet handed it on
};

#if defined(SYNCLAB_TEST_STALL_POINTS)

using StallHook = void (*)(StallPoint point, const void* object) noexcept;

namespace stall_detail {
inline std::atomic<StallHook> hook{nullptr};
}  // namespace stall_detail

// Installs `hook` for every thread (nullptr removes it). Returns the previous one.
inline StallHook set_stall_hook(StallHook hook) noexcept {
  return stall_detail::hook.exchange(hook, std::memory_order_acq_rel);
}

inline void stall_point(StallPoint point, const void* object) noexcept {
  if (const StallHook hook = stall_detail::hook.load(std::memory_order_acquire)) hook(point, object);
}

#else

[[gnu::always_inline]] inline void stall_point(StallPoint, const void*) noexcept {}

#endif

}  // namespace synclab
