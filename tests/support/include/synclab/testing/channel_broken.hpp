// channel_broken.hpp — deliberately broken channels, for the negative tests
// that prove the channel checks catch what they are meant to catch. Never
// use them for anything else.
//
//   RelaxedPublishRing<T>   spsc_ring whose producer publishes the tail with
//                           a relaxed store and whose consumer reads it
//                           relaxed: no happens-before from the write of a
//                           message to its read. x86-64 hides it (stores are
//                           not reordered with stores); ThreadSanitizer must
//                           report the data race on the slot
//                           (channel_broken_tsan_test).
//   OverwritingRing<T>      spsc_ring that never checks for full: a producer
//                           ahead of the consumer overwrites messages not yet
//                           received. The exactly-once / order check must see
//                           it in every build (channel_broken_order_test).
//   LostWakeBlocking<Q>     the blocking wrapper (channels/blocking.hpp) with
//                           every notify after a successful send and receive
//                           left out (its Wakes parameter): a thread asleep
//                           on an empty (full) channel is never woken by the
//                           next send (receive). The hang detector of the
//                           stress check must report it; close() still
//                           wakes everyone, which is how the detector ends
//                           the run (channel_broken_wake_test).
//   NoHandOnBlocking<Q>     the blocking wrapper without the hand-on to its
//                           own side: over a queue that can hide messages
//                           behind a claimed cell, a receiver (sender) stays
//                           asleep beside a message (a free cell) until a
//                           later send or close(). The sleepers test must see
//                           it stranded (channel_sleepers_test,
//                           ClaimedCellAheadBroken).
//   SilentMutexRing<T>      mutex_ring without its notify after a successful
//                           send or receive: a sender asleep on a full ring
//                           (a receiver on an empty one) sleeps on until
//                           close(). The hang detector must report it
//                           (channel_broken_wake_test).
//   UnmarkedScq<T>          scq whose dequeuer, passing an entry that holds
//                           no index, leaves the entry's cycle behind (its
//                           MarkPassedEntries parameter): an enqueuer that
//                           took that position and comes late still fills
//                           it, and no dequeuer will read it again. A message
//                           held at the stall point while a receiver passes
//                           its position is lost (scq_test, *Broken*).
//   UnmarkedFaaArrayQueue<T> faa_array_queue whose dequeuer, finding its
//                           cell EMPTY, leaves it EMPTY instead of TAKEN (its
//                           MarkEmptyCells parameter): the late enqueuer of
//                           that cell fills it after every dequeuer passed.
//                           The held message is lost (faa_array_queue_test,
//                           *Broken*).
//   UncheckedBbqMpmc<T>     bbq_mpmc whose consumer trusts the commit count
//                           alone (its CheckAllocated parameter): while an
//                           earlier producer holds an allocated but unwritten
//                           entry and a later one has committed, the consumer
//                           reserves the unwritten entry, reads a slot that
//                           holds no message, and the held message is never
//                           read (bbq_test, *Broken*).
//   UnkilledLprq<T>         lprq whose dequeuer, finding its position
//                           RESERVED by an enqueuer that has not published
//                           yet, passes it without killing the reservation
//                           (its KillReserved parameter): the enqueuer then
//                           publishes a message at a position whose
//                           dequeuer has gone. The held message is lost
//                           (lprq_test, *Broken*).
//   UnmarkedLcrq<T>         lcrq whose dequeuer, finding its cell
//                           unoccupied, gives the position up without the
//                           empty transition (its MarkEmptyCells
//                           parameter): a late enqueuer of that position
//                           still fills the cell, and nobody will read it.
//                           The held message is lost (lcrq_test, *Broken*).
//                           x86-64 and arm64 only, as lcrq.
//   UnscannedFaaArrayQueue<T, Tag>, UnscannedLprq<T, R, Tag>,
//   UnscannedLcrq<T, R, Tag>
//                           the ring-list queues with a Reclaim policy that
//                           never hands a retired ring to the hazard
//                           pointers' scan (CountedReclaim<Tag, false>,
//                           ring_census.hpp): retired rings pile up until
//                           the test releases them. The memory check must
//                           see the retired count pass its bound
//                           (faa_array_queue_test, lprq_test, lcrq_test,
//                           *Broken*). UnscannedLcrq: x86-64 and arm64 only.
#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "synclab/channels/bbq.hpp"
#include "synclab/channels/blocking.hpp"
#include "synclab/channels/concepts.hpp"
#include "synclab/channels/detail.hpp"
#include "synclab/channels/faa_array_queue.hpp"
#include "synclab/channels/lcrq.hpp"
#include "synclab/channels/lprq.hpp"
#include "synclab/channels/mutex_ring.hpp"
#include "synclab/channels/scq.hpp"
#include "synclab/testing/ring_census.hpp"

namespace synclab::testing {

// A minimal single-producer single-consumer ring of plain values (T
// trivially copyable and default-constructible: these are test payloads);
// `publish` and `observe` are the orderings of the tail store and load,
// `check_full` whether the producer looks for room at all.
template <class T, std::memory_order publish, std::memory_order observe, bool check_full>
class TestRing {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  using value_type = T;
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = false,
                                                 .order = channels::Order::global_fifo,
                                                 .multi_producer = false,
                                                 .multi_consumer = false,
                                                 .close = false,
                                                 .allocation = "none"};

  explicit TestRing(std::size_t capacity) : slots_(channels::detail::ring_capacity(capacity)) {}

  bool try_send(T& v) {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if constexpr (check_full) {
      if (tail - head_.load(std::memory_order_acquire) == slots_.size()) return false;
    }
    slot(tail) = v;
    tail_.store(tail + 1, publish);
    return true;
  }

  bool try_recv(T& out) {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_.load(observe)) return false;
    out = slot(head);
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

 private:
  T& slot(std::size_t i) noexcept { return slots_[i & (slots_.size() - 1)]; }

  std::vector<T> slots_;
  alignas(128) std::atomic<std::size_t> tail_{0};
  alignas(128) std::atomic<std::size_t> head_{0};
};

template <class T>
struct RelaxedPublishRing
    : TestRing<T, std::memory_order_relaxed, std::memory_order_relaxed, /*check_full=*/true> {
  static constexpr std::string_view name = "relaxed_publish_ring";
  using TestRing<T, std::memory_order_relaxed, std::memory_order_relaxed, true>::TestRing;
};

template <class T>
struct OverwritingRing
    : TestRing<T, std::memory_order_release, std::memory_order_acquire, /*check_full=*/false> {
  static constexpr std::string_view name = "overwriting_ring";
  using TestRing<T, std::memory_order_release, std::memory_order_acquire, false>::TestRing;
};

template <class Q>
struct LostWakeBlocking : channels::BlockingChannel<Q, channels::Wakes{.other_side = false, .own_side = false}> {
  static constexpr std::string_view name = "lost_wake_blocking";
  using channels::BlockingChannel<Q, channels::Wakes{.other_side = false, .own_side = false}>::BlockingChannel;
};

template <class Q>
struct NoHandOnBlocking : channels::BlockingChannel<Q, channels::Wakes{.other_side = true, .own_side = false}> {
  static constexpr std::string_view name = "no_hand_on_blocking";
  using channels::BlockingChannel<Q, channels::Wakes{.other_side = true, .own_side = false}>::BlockingChannel;
};

template <class T>
struct SilentMutexRing : channels::MutexRing<T, /*WakeOtherSide=*/false> {
  static constexpr std::string_view name = "silent_mutex_ring";
  using channels::MutexRing<T, false>::MutexRing;
};

template <class T>
struct UnmarkedScq : channels::Scq<T, /*MarkPassedEntries=*/false> {
  using channels::Scq<T, false>::Scq;
  static constexpr std::string_view name = "unmarked_scq";
};

template <class T>
struct UnmarkedFaaArrayQueue : channels::FaaArrayQueue<T, /*MarkEmptyCells=*/false> {
  using channels::FaaArrayQueue<T, false>::FaaArrayQueue;
  static constexpr std::string_view name = "unmarked_faa_array_queue";
};

template <class T>
struct UncheckedBbqMpmc : channels::Bbq<T, /*Multi=*/true, /*CheckAllocated=*/false> {
  using channels::Bbq<T, true, false>::Bbq;
  static constexpr std::string_view name = "unchecked_bbq_mpmc";
};

template <class T>
struct UnkilledLprq : channels::Lprq<T, 1024, /*KillReserved=*/false> {
  using channels::Lprq<T, 1024, false>::Lprq;
  static constexpr std::string_view name = "unkilled_lprq";
};

template <class T, class Tag>
struct UnscannedFaaArrayQueue : channels::FaaArrayQueue<T, true, CountedReclaim<Tag, /*Scan=*/false>> {
  using channels::FaaArrayQueue<T, true, CountedReclaim<Tag, false>>::FaaArrayQueue;
  static constexpr std::string_view name = "unscanned_faa_array_queue";
};

template <class T, std::size_t R, class Tag>
struct UnscannedLprq : channels::Lprq<T, R, true, CountedReclaim<Tag, /*Scan=*/false>> {
  using channels::Lprq<T, R, true, CountedReclaim<Tag, false>>::Lprq;
  static constexpr std::string_view name = "unscanned_lprq";
};

#if SYNCLAB_HAVE_CAS2  // lcrq is built (x86-64, arm64)
template <class T, std::size_t R, class Tag>
struct UnscannedLcrq : channels::Lcrq<T, R, true, CountedReclaim<Tag, /*Scan=*/false>> {
  using channels::Lcrq<T, R, true, CountedReclaim<Tag, false>>::Lcrq;
  static constexpr std::string_view name = "unscanned_lcrq";
};

template <class T>
struct UnmarkedLcrq : channels::Lcrq<T, 1024, /*MarkEmptyCells=*/false> {
  using channels::Lcrq<T, 1024, false>::Lcrq;
  static constexpr std::string_view name = "unmarked_lcrq";
};
#endif

}  // namespace synclab::testing
