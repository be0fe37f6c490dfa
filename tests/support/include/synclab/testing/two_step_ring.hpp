// two_step_ring.hpp — a bounded multi-producer multi-consumer queue, for
// tests only, in which a claimed cell and its publication are two separate
// steps, with the claim-to-publish window open to a stall point.
//
// Why: BlockingChannel<Q> (channels/blocking.hpp) must not strand a sleeper
// over ANY bounded queue whose try_recv can report "empty" while a claimed
// cell ahead is unpublished (and whose try_send can report "full" while a
// claimed cell ahead is still being emptied), not only over mpmc_bounded. This
// queue has that property with a different structure from Vyukov's: one
// mutex guards the indices and the cell states; the message is written or
// read outside it, in the cell's claimed state, with
// stall_point(after_claim) in between, so a test holds a producer (consumer)
// there for as long as it likes (synclab/testing/stall_gate.hpp).
//
//   try_send: under the mutex, claim the tail cell if it is empty (else
//             "full"); write the message; under the mutex, mark it full.
//   try_recv: under the mutex, claim the head cell if it is full (else
//             "empty", even when later cells are full); move the message
//             out; under the mutex, mark it empty.
// The mutex orders every write of a cell before its next reader.
#pragma once

#include <cstddef>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "synclab/channels/concepts.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::testing {

template <class T>
class TwoStepRing {
 public:
  using value_type = T;
  static constexpr std::string_view name = "two_step_ring";
  static constexpr channels::Semantics semantics{.bounded = true,
                                                 .blocking = false,
                                                 .order = channels::Order::per_producer_fifo,
                                                 .multi_producer = true,
                                                 .multi_consumer = true,
                                                 .close = false,
                                                 .allocation = "none (one array at construction)"};

  explicit TwoStepRing(std::size_t capacity) : cells_(capacity == 0 ? 1 : capacity) {}
  TwoStepRing(const TwoStepRing&) = delete;
  TwoStepRing& operator=(const TwoStepRing&) = delete;

  bool try_send(T& v) {
    std::size_t pos;
    {
      const std::lock_guard guard(mutex_);
      if (cell(tail_).state != State::empty) return false;
      cell(tail_).state = State::filling;
      pos = tail_++;
    }
    stall_point(StallPoint::after_claim, this);
    cell(pos).value = std::move(v);
    const std::lock_guard guard(mutex_);
    cell(pos).state = State::full;
    return true;
  }
  bool try_send(T&& v) { return try_send(v); }

  bool try_recv(T& out) {
    std::size_t pos;
    {
      const std::lock_guard guard(mutex_);
      if (cell(head_).state != State::full) return false;
      cell(head_).state = State::emptying;
      pos = head_++;
    }
    stall_point(StallPoint::after_claim, this);
    out = std::move(cell(pos).value);
    const std::lock_guard guard(mutex_);
    cell(pos).state = State::empty;
    return true;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return cells_.size(); }

 private:
  enum class State { empty, filling, full, emptying };
  struct Cell {
    T value{};
    State state = State::empty;
  };
  Cell& cell(std::size_t pos) noexcept { return cells_[pos % cells_.size()]; }

  std::mutex mutex_;
  std::vector<Cell> cells_;
  std::size_t head_ = 0;  // under mutex_
  std::size_t tail_ = 0;  // under mutex_
};

}  // namespace synclab::testing
