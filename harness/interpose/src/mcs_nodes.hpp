// mcs_nodes.hpp — MCS behind pthread_mutex_lock(): queue nodes from
// per-thread pools of the interposer, the holder's node kept in the mutex.
//
// Why not the catalogue's adapter (locks/with_thread_local_node.hpp): it
// keeps a C++ thread_local cache with a destructor and allocates with
// operator new inside lock(). In an arbitrary program a pthread key
// destructor (RocksDB's thread-local cleanup, say) may lock a mutex after
// that cache was destroyed at thread exit, and the program's allocator may
// itself lock pthread mutexes. It also finds the node through the locking
// thread, so a mutex unlocked by another thread (glibc allows it for normal
// mutexes) aborts.
// Here: lock() takes a node from the calling thread's pool (a plain
// thread-local array, no destructor; a fresh node from the interposer's own
// memory when it is empty), acquires, and records the node in the mutex
// words beside the tail ([8,16), written by the holder inside its critical
// section). unlock() reads the node back from the mutex, releases, and
// returns the node to the unlocking thread's pool. Any number of mutexes may
// be held at once, in any order, unlocked by any thread. A thread that exits
// holding a mutex leaves the node with the mutex (it is not in any pool), so
// a later unlock still finds it. Pools go back to the interposer's memory at
// thread exit (threads.cpp).
// Cost: one thread-local array access per lock and per unlock, no atomic,
// no shared line beyond MCS's own.
#pragma once

#include <atomic>

#include "mutex_words.hpp"
#include "synclab/locks/mcs.hpp"

namespace synclab::interpose {

locks::McsNode* take_mcs_node() noexcept;
void give_mcs_node(locks::McsNode* node) noexcept;
void mcs_nodes_thread_exit() noexcept;

struct McsAdapter {
  struct InPlace {
    locks::Mcs mcs;
    std::atomic<locks::McsNode*> holder;
  };
  static_assert(sizeof(InPlace) == 16 && alignof(InPlace) <= 8);

  static constexpr bool kInPlace = true;
  static constexpr std::size_t block_bytes() noexcept { return sizeof(InPlace); }
  static void construct(void* p) noexcept { new (p) InPlace{}; }
  static void destruct(void* p) noexcept { static_cast<InPlace*>(p)->~InPlace(); }
  static void lock(void* p, MutexWords*) noexcept {
    auto* l = static_cast<InPlace*>(p);
    locks::McsNode* node = take_mcs_node();
    l->mcs.lock(*node);
    l->holder.store(node, std::memory_order_relaxed);
  }
  static bool try_lock(void* p, MutexWords*) noexcept {
    auto* l = static_cast<InPlace*>(p);
    locks::McsNode* node = take_mcs_node();
    if (l->mcs.try_lock(*node)) {
      l->holder.store(node, std::memory_order_relaxed);
      return true;
    }
    give_mcs_node(node);
    return false;
  }
  static void unlock(void* p, MutexWords*) noexcept {
    auto* l = static_cast<InPlace*>(p);
    locks::McsNode* node = l->holder.load(std::memory_order_relaxed);
    l->mcs.unlock(*node);  // the mutex is not touched after this
    give_mcs_node(node);
  }
};

}  // namespace synclab::interpose
