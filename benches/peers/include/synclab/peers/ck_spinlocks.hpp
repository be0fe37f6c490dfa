// ck_spinlocks.hpp — Concurrency Kit's spin locks behind synclab's lock
// interface: ck_fas, ck_cas, ck_dec, ck_ticket, ck_mcs, ck_clh, ck_anderson.
//
// Peer: Concurrency Kit 0.7 (libck-dev), include/spinlock/*.h, each lock in
//   CK's default variant (no back-off: CK's `_eb` / `_pb` variants are not
//   measured). CK's headers are C only, so the locks are compiled in
//   benches/peers/src/ck_locks.c and reached through synclab/peers/ck/ck_locks.h.
// What is measured beyond CK's algorithm: every lock() and unlock() is one
//   direct call into that C translation unit (CK's functions are inline in C
//   code; an inline C++ lock pays no call). The call and return are a few
//   cycles on the uncontended path and invisible next to a handoff; they also
//   act as a compiler barrier around the critical section.
//   ck_mcs and ck_clh also pay the thread-local node lookup of
//   locks/with_thread_local_node.hpp, exactly as synclab's mcs and clh do, so
//   the queue locks are compared on equal terms. ck_anderson keeps its granted
//   slot in the lock (only the holder reads it), so it needs no per-thread state.
// Guarantees (CK's documentation): mutual exclusion for all; fas, cas and dec
//   are unfair (whoever's atomic wins); ticket, mcs, clh and anderson are FIFO.
//   All spin with CK's stall (pause) and never sleep: under oversubscription
//   waiters burn their slices, and the FIFO ones collapse when the next in line
//   is preempted.
// Limits: ck_anderson supports at most SYNCLAB_CK_ANDERSON_MAX_THREADS (1024)
//   threads holding or waiting at once, CK's own contract for its array lock
//   (no guard beyond it, unlike synclab's anderson); the bench skips cases
//   with more threads (max_threads). ck_dec allows at most UINT_MAX waiters.
// try_lock: CK's own trylock for fas, cas, dec, ticket and mcs. CK has none for
//   clh and anderson; theirs here returns false while CK says the lock is held
//   and otherwise calls CK's lock, which can wait behind a thread that arrived
//   in between: enough for the lock contract's tests, not a try_lock to measure.
//   The benchmarks only call lock() and unlock().
// Memory ordering: CK's fences (ck_pr_fence_lock / _unlock: acquire / release).
// Layout: the lock word(s) inline in the adapter; MCS nodes and CLH elements
//   on their own 128-byte blocks like synclab's, so no two waiters share a line
//   (CK leaves node placement to its caller). CK's anderson slots are 8 bytes,
//   eight to a line, as CK lays them out.
// Not in ThreadSanitizer builds: CK's atomics are inline assembly TSan cannot see.
#pragma once

#include <new>
#include <string_view>

#include "synclab/concepts.hpp"
#include "synclab/locks/with_thread_local_node.hpp"
#include "synclab/peers/ck/ck_locks.h"

namespace synclab::peers {

namespace ck_detail {

// A lock that is one word of CK state and CK's four functions on it.
template <class Ops>
class CkWordLock {
 public:
  static constexpr std::string_view name = Ops::name;

  CkWordLock() noexcept { Ops::init(&lock_); }
  CkWordLock(const CkWordLock&) = delete;
  CkWordLock& operator=(const CkWordLock&) = delete;
  CkWordLock(CkWordLock&&) = delete;
  CkWordLock& operator=(CkWordLock&&) = delete;

  void lock() noexcept { Ops::lock(&lock_); }
  [[nodiscard]] bool try_lock() noexcept { return Ops::trylock(&lock_); }
  void unlock() noexcept { Ops::unlock(&lock_); }

 private:
  typename Ops::storage lock_;
};

#define SYNCLAB_CK_WORD_OPS(kind)                                   \
  struct kind##_ops {                                               \
    static constexpr std::string_view name = "ck_" #kind;           \
    using storage = synclab_ck_##kind##_t;                          \
    static void init(storage* l) noexcept { synclab_ck_##kind##_init(l); }       \
    static void lock(storage* l) noexcept { synclab_ck_##kind##_lock(l); }       \
    static bool trylock(storage* l) noexcept { return synclab_ck_##kind##_trylock(l); } \
    static void unlock(storage* l) noexcept { synclab_ck_##kind##_unlock(l); }   \
  };
SYNCLAB_CK_WORD_OPS(fas)
SYNCLAB_CK_WORD_OPS(cas)
SYNCLAB_CK_WORD_OPS(dec)
SYNCLAB_CK_WORD_OPS(ticket)
#undef SYNCLAB_CK_WORD_OPS

// ck_spinlock_mcs as a NodeLockable: the caller brings the queue node.
class CkMcsQueue {
 public:
  static constexpr std::string_view name = "ck_mcs";
  using node_type = synclab_ck_mcs_node_t;

  CkMcsQueue() noexcept { synclab_ck_mcs_init(&tail_); }
  CkMcsQueue(const CkMcsQueue&) = delete;
  CkMcsQueue& operator=(const CkMcsQueue&) = delete;
  CkMcsQueue(CkMcsQueue&&) = delete;
  CkMcsQueue& operator=(CkMcsQueue&&) = delete;

  void lock(node_type& n) noexcept { synclab_ck_mcs_lock(&tail_, &n); }
  [[nodiscard]] bool try_lock(node_type& n) noexcept { return synclab_ck_mcs_trylock(&tail_, &n); }
  void unlock(node_type& n) noexcept { synclab_ck_mcs_unlock(&tail_, &n); }

 private:
  synclab_ck_mcs_t tail_;
};

// One thread's CLH element, which CK swaps for its predecessor's at every
// release; the handle owns whichever element it holds when idle.
class CkClhHandle {
 public:
  CkClhHandle() : element_(synclab_ck_clh_element_new()) {
    if (element_ == nullptr) throw std::bad_alloc();
  }
  ~CkClhHandle() { synclab_ck_clh_element_delete(element_); }
  CkClhHandle(const CkClhHandle&) = delete;
  CkClhHandle& operator=(const CkClhHandle&) = delete;
  CkClhHandle(CkClhHandle&&) = delete;
  CkClhHandle& operator=(CkClhHandle&&) = delete;

 private:
  friend class CkClhQueue;
  synclab_ck_clh_element_t* element_;
};

// ck_spinlock_clh as a NodeLockable.
class CkClhQueue {
 public:
  static constexpr std::string_view name = "ck_clh";
  using node_type = CkClhHandle;

  CkClhQueue() {
    if (!synclab_ck_clh_init(&tail_)) throw std::bad_alloc();
  }
  ~CkClhQueue() { synclab_ck_clh_destroy(&tail_); }
  CkClhQueue(const CkClhQueue&) = delete;
  CkClhQueue& operator=(const CkClhQueue&) = delete;
  CkClhQueue(CkClhQueue&&) = delete;
  CkClhQueue& operator=(CkClhQueue&&) = delete;

  void lock(node_type& n) noexcept { synclab_ck_clh_lock(&tail_, n.element_); }
  [[nodiscard]] bool try_lock(node_type& n) noexcept { return synclab_ck_clh_trylock(&tail_, n.element_); }
  void unlock(node_type& n) noexcept { synclab_ck_clh_unlock(&n.element_); }

 private:
  synclab_ck_clh_t tail_;
};

static_assert(synclab::NodeLockable<CkMcsQueue>);
static_assert(synclab::NodeLockable<CkClhQueue>);

}  // namespace ck_detail

using CkFas = ck_detail::CkWordLock<ck_detail::fas_ops>;
using CkCas = ck_detail::CkWordLock<ck_detail::cas_ops>;
using CkDec = ck_detail::CkWordLock<ck_detail::dec_ops>;
using CkTicket = ck_detail::CkWordLock<ck_detail::ticket_ops>;
using CkMcs = synclab::locks::WithThreadLocalNode<ck_detail::CkMcsQueue>;  // "ck_mcs"
using CkClh = synclab::locks::WithThreadLocalNode<ck_detail::CkClhQueue>;  // "ck_clh"

class CkAnderson {
 public:
  static constexpr std::string_view name = "ck_anderson";
  // CK's array lock breaks beyond one slot per thread (see the top).
  static constexpr int max_threads = SYNCLAB_CK_ANDERSON_MAX_THREADS;

  CkAnderson() {
    if (!synclab_ck_anderson_init(&lock_)) throw std::bad_alloc();
  }
  ~CkAnderson() { synclab_ck_anderson_destroy(&lock_); }
  CkAnderson(const CkAnderson&) = delete;
  CkAnderson& operator=(const CkAnderson&) = delete;
  CkAnderson(CkAnderson&&) = delete;
  CkAnderson& operator=(CkAnderson&&) = delete;

  void lock() noexcept { synclab_ck_anderson_lock(&lock_); }
  [[nodiscard]] bool try_lock() noexcept { return synclab_ck_anderson_trylock(&lock_); }
  void unlock() noexcept { synclab_ck_anderson_unlock(&lock_); }

 private:
  synclab_ck_anderson_t lock_;
};

static_assert(synclab::TryLockable<CkFas>);
static_assert(synclab::TryLockable<CkCas>);
static_assert(synclab::TryLockable<CkDec>);
static_assert(synclab::TryLockable<CkTicket>);
static_assert(synclab::TryLockable<CkMcs>);
static_assert(synclab::TryLockable<CkClh>);
static_assert(synclab::TryLockable<CkAnderson>);

}  // namespace synclab::peers
