// tbb_mutexes.hpp — oneTBB's mutexes behind synclab's lock interface:
// tbb_spin_mutex, tbb_queuing_mutex, tbb_mutex.
//
// Peer: oneTBB 2021 (libtbb-dev), oneapi/tbb/{spin_mutex,queuing_mutex,mutex}.h.
//   All three are header code over std::atomic, inlined like our own locks.
//   - tbb::spin_mutex: test-and-set on one byte (exchange), waiting with TBB's
//     atomic_backoff (pause 1, 2, 4, … 16 times, then sched_yield). Unfair.
//   - tbb::queuing_mutex: an MCS queue lock; the queue node is TBB's
//     queuing_mutex::scoped_lock. FIFO (is_fair_mutex). Waiters spin on their
//     own node with the same back-off, yielding after a few rounds.
//   - tbb::mutex: test-and-test-and-set on one flag; a waiter that finds it
//     taken pauses (1, 2, … 16 times), then yields up to 32 times, then sleeps
//     on the flag's address in libtbb's address-wait table; unlock() always
//     calls into libtbb (notify_by_address_one), waiter or not. Unfair. Its
//     sleeping is libtbb's, not counted by synclab's wait layer.
// Adapting the scoped-lock API: queuing_mutex can only be taken through a
//   scoped_lock, which is the waiter's queue node and must live from acquire
//   to release. Like synclab's mcs, the registered "tbb_queuing_mutex" is
//   locks::WithThreadLocalNode over it: one scoped_lock per acquisition from
//   the thread's node cache (a thread-local lookup and a few operations on
//   thread-private vectors per lock() and per unlock(), no shared line, no
//   atomic). That cost is in its numbers, as it is in mcs's and ck_mcs's; a
//   caller that keeps a scoped_lock on its stack would not pay it.
// Guarantees: mutual exclusion; none is reentrant; unlock() only by the holder
//   (for tbb_queuing_mutex: on the thread that locked, as with mcs).
// Memory ordering: TBB's (acquire on the winning exchange / the queue handoff,
//   release on unlock).
// Layout: spin_mutex and mutex are one byte / one flag inline; queuing_mutex
//   is the tail pointer, its nodes are scoped_locks (two words, not padded by
//   TBB: the node cache allocates them one by one).
#pragma once

#include <oneapi/tbb/mutex.h>
#include <oneapi/tbb/queuing_mutex.h>
#include <oneapi/tbb/spin_mutex.h>

#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/with_thread_local_node.hpp"

namespace synclab::peers {

class TbbSpinMutex {
 public:
  static constexpr std::string_view name = "tbb_spin_mutex";

  TbbSpinMutex() = default;
  TbbSpinMutex(const TbbSpinMutex&) = delete;
  TbbSpinMutex& operator=(const TbbSpinMutex&) = delete;
  TbbSpinMutex(TbbSpinMutex&&) = delete;
  TbbSpinMutex& operator=(TbbSpinMutex&&) = delete;

  void lock() { mutex_.lock(); }
  [[nodiscard]] bool try_lock() { return mutex_.try_lock(); }
  void unlock() { mutex_.unlock(); }

 private:
  tbb::spin_mutex mutex_;
};

class TbbMutex {
 public:
  static constexpr std::string_view name = "tbb_mutex";

  TbbMutex() = default;
  TbbMutex(const TbbMutex&) = delete;
  TbbMutex& operator=(const TbbMutex&) = delete;
  TbbMutex(TbbMutex&&) = delete;
  TbbMutex& operator=(TbbMutex&&) = delete;

  void lock() { mutex_.lock(); }
  [[nodiscard]] bool try_lock() { return mutex_.try_lock(); }
  void unlock() { mutex_.unlock(); }

 private:
  tbb::mutex mutex_;
};

namespace tbb_detail {

// tbb::queuing_mutex as a NodeLockable: the node is TBB's scoped_lock.
class TbbQueuingMutexQueue {
 public:
  static constexpr std::string_view name = "tbb_queuing_mutex";
  using node_type = tbb::queuing_mutex::scoped_lock;

  TbbQueuingMutexQueue() = default;
  TbbQueuingMutexQueue(const TbbQueuingMutexQueue&) = delete;
  TbbQueuingMutexQueue& operator=(const TbbQueuingMutexQueue&) = delete;
  TbbQueuingMutexQueue(TbbQueuingMutexQueue&&) = delete;
  TbbQueuingMutexQueue& operator=(TbbQueuingMutexQueue&&) = delete;

  void lock(node_type& n) { n.acquire(mutex_); }
  [[nodiscard]] bool try_lock(node_type& n) { return n.try_acquire(mutex_); }
  void unlock(node_type& n) { n.release(); }

 private:
  tbb::queuing_mutex mutex_;
};

static_assert(synclab::NodeLockable<TbbQueuingMutexQueue>);

}  // namespace tbb_detail

using TbbQueuingMutex = synclab::locks::WithThreadLocalNode<tbb_detail::TbbQueuingMutexQueue>;  // "tbb_queuing_mutex"

static_assert(synclab::TryLockable<TbbSpinMutex>);
static_assert(synclab::TryLockable<TbbMutex>);
static_assert(synclab::TryLockable<TbbQueuingMutex>);

}  // namespace synclab::peers
