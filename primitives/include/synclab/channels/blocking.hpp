// blocking.hpp — BlockingChannel<Q>: turns a bounded non-blocking queue Q
// (spsc_ring, mpmc_bounded) into a channel whose send sleeps while it is
// full and whose recv sleeps while it is empty, with close().
//
// Algorithm: two event counts (event_count.hpp) next to the queue: `items`,
//   on which receivers sleep, and `space`, on which senders sleep.
//   send(v)  try Q::try_send a few times (spinning with cpu_relax); if the
//            queue stays full: space.prepare_wait(), try once more (or see
//            the close), otherwise space.wait(); loop. After a successful
//            send: items.notify_one(), and, if Q takes several producers,
//            space.notify_one() too (the hand-on below); one fence for both.
//   recv     the mirror image on `items`: then space.notify_one(), and
//            items.notify_one() if Q takes several consumers.
//   close()  set the closed flag, then notify_all on both event counts.
//   try_send / try_recv  Q's, plus the same notifies on success; try_send
//            fails once closed.
// The hand-on (a sleeper of one's own side is woken too): a queue with
//   several consumers may report "empty" while messages are in it, hidden
//   behind a cell a producer has claimed and not yet published
//   (mpmc_bounded, and any queue built like it); several receivers can then
//   fall asleep while the notifies of the messages behind the cell are
//   spent, and the publication of that one cell wakes one of them. Without
//   more, the others sleep beside messages until some later send or close().
//   So every successful receive, over such a queue, also wakes one sleeping
//   receiver, if any: every change that can make a message reachable (a
//   publication, or a receive that moves the head on) is followed by a
//   notify, and a woken receiver that finds a message does the same. The
//   mirror holds for senders and cells still being emptied. The guarantee
//   rests only on Q's try_send / try_recv reporting "full" / "empty" until
//   the claimed cell ahead is done, not on how Q is built
//   (tests/primitives/channel_sleepers_test.cpp holds a producer, and a
//   consumer, between claim and publication, over mpmc_bounded and over a
//   test queue of another structure). The cost: while receivers (senders)
//   sleep, a receive (send) can wake one that finds nothing and sleeps
//   again; while none sleeps, a load of a line the own side writes only
//   when it goes to sleep. A single-consumer (-producer) Q skips it at
//   compile time. The Wakes parameter turns either notify off, for the
//   broken twins of the tests only (synclab/testing/channel_broken.hpp).
// Source: the event-count pattern (Vyukov's eventcount; folly's and
//   Rust crossbeam's parkers work the same way) over the queues in this
//   directory; the futex layer of Rust Atomics and Locks, ch. 8-9.
// Guarantees:
//   - No lost wake-up: see event_count.hpp, and no sleeper stranded beside a
//     message or a free cell: see the hand-on above. Each successful send
//     wakes at most one sleeping receiver (and one sleeping sender) and each
//     successful receive at most one sleeping sender (and one sleeping
//     receiver); a woken thread that loses the race to a running one goes
//     back to sleep, and the message or slot it was woken for has been used
//     by the thread that won.
//   - No futex syscall while nobody sleeps: a send or receive with no
//     sleeper costs Q's operation, one seq_cst fence and a load of a line
//     nobody writes (two such loads over a multi-producer / multi-consumer
//     Q; tests check wait::wait_counters()).
//   - Producers and consumers as Q allows (semantics are Q's, plus blocking
//     and close); order as Q's; capacity as Q's.
//   - close(): a send that has returned before close() is called is
//     received before any recv returns false. A send that races with
//     close() either fails or its message stays in the channel after
//     receivers have seen the end (try_recv still returns it); over
//     mpmc_bounded, a producer preempted inside such a racing send can also
//     hide the messages behind its cell from the receivers' last look. So
//     a benchmark that closes while producers run counts what it drains
//     with try_recv after joining them.
//   - A sleeping thread costs no CPU; a wake costs the woken thread a
//     scheduler round trip. The short spin before sleeping (kSpinTries)
//     catches partners that are about to act.
// Memory ordering: Q's own acquire/release hands the messages over. The
//   closed flag: release store in close(), acquire loads, so a receiver that
//   sees it also sees every message sent before close(). The event counts'
//   seq_cst fences order "publish, then look for sleepers" against
//   "announce sleep, then look at the queue" (event_count.hpp).
// Layout: Q, then the closed flag and each event count in its own padded
//   block: senders read `items` (and the flag) on every send, receivers
//   read `space` on every receive.
// Allocation: Q's.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/compile_time_name.hpp"
#include "synclab/channels/concepts.hpp"
#include "synclab/channels/event_count.hpp"
#include "synclab/channels/mpmc_bounded.hpp"
#include "synclab/channels/spsc_ring.hpp"
#include "synclab/padding/padded.hpp"

namespace synclab::channels {

// Which sleepers a successful send or receive wakes: one of the other side
// (the notify every wrapper needs) and one of its own side (the hand-on,
// only over a queue with several producers / consumers). Both, except in
// the tests' broken twins.
struct Wakes {
  bool other_side = true;
  bool own_side = true;
};

template <class Q, Wakes W = Wakes{}>
class BlockingChannel {
 public:
  using value_type = typename Q::value_type;
  using queue_type = Q;
  static constexpr std::string_view name = static_name<compose_name("blocking_", Q::name)>;
  static constexpr bool counts_futex_calls = requires { requires Q::counts_futex_calls; };  // Q's; event_count sleeps counted
  static constexpr Semantics semantics = [] {
    Semantics s = Q::semantics;
    s.blocking = true;
    s.close = true;
    return s;
  }();
  // Failed attempts before a thread counts itself as a sleeper.
  static constexpr int kSpinTries = 64;

  explicit BlockingChannel(std::size_t capacity) : queue_(capacity) {}
  BlockingChannel(const BlockingChannel&) = delete;
  BlockingChannel& operator=(const BlockingChannel&) = delete;

  bool try_send(value_type& v) {
    if (closed()) return false;
    if (!queue_.try_send(v)) return false;
    after_send();
    return true;
  }
  bool try_send(value_type&& v) { return try_send(v); }

  bool try_recv(value_type& out) {
    if (!queue_.try_recv(out)) return false;
    after_recv();
    return true;
  }

  // Sleeps while full; false only once closed (v is then untouched).
  bool send(value_type& v) {
    for (;;) {
      if (closed()) return false;
      if (spin([&] { return queue_.try_send(v); })) break;
      const EventCount::Token token = space_->prepare_wait();
      if (closed()) {
        space_->cancel_wait();
        return false;
      }
      if (queue_.try_send(v)) {
        space_->cancel_wait();
        break;
      }
      space_->wait(token);
    }
    after_send();
    return true;
  }
  bool send(value_type&& v) { return send(v); }

  // Sleeps while empty; false only once closed and drained.
  bool recv(value_type& out) {
    for (;;) {
      if (spin([&] { return queue_.try_recv(out); })) break;
      if (closed()) {
        // Everything sent before close() is visible now: one last look.
        if (!queue_.try_recv(out)) return false;
        break;
      }
      const EventCount::Token token = items_->prepare_wait();
      if (queue_.try_recv(out)) {
        items_->cancel_wait();
        break;
      }
      if (closed()) {
        items_->cancel_wait();
        continue;
      }
      items_->wait(token);
    }
    after_recv();
    return true;
  }

  void close() {
    closed_->store(true, std::memory_order_release);
    items_->notify_all();
    space_->notify_all();
  }

  [[nodiscard]] bool closed() const noexcept { return closed_->load(std::memory_order_acquire); }

  [[nodiscard]] std::size_t capacity() const noexcept { return queue_.capacity(); }

  // Snapshots, for tests and diagnostics: threads counted as (about to be)
  // asleep on an empty / a full channel.
  [[nodiscard]] std::uint32_t sleeping_receivers() const noexcept { return items_->sleepers(); }
  [[nodiscard]] std::uint32_t sleeping_senders() const noexcept { return space_->sleepers(); }

 private:
  // A message was published: wake a receiver, and hand on to a sender.
  void after_send() noexcept { notify(*items_, *space_, Q::semantics.multi_producer); }
  // A cell was freed: wake a sender, and hand on to a receiver.
  void after_recv() noexcept { notify(*space_, *items_, Q::semantics.multi_consumer); }

  static void notify(EventCount& other_side, EventCount& own_side, bool own_side_shares) noexcept {
    const bool hand_on = W.own_side && own_side_shares;
    if (W.other_side && hand_on) {
      EventCount::notify_one_each(other_side, own_side);
    } else if (W.other_side) {
      other_side.notify_one();
    } else if (hand_on) {
      own_side.notify_one();
    }
  }

  template <class Attempt>
  static bool spin(Attempt&& attempt) {
    for (int i = 0; i < kSpinTries; ++i) {
      if (attempt()) return true;
      synclab::cpu_relax();
    }
    return false;
  }

  Q queue_;
  padding::Padded<std::atomic<bool>> closed_;
  padding::Padded<EventCount> items_;
  padding::Padded<EventCount> space_;
};

template <class T>
using BlockingSpscRing = BlockingChannel<SpscRing<T>>;
template <class T>
using BlockingMpmcBounded = BlockingChannel<MpmcBounded<T>>;

static_assert(Blocking<BlockingSpscRing<long>>);
static_assert(BlockingSpscRing<long>::name == "blocking_spsc_ring");
static_assert(BlockingMpmcBounded<long>::name == "blocking_mpmc_bounded");

}  // namespace synclab::channels
