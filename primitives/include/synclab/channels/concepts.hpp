// channels/concepts.hpp — what every channel and one-shot channel offers the
// harness and the tests, ours and peers alike.
//
// Receiving takes an out-parameter and returns whether a message arrived:
// the shape of the fast peers' own interfaces (moodycamel try_dequeue,
// Boost.Lockfree pop), so adapting them adds no copy or std::optional.
//
// Every channel states its semantics (bounded?, blocking?, which order, how
// many producers and consumers, close, allocation per message). They are
// written into the results context and the docs, so a faster but weaker
// queue is never compared as an equal without the reader seeing why.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

#include "synclab/availability.hpp"
#include "synclab/concepts.hpp"

namespace synclab::channels {

enum class Order {
  global_fifo,        // one total order: messages leave in the order they entered
  per_producer_fifo,  // each producer's messages stay in order; producers interleave freely
  none,               // no order promised
};

struct Semantics {
  bool bounded = false;         // try_send can fail because the channel is full
  bool blocking = false;        // send / recv can sleep (Blocking concept below)
  Order order = Order::global_fifo;
  bool multi_producer = false;  // false: at most one thread sends at a time
  bool multi_consumer = false;  // false: at most one thread receives at a time
  bool close = false;           // close(): receivers drain, then see the end
  std::string_view allocation;  // "none", "per message", "per block", ...
};

// A channel of `value_type`, constructed with a capacity (ignored by an
// unbounded channel; a bounded one may round it up and reports what it got
// through capacity()).
//   try_send(v): false when the channel is full (or closed); v is untouched then.
//   try_recv(out): false when nothing is there; otherwise moves one message out.
template <class C>
concept Channel = Named<C> && std::constructible_from<C, std::size_t> && requires {
  typename C::value_type;
  { C::semantics } -> std::convertible_to<Semantics>;
} && requires(C& c, const C& cc, typename C::value_type& v) {
  { c.try_send(v) } -> std::same_as<bool>;
  { c.try_recv(v) } -> std::same_as<bool>;
  { cc.capacity() } -> std::convertible_to<std::size_t>;  // 0: unbounded (or rendezvous, see semantics)
};

// A channel that needs something a machine may lack: synclab/availability.hpp.
using synclab::unavailable;

// A channel that can be closed: after close(), try_send fails; receivers get
// every message sent before the close, then closed() tells them it is over.
template <class C>
concept Closable = Channel<C> && requires(C& c, const C& cc) {
  c.close();
  { cc.closed() } -> std::same_as<bool>;
};

// A channel whose send and recv sleep instead of failing:
//   send(v): blocks while full; false only when the channel is closed.
//   recv(out): blocks while empty; false only when closed and drained.
template <class C>
concept Blocking = Closable<C> && requires(C& c, typename C::value_type& v) {
  { c.send(v) } -> std::same_as<bool>;
  { c.recv(v) } -> std::same_as<bool>;
};

// A one-shot channel carries exactly one message, then is spent. A fresh one
// is default-constructed for each message.
//   send(v): called once, by one thread.
//   recv(): waits (by the design's own means: spinning or parking) for the
//           message and returns it; called once, by one thread.
//   ready(): whether the message is there yet, without consuming it.
template <class O>
concept OneShot = Named<O> && std::default_initializable<O> && requires {
  typename O::value_type;
} && requires(O& o, const O& co, typename O::value_type v) {
  o.send(std::move(v));
  { o.recv() } -> std::same_as<typename O::value_type>;
  { co.ready() } -> std::same_as<bool>;
};

}  // namespace synclab::channels
