// atomic_queue.hpp — Maxim Egorushkin's atomic_queue (libatomic-queue-dev,
// MIT) as synclab Channels: `aq_atomic` (AtomicQueue), `aq_atomic_b`
// (AtomicQueueB), `aq_atomic2` (AtomicQueue2), `aq_atomic_b2`
// (AtomicQueueB2).
//
// All four are rings of slots over two free-running 32-bit counters, head
// and tail. The channel operations are the library's try_push / try_pop: a
// CAS on the counter after checking head − tail against the size, then the
// slot: the *2 variants keep a one-byte state per slot (EMPTY, STORING,
// STORED, LOADING) next to a plain T, the others keep the message itself in
// a std::atomic<T> whose value NIL means "empty". Its blocking push / pop
// (a fetch_add on the counter, then a spin on the slot) cannot be offered as
// a Channel: a consumer's ticket taken on an empty queue cannot be given
// back, so it would wait past the end of the window for a message nobody
// sends (the library's own benchmark protocol, which moves a fixed number of
// messages, uses them; see docs/channels.md).
//   AtomicQueue, AtomicQueue2    capacity fixed at compile time: kFixed (1024,
//                                the family's default); a smaller request
//                                still gets 1024 (capacity() says so).
//   AtomicQueueB, AtomicQueueB2  capacity at run time, rounded up to a power
//                                of two and to at least (line / slot)^2 slots
//                                (64 for AtomicQueueB's 8-byte slots, 4096
//                                for AtomicQueueB2, whose shuffle counts its
//                                one-byte states): indices are shuffled so
//                                neighbouring positions fall on different
//                                cache lines.
// The NIL constraint (AtomicQueue, AtomicQueueB): the slot holds the message
//   itself and one value of it, NIL, means "empty", so T must fit a lock-free
//   atomic and one value is lost. The adapter takes 8-byte trivially copyable
//   messages, stores their bits inverted as a std::uint64_t and uses NIL = 0:
//   the one message that cannot be sent is the one whose 64 bits are all
//   ones. The family's 8-byte message never is (its producer byte would be
//   255, and producers are 0..254, harness::kMaxProducers), and try_send of
//   that value throws std::invalid_argument rather than lose it. Other
//   payload sizes get only the *2 variants.
// Semantics: bounded, no blocking, no close, allocation none. Order none:
//   positions are claimed in one total order (the CAS), but a slot records
//   no lap, only "empty" or "full". A consumer that claimed position
//   p + size can take the message stored for position p when p's own
//   consumer was delayed between its claim and its load (preempted: a whole
//   lap passed meanwhile), and p's consumer then takes the later lap's
//   message: one consumer sees a producer's later message before its
//   earlier one. channel_peers_test sees it in every variant with two
//   consumers on one PU ("producer 1's message 0 arrived after its message
//   1023"); every message still arrives exactly once. A claimed slot is
//   waited for (a consumer spins until a producer has stored, a producer
//   until a consumer has loaded), so the queue is blocking in the progress
//   sense: a thread preempted between its CAS and its slot stalls the
//   threads of the next lap on that slot.
#pragma once

#if SYNCLAB_HAVE_ATOMIC_QUEUE

#include <atomic_queue/atomic_queue.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <type_traits>

#include "synclab/channels/concepts.hpp"

namespace synclab::peers {

namespace atomic_queue_detail {

inline constexpr unsigned kFixed = 1024;
inline constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;

template <class T>
inline constexpr bool kFitsWord = std::is_trivially_copyable_v<T> && sizeof(T) == sizeof(std::uint64_t);

inline constexpr channels::Semantics kSemantics{.bounded = true,
                                                .blocking = false,
                                                .order = channels::Order::none,  // slots carry no lap (above)
                                                .multi_producer = true,
                                                .multi_consumer = true,
                                                .close = false,
                                                .allocation = "none (slots allocated at construction)"};

// NIL = 0 stands for the message whose bits are all ones.
template <class T>
std::uint64_t encode(const T& v) {
  const std::uint64_t word = ~std::bit_cast<std::uint64_t>(v);
  if (word == 0) throw std::invalid_argument("atomic_queue: a message of all one bits is the queue's NIL");
  return word;
}
template <class T>
T decode(std::uint64_t word) noexcept {
  return std::bit_cast<T>(~word);
}

inline unsigned run_time_size(std::size_t requested) noexcept {
  return static_cast<unsigned>(std::min(std::max<std::size_t>(requested, 1), kMaxCapacity));
}

}  // namespace atomic_queue_detail

// AtomicQueue<std::uint64_t, 1024, NIL = 0>: messages in atomic slots, size at compile time.
template <class T>
class AtomicQueuePeer {
  static_assert(atomic_queue_detail::kFitsWord<T>, "AtomicQueue holds the message in one atomic word");

 public:
  using value_type = T;
  static constexpr std::string_view name = "aq_atomic";
  static constexpr channels::Semantics semantics = atomic_queue_detail::kSemantics;
  static constexpr bool queue_frontier = true;  // also mpmc_oversub (benches/channels.cpp)
  static constexpr bool sweep_only = true;      // registered only with sweeps on (benches/channels.cpp)

  explicit AtomicQueuePeer(std::size_t /*capacity: fixed at 1024*/) : queue_(std::make_unique<Queue>()) {}

  bool try_send(T& v) { return queue_->try_push(atomic_queue_detail::encode(v)); }
  bool try_recv(T& out) {
    std::uint64_t word;
    if (!queue_->try_pop(word)) return false;
    out = atomic_queue_detail::decode<T>(word);
    return true;
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return queue_->capacity(); }

 private:
  using Queue = atomic_queue::AtomicQueue<std::uint64_t, atomic_queue_detail::kFixed, std::uint64_t{0}>;
  std::unique_ptr<Queue> queue_;
};

// AtomicQueueB<std::uint64_t, allocator, NIL = 0>: as above, size at run time.
template <class T>
class AtomicQueueBPeer {
  static_assert(atomic_queue_detail::kFitsWord<T>, "AtomicQueueB holds the message in one atomic word");

 public:
  using value_type = T;
  static constexpr std::string_view name = "aq_atomic_b";
  static constexpr channels::Semantics semantics = atomic_queue_detail::kSemantics;
  static constexpr bool queue_frontier = true;  // also mpmc_oversub (benches/channels.cpp)
  static constexpr bool sweep_only = true;      // registered only with sweeps on (benches/channels.cpp)

  explicit AtomicQueueBPeer(std::size_t capacity) : queue_(atomic_queue_detail::run_time_size(capacity)) {}

  bool try_send(T& v) { return queue_.try_push(atomic_queue_detail::encode(v)); }
  bool try_recv(T& out) {
    std::uint64_t word;
    if (!queue_.try_pop(word)) return false;
    out = atomic_queue_detail::decode<T>(word);
    return true;
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return queue_.capacity(); }

 private:
  atomic_queue::AtomicQueueB<std::uint64_t, std::allocator<std::uint64_t>, std::uint64_t{0}> queue_;
};

// AtomicQueue2<T, 1024>: a state byte per slot beside a plain T, size at compile time.
template <class T>
class AtomicQueue2Peer {
 public:
  using value_type = T;
  static constexpr std::string_view name = "aq_atomic2";
  static constexpr channels::Semantics semantics = atomic_queue_detail::kSemantics;
  static constexpr bool queue_frontier = true;  // also mpmc_oversub (benches/channels.cpp)
  static constexpr bool sweep_only = true;      // registered only with sweeps on (benches/channels.cpp)

  explicit AtomicQueue2Peer(std::size_t /*capacity: fixed at 1024*/) : queue_(std::make_unique<Queue>()) {}

  bool try_send(T& v) { return queue_->try_push(v); }
  bool try_recv(T& out) { return queue_->try_pop(out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return queue_->capacity(); }

 private:
  using Queue = atomic_queue::AtomicQueue2<T, atomic_queue_detail::kFixed>;
  std::unique_ptr<Queue> queue_;
};

// AtomicQueueB2<T>: as above, size at run time.
template <class T>
class AtomicQueueB2Peer {
 public:
  using value_type = T;
  static constexpr std::string_view name = "aq_atomic_b2";
  static constexpr channels::Semantics semantics = atomic_queue_detail::kSemantics;
  static constexpr bool queue_frontier = true;  // also mpmc_oversub (benches/channels.cpp)
  static constexpr bool sweep_only = true;      // registered only with sweeps on (benches/channels.cpp)

  explicit AtomicQueueB2Peer(std::size_t capacity) : queue_(atomic_queue_detail::run_time_size(capacity)) {}

  bool try_send(T& v) { return queue_.try_push(v); }
  bool try_recv(T& out) { return queue_.try_pop(out); }
  [[nodiscard]] std::size_t capacity() const noexcept { return queue_.capacity(); }

 private:
  atomic_queue::AtomicQueueB2<T> queue_;
};

static_assert(channels::Channel<AtomicQueuePeer<long>>);
static_assert(channels::Channel<AtomicQueueBPeer<long>>);
static_assert(channels::Channel<AtomicQueue2Peer<long>>);
static_assert(channels::Channel<AtomicQueueB2Peer<long>>);

}  // namespace synclab::peers

#endif
