// refcount/detail.hpp — pieces shared by the reference counts in this
// directory: the overflow limit and abort, and the acquire that follows the
// final decrement.
//
// Overflow (Rust Atomics and Locks, ch. 6 "Basic Reference Counting"): an
//   atomic increment cannot be undone before other threads see it, so a
//   count is checked against half its range, not its maximum: by the time
//   the check fires, the count cannot have wrapped, because no program has
//   max/2 threads each holding an unchecked increment in flight. Exceeding
//   the limit aborts the process (a panic would let a destructor run on a
//   count that is already wrong).
//
// The acquire after the final decrement: every decrement is a release, so
//   each holder's use of the object happens-before its decrement; the thread
//   whose decrement reaches zero needs an acquire before it destroys the
//   object, so that all those uses happen-before the destruction. An acquire
//   fence after the decrement gives exactly that, and only on the last
//   decrement (ch. 6; Boost.Atomic's reference-counting example).
//   ThreadSanitizer does not model stand-alone fences (GCC 12's runtime
//   ignores atomic_thread_fence for happens-before), so under TSan an acquire
//   load of the counter replaces the fence. The load reads the value our own
//   decrement wrote, which ends the release sequence of every earlier
//   decrement, so it synchronises with all of them just as the fence does.
//   Rust's Arc makes the same substitution under TSan.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <limits>

#if defined(__SANITIZE_THREAD__)
#define SYNCLAB_REFCOUNT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNCLAB_REFCOUNT_TSAN 1
#endif
#endif
#ifndef SYNCLAB_REFCOUNT_TSAN
#define SYNCLAB_REFCOUNT_TSAN 0
#endif

namespace synclab::refcount::detail {

// Counts above this abort (see the top comment).
inline constexpr std::size_t kMaxRefs = std::numeric_limits<std::size_t>::max() / 2;

// Prints one line and aborts. The death tests match "reference count overflow".
[[noreturn]] inline void abort_on_overflow(const char* primitive) noexcept {
  std::fprintf(stderr, "synclab: %s: reference count overflow\n", primitive);
  std::abort();
}

// Called by the thread whose release decrement took `count` to zero (or
// whose relaxed check saw a unique owner), before it touches the object.
template <class Int>
inline void acquire_after_release_decrements(const std::atomic<Int>& count) noexcept {
#if SYNCLAB_REFCOUNT_TSAN
  (void)count.load(std::memory_order_acquire);
#else
  (void)count;
  std::atomic_thread_fence(std::memory_order_acquire);
#endif
}

}  // namespace synclab::refcount::detail
