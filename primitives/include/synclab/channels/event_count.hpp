// channels/event_count.hpp — sleep until "something changed", with no
// syscall on the notifying side while nobody sleeps.
//
// Algorithm: an event count (Vyukov's eventcount; the futex-based condition
//   of Rust Atomics and Locks, ch. 9 "Condition Variable", with a sleeper
//   count added so that a notify with no sleeper costs no syscall).
//   Two 32-bit words: `epoch`, the futex word, bumped by every notify that
//   may have a sleeper to wake, and `sleepers`, how many threads are between
//   prepare_wait() and the end of wait() / cancel_wait().
//   Waiter:   token = prepare_wait();      // sleepers += 1, read the epoch
//             if (condition holds) cancel_wait(); else wait(token);
//             ... then re-check the condition in a loop.
//   Notifier: make the condition true (with a release store of its own),
//             then notify_one() / notify_all().
// Why no wake-up is lost: the waiter's `sleepers` increment and the
//   notifier's publication are each followed by a store-load barrier before
//   the other side's load, so at least one side sees the other (Dekker):
//   either the waiter's re-check sees the condition and does not sleep, or
//   the notifier sees sleepers > 0 and bumps the epoch after the waiter has
//   read it. Then futex_wait(epoch, token) either finds the epoch changed and
//   returns at once, or is asleep already and gets the wake.
// The store-load barrier: two seq_cst fences, one on each side; whichever
//   comes first in the single total order, the other side's later load sees
//   the store before the first. A notifier then only *reads* `sleepers`, so
//   many notifiers share its cache line without writing it. ThreadSanitizer
//   does not model stand-alone fences (and GCC warns about them there), so
//   under TSan each side does a seq_cst RMW on `sleepers` instead
//   (fetch_add(1) / fetch_add(0)): RMWs on one variable are totally
//   ordered and the later one reads the earlier one's value, which
//   synchronises and gives the same guarantee.
//   The barrier is the template parameter (DekkerFences, the default); the
//   code a release build runs is therefore not the code TSan checks, so
//   tests/primitives/release_fences_test.cpp checks it in release and
//   ASan builds: a round-by-round Dekker race between a publication and a
//   sleeper must never lose a wake-up, and the twin with the fence pair
//   weakened to acquire fences (no store-load order: no instruction on
//   x86-64, `dmb ishld` on arm64) must lose one.
// Two event counts after one publication (BlockingChannel wakes a sleeper on
//   each side after a send or a receive): notify_one_each() pays the
//   notifier's barrier once and looks at both counts.
// Memory ordering:
//   sleepers += 1 / -= 1: relaxed; the fence after the increment orders it,
//     and the decrement only makes future notifiers skip a useless syscall.
//   epoch load (waiter): acquire, so that a waiter that already reads a
//     bumped epoch also sees the publication that preceded the bump (its
//     re-check then succeeds instead of sleeping until the next bump).
//   epoch bump (notifier): release, pairing with that load.
//   The futex calls order nothing (wait/futex.hpp).
// Cost: notify with nobody asleep is one fence and one shared load; with
//   sleepers it adds an RMW and a futex_wake. A waiter that finds the
//   condition true on its re-check pays an RMW and a fence, no syscall.
//   A notifier may issue a wake nobody needs (a waiter that counted itself
//   and then found the condition true), never the other way round. A woken
//   thread stays counted until it runs again, so while it is on its way
//   back every notify issues another futex_wake: under oversubscription a
//   fast sender pays several syscalls per sleep of its receiver
//   (futex_wakes_per_op shows it).
// The waiter counts itself; a notifier never decrements on its behalf, so
//   the count cannot go wrong when a waiter cancels.

#pragma once

#include <atomic>
#include <cstdint>

#include "synclab/channels/detail.hpp"
#include "synclab/wait/futex.hpp"

namespace synclab::channels {

// The store-load barrier of each side (see the top): seq_cst fences, or the
// RMWs that replace them under ThreadSanitizer.
struct DekkerFences {
  // Waiter: counts itself as a sleeper; barrier() follows its epoch load.
  static void announce(std::atomic<std::uint32_t>& sleepers) noexcept {
    sleepers.fetch_add(1, SYNCLAB_CHANNELS_TSAN ? std::memory_order_seq_cst : std::memory_order_relaxed);
  }
  // Between a side's store (the count, the publication) and its load of the other side's.
  static void barrier() noexcept {
#if !SYNCLAB_CHANNELS_TSAN
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
  }
  // Notifier, after barrier(): how many may sleep.
  static std::uint32_t look(std::atomic<std::uint32_t>& sleepers) noexcept {
#if SYNCLAB_CHANNELS_TSAN
    return sleepers.fetch_add(0, std::memory_order_seq_cst);
#else
    return sleepers.load(std::memory_order_relaxed);
#endif
  }
};

template <class Barrier = DekkerFences>
class BasicEventCount {
 public:
  using Token = std::uint32_t;

  BasicEventCount() = default;
  BasicEventCount(const BasicEventCount&) = delete;
  BasicEventCount& operator=(const BasicEventCount&) = delete;

  // Counts the caller as a sleeper; it must re-check its condition, then
  // call exactly one of cancel_wait() and wait(token).
  [[nodiscard]] Token prepare_wait() noexcept {
    Barrier::announce(sleepers_);
    const Token token = epoch_.load(std::memory_order_acquire);
    Barrier::barrier();
    return token;
  }

  void cancel_wait() noexcept { sleepers_.fetch_sub(1, std::memory_order_relaxed); }

  // Sleeps unless a notify came after prepare_wait(); may return spuriously.
  void wait(Token token) noexcept {
    wait::futex_wait(epoch_, token);
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Called after the caller's publication (a release store or RMW).
  void notify_one() noexcept {
    Barrier::barrier();
    wake_one_if_sleeping();
  }

  void notify_all() noexcept {
    Barrier::barrier();
    if (Barrier::look(sleepers_) != 0) {
      epoch_.fetch_add(1, std::memory_order_release);
      wait::futex_wake_all(epoch_);
    }
  }

  // notify_one() on both, after one barrier.
  static void notify_one_each(BasicEventCount& a, BasicEventCount& b) noexcept {
    Barrier::barrier();
    a.wake_one_if_sleeping();
    b.wake_one_if_sleeping();
  }

  // Snapshots, for tests and diagnostics.
  [[nodiscard]] std::uint32_t sleepers() const noexcept { return sleepers_.load(std::memory_order_relaxed); }
  [[nodiscard]] Token epoch() const noexcept { return epoch_.load(std::memory_order_relaxed); }

 private:
  void wake_one_if_sleeping() noexcept {
    if (Barrier::look(sleepers_) != 0) {
      epoch_.fetch_add(1, std::memory_order_release);
      wait::futex_wake_one(epoch_);
    }
  }

  std::atomic<std::uint32_t> epoch_{0};
  std::atomic<std::uint32_t> sleepers_{0};
};

using EventCount = BasicEventCount<>;

}  // namespace synclab::channels
