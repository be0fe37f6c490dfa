// with_thread_local_node.hpp — lifts a NodeLockable (MCS, CLH) to a
// TryLockable by taking its nodes from a per-thread cache.
//
// What it does: every thread keeps, per node type, a small cache of nodes it
//   owns. lock() takes a free node from the calling thread's cache (allocating
//   one the first time), passes it to the queue lock, and records
//   (this lock, node) in the thread's list of held locks; unlock() finds the
//   entry for this lock in that list, unlocks with the same node and returns it
//   to the cache. try_lock() does the same and gives the node straight back on
//   failure.
// Why a node per acquisition rather than one node per thread: a single
//   thread-local node would be in use for as long as its thread holds the lock,
//   so a thread could hold only one lock of each type at a time (nested locking
//   of two Mcs instances would enqueue the same node twice and corrupt both
//   queues). With the held-list a thread may hold any number of instances at
//   once, in any order, and release them in any order; in the common case of
//   one lock held at a time the cache holds one node and the list one entry.
// Restrictions: unlock() must run on the thread that called lock() or a
//   successful try_lock() (the node is found through that thread's storage;
//   that is std::mutex's rule too). Calling unlock() on a lock the calling
//   thread does not hold aborts. A thread must release every lock before it
//   exits: at thread exit the cache frees its nodes, and a node still in a
//   queue is deliberately leaked rather than freed under the lock that still
//   points at it (LeakSanitizer will then report it, pointing at the bug).
// Ownership: nodes are owned by the thread's cache from allocation to thread
//   exit; a held node is lent to the queue lock between lock() and unlock().
//   For CLH the node type is a handle that owns one queue element and swaps it
//   for its predecessor's on every release (clh.hpp); the cache owns the
//   handles, the handles own their current elements.
// What is measured: the registered "mcs" and "clh" are these adapters, so every
//   acquisition also pays for the thread-local lookup (a TLS access with a
//   dynamic-initialisation guard) and a few vector operations on thread-private
//   memory: no shared cache line, no atomic. That cost is part of their numbers
//   and belongs to the lock in practice: a queue lock behind a plain
//   lock()/unlock() interface has to find a node somewhere. The raw
//   NodeLockables can be measured with caller-provided nodes to separate it.
// Memory ordering: none of its own; the cache is thread-private and every
//   ordering comes from the queue lock.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "synclab/concepts.hpp"
#include "synclab/stall_point.hpp"

namespace synclab::locks {

namespace detail {

// The calling thread's nodes of one type. Thread-private: never shared.
template <class Node>
class ThreadNodeCache {
 public:
  ThreadNodeCache() {
    owned_.reserve(kReserve);
    free_.reserve(kReserve);
    held_.reserve(kReserve);
  }
  ThreadNodeCache(const ThreadNodeCache&) = delete;
  ThreadNodeCache& operator=(const ThreadNodeCache&) = delete;
  ThreadNodeCache(ThreadNodeCache&&) = delete;
  ThreadNodeCache& operator=(ThreadNodeCache&&) = delete;

  ~ThreadNodeCache() {
    // A lock still held at thread exit: its node is still referenced by the
    // queue, so it must not be freed (see Restrictions above).
    for (const Held& h : held_) {
      for (auto& owned : owned_) {
        if (owned.get() == h.node) {
          static_cast<void>(owned.release());
        }
      }
    }
  }

  Node* take() {
    if (free_.empty()) {
      owned_.push_back(std::make_unique<Node>());
      free_.reserve(owned_.size());  // so give_back() never needs to grow it
      free_.push_back(owned_.back().get());
    }
    Node* n = free_.back();
    free_.pop_back();
    return n;
  }

  // Never allocates: free_ has room for every owned node (see take()).
  void give_back(Node* n) noexcept { free_.push_back(n); }

  void hold(const void* lock, Node* n) { held_.push_back(Held{lock, n}); }

  // The node this thread locked `lock` with; aborts if it holds no such lock.
  Node* release(const void* lock) noexcept {
    for (std::size_t i = held_.size(); i-- > 0;) {
      if (held_[i].lock == lock) {
        Node* n = held_[i].node;
        held_[i] = held_.back();
        held_.pop_back();
        return n;
      }
    }
    std::fputs("WithThreadLocalNode: unlock() by a thread that does not hold the lock\n", stderr);
    std::abort();
  }

 private:
  static constexpr std::size_t kReserve = 4;

  struct Held {
    const void* lock;
    Node* node;
  };

  std::vector<std::unique_ptr<Node>> owned_;  // every node this thread allocated
  std::vector<Node*> free_;                    // owned and not in any queue
  std::vector<Held> held_;                     // owned and lent to a lock
};

template <class Node>
ThreadNodeCache<Node>& thread_node_cache() {
  static thread_local ThreadNodeCache<Node> cache;
  return cache;
}

}  // namespace detail

template <synclab::NodeLockable L>
class WithThreadLocalNode {
 public:
  // The adapter is what gets registered, under the queue lock's own name; the
  // thread-local lookup is part of what that name measures (see the top).
  static constexpr std::string_view name = L::name;
  static constexpr bool counts_futex_calls = requires { requires L::counts_futex_calls; };  // as the wrapped lock
  using node_type = typename L::node_type;

  WithThreadLocalNode() = default;
  WithThreadLocalNode(const WithThreadLocalNode&) = delete;
  WithThreadLocalNode& operator=(const WithThreadLocalNode&) = delete;
  WithThreadLocalNode(WithThreadLocalNode&&) = delete;
  WithThreadLocalNode& operator=(WithThreadLocalNode&&) = delete;

  void lock() {
    auto& cache = detail::thread_node_cache<node_type>();
    node_type* n = cache.take();
    cache.hold(this, n);  // before waiting: recording may allocate, waiting may not be undone
    inner_.lock(*n);
  }

  [[nodiscard]] bool try_lock() {
    auto& cache = detail::thread_node_cache<node_type>();
    node_type* n = cache.take();
    cache.hold(this, n);
    if (inner_.try_lock(*n)) {
      return true;
    }
    cache.give_back(cache.release(this));
    return false;
  }

  void unlock() noexcept {
    auto& cache = detail::thread_node_cache<node_type>();
    node_type* n = cache.release(this);
    inner_.unlock(*n);
    stall_point(StallPoint::after_release, this);
    cache.give_back(n);
  }

  // The queue lock itself, for tests and diagnostics.
  [[nodiscard]] L& inner() noexcept { return inner_; }

 private:
  L inner_;
};

}  // namespace synclab::locks
