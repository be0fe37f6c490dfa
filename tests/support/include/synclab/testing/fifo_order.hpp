// fifo_order.hpp — the order in which queued waiters get a lock, with the
// queue built in a known order.
//
// What it does: the calling thread takes the lock (hold()). Then it starts
//   waiter 0, waits until is_queued(0) says waiter 0 has taken its place in
//   line (a ticket drawn, a node swapped into the tail), starts waiter 1, and
//   so on: the arrival order is known, not guessed from sleeps. Then it
//   releases the lock (unhold()) and every waiter, once it gets the lock,
//   appends its index to the order and releases it. A FIFO lock must return
//   0, 1, ..., waiters - 1.
//
// The order vector is plain memory written inside the critical sections, so
// it is protected by the lock under test itself (and ThreadSanitizer checks
// that). It is read only after every waiter has been joined.
//
// Bounded: a waiter not seen queued within `queue_timeout` ends the build-up
// (not_queued = its index); the lock is then released and the waiters joined,
// so a broken lock fails the test instead of hanging it.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace synclab::testing {

struct FifoResult {
  std::vector<int> order;        // waiter indices in acquisition order
  int not_queued = -1;           // first waiter never seen queued, or -1
  bool entered_while_held = false;  // a waiter got the lock while the caller held it
};

template <class Hold, class Unhold, class Acquire, class Release, class IsQueued>
FifoResult acquisition_order(int waiters, Hold hold, Unhold unhold, Acquire acquire, Release release,
                             IsQueued is_queued,
                             std::chrono::milliseconds queue_timeout = std::chrono::seconds(10)) {
  FifoResult result;
  std::atomic<int> entered{0};
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(waiters));

  hold();
  for (int i = 0; i < waiters; ++i) {
    pool.emplace_back([&, i] {
      acquire(i);
      result.order.push_back(i);  // protected by the lock under test
      entered.fetch_add(1, std::memory_order_relaxed);
      release(i);
    });
    const auto give_up = std::chrono::steady_clock::now() + queue_timeout;
    while (!is_queued(i)) {
      if (std::chrono::steady_clock::now() >= give_up) {
        result.not_queued = i;
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (result.not_queued >= 0) {
      break;
    }
  }
  result.entered_while_held = entered.load(std::memory_order_relaxed) != 0;
  unhold();
  for (auto& t : pool) {
    t.join();
  }
  return result;
}

}  // namespace synclab::testing
