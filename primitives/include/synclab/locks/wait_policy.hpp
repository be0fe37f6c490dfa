// wait_policy.hpp — how a lock's waiter spends its time: the waiting-policy
// axis, kept apart from the lock algorithm.
//
// Source: the separation is LiTL's (Guiroux, Lachaize & Quéma, USENIX ATC
//   2016: every lock in spin, spin-then-park and park flavours); the three
//   policies are the classic ones (Ousterhout 1982 for spin-then-block; Rust
//   Atomics and Locks, ch. 9 "Optimizing Further" for the bounded spin before a
//   futex sleep).
//
// The policies (each is a small per-acquisition object: a waiter creates one
// when it first finds the lock held and drops it when it gets the lock):
//   SpinWithPause      pause() = one PAUSE. Never gives up its CPU: cheapest
//                      handoff, and under oversubscription a preempted holder
//                      costs every waiter its whole time slice.
//   SpinThenYield<N>   N PAUSEs, then sched_yield() on every further poll: the
//                      waiter stays runnable, but lets the scheduler run someone
//                      else (with luck the preempted holder) instead of burning
//                      the rest of its slice. Counted per thread (yield_count()).
//                      No syscall on the release side.
//   SpinThenPark<N>    N PAUSEs while the holder is running, then sleep on the
//                      lock word with a futex until woken. Needs the lock's
//                      cooperation: a "sleepers may exist" mark in the word, so
//                      unlock() knows when a wake syscall is needed (the lock
//                      implements that protocol; the policy only says when to
//                      stop spinning). Futex calls are counted by wait/futex.hpp.
// Spin count: N = 100 by default for both, the value futex_mutex3_spin uses
//   (the book's "mostly arbitrary" 100, Rust's std::sync::Mutex on Linux), so
//   the sleeping members of the lab spin alike and differ only in what they do
//   after. At 10–140 cycles per PAUSE that is ~1k–14k cycles: about a short
//   critical section plus a cache-line transfer, the window in which spinning
//   pays. WebKit's WTF::Lock spins 40 times with yields before parking; the
//   count is a template parameter for sweeps.
// Memory ordering: none. A policy only decides what to do between two looks at
//   the lock word; every acquire and release is the lock's.
#pragma once

#include <sched.h>

#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"

namespace synclab::locks {

// sched_yield() calls made by waiting policies on the calling thread. A plain
// per-thread counter (no shared line), read like wait::wait_counters().
inline thread_local std::uint64_t tls_policy_yields = 0;

[[nodiscard]] inline std::uint64_t yield_count() noexcept { return tls_policy_yields; }

inline constexpr std::uint32_t kDefaultWaitSpins = 100;

struct SpinWithPause {
  static constexpr std::string_view suffix = "spin";
  static constexpr bool sleeps = false;

  void pause() noexcept { cpu_relax(); }
};

template <std::uint32_t SpinCount = kDefaultWaitSpins>
class SpinThenYield {
 public:
  static constexpr std::string_view suffix = "yield";
  static constexpr bool sleeps = false;
  static constexpr std::uint32_t spin_count = SpinCount;

  void pause() noexcept {
    if (spins_ < SpinCount) {
      ++spins_;
      cpu_relax();
      return;
    }
    ++tls_policy_yields;
    sched_yield();
  }

 private:
  std::uint32_t spins_ = 0;
};

template <std::uint32_t SpinCount = kDefaultWaitSpins>
class SpinThenPark {
 public:
  static constexpr std::string_view suffix = "park";
  static constexpr bool sleeps = true;
  static constexpr std::uint32_t spin_count = SpinCount;

  // One more spin (true), or time to sleep (false). `holder_running` is the
  // lock's judgement: false once another waiter has already gone to sleep,
  // which says the lock is not about to come free.
  [[nodiscard]] bool spin_once_more(bool holder_running) noexcept {
    if (!holder_running || spins_ >= SpinCount) {
      return false;
    }
    ++spins_;
    cpu_relax();
    return true;
  }

 private:
  std::uint32_t spins_ = 0;
};

}  // namespace synclab::locks
