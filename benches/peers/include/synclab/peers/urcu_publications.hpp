// urcu_publications.hpp — userspace RCU (liburcu, liburcu-dev, LGPL-2.1) as
// synclab::reclaim::Publication peers: `urcu_memb` and `urcu_qsbr`.
//
// Source: Desnoyers, McKenney, Stern, Dagenais & Walpole, "User-Level
//   Implementations of Read-Copy Update", IEEE TPDS 23(2), 2012: §3.2 (the
//   general-purpose flavour, here with the membarrier system call in place of
//   the reader-side fence, "memb") and §3.1 (quiescent-state-based
//   reclamation, "qsbr"); the liburcu 0.13 API (doc/rcu-api.md).
//
// Both flavours live in one binary through the flavour-prefixed API
//   (urcu_memb_*, urcu_qsbr_*). The library is linked dynamically (LGPL) and
//   _LGPL_SOURCE is NOT defined, so urcu_*_read_lock/unlock, quiescent_state,
//   call_rcu and the grace periods are calls into liburcu-memb.so /
//   liburcu-qsbr.so. URCU_INLINE_SMALL_FUNCTIONS is defined, which the liburcu
//   README allows under any licence: rcu_dereference and rcu_xchg_pointer are
//   inlined (a volatile load; a fully ordered exchange). A reader therefore
//   pays two calls into the library per read beyond what _LGPL_SOURCE's
//   inline read side would cost.
//
// The slot holds a Node* (a struct rcu_head followed by T: object_bytes is
//   sizeof(Node)). read(): read_lock, rcu_dereference(slot), f(value),
//   read_unlock. update(): new Node, rcu_xchg_pointer(slot, new) (full
//   barriers on both sides: the new object's construction is published, and
//   the exchange is ordered before the retire), then call_rcu(old).
//
// Retire: call_rcu, not synchronize_rcu + delete. call_rcu enqueues the node
//   on the flavour's call_rcu worker (one background thread per flavour and
//   process, created on first use); the worker takes everything queued, waits
//   for one grace period for the whole batch, then runs the callbacks, which
//   delete the nodes. So the writer never waits for readers (synchronize_rcu
//   would make every update wait a whole grace period: with memb a membarrier
//   system call that interrupts every CPU running the process, with qsbr until
//   every online reader announces a quiescent state), and the grace period is
//   amortised over a batch, which is liburcu's own recommended form. What it
//   means for "objects awaiting reclamation": a retired node waits for the
//   worker to wake (it polls or sleeps on a futex between batches), for a
//   grace period, and then for its turn in the batch; the figure includes
//   the worker's backlog, and the frees happen on the worker thread, not on
//   the writer's: the writer's cost excludes the delete. The worker's
//   enqueue is a wait-free queue append (wfcqueue) plus a futex wake when the
//   worker sleeps.
//   The happens-before the concept promises (the retiring thread's writes
//   before its update, then the destructor) holds through the worker queue's
//   fully ordered append and the worker's dequeue.
//
// urcu_memb: readers mark their read sections (a per-thread nesting counter
//   and a copy of the global grace-period phase, written with compiler
//   barriers only); synchronize_rcu pays the reader-side fences for them with
//   membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) (or a plain fence on the
//   reader side where the kernel lacks it: urcu_memb_has_sys_membarrier) and
//   waits, sleeping on a futex after a short spin, until every reader that
//   was inside a section when it started has left it. A preempted reader
//   delays reclamation (the worker's grace period), never a writer.
//   quiescent() is a no-op.
// urcu_qsbr: readers mark nothing (read_lock/unlock are empty); a grace period
//   ends when every registered, online thread has called
//   urcu_qsbr_quiescent_state() (h.quiescent()) or gone offline. So readers
//   must call h.quiescent() between reads, or nothing is ever freed (the
//   worker's grace period waits, memory grows; writers still never block).
//   The handle's offline() / online() (urcu_qsbr_thread_offline/online) mark
//   a long stretch in which the thread reads nothing, so it holds back no
//   grace period.
//
// Handles: a handle registers its thread with the flavour
//   (urcu_*_register_thread; for qsbr that also makes the thread online) and
//   its destructor unregisters it. A thread may hold handles of several
//   publications of the same flavour at once, and liburcu registers a thread
//   once, so registrations are counted per thread and flavour: the first
//   handle registers, the last one's destruction unregisters.
//
// ~P: every handle is gone (the concept's rule), so no reader remains: the
//   current node is deleted directly, and urcu_*_barrier() (rcu_barrier)
//   waits until every call_rcu callback queued before it, by any thread, has
//   run, so every node this publication retired is freed before ~P returns.
//   A qsbr thread destroying P while online (it holds a handle of another
//   qsbr publication) goes offline around the barrier, which would otherwise
//   wait for its own quiescent state.
//
// The call_rcu and barrier declarations below are ours: <urcu/call-rcu.h>
//   declares call_rcu and rcu_barrier under the name of the first flavour
//   whose header includes it (its include guard stops the second), so the
//   other flavour's urcu_*_call_rcu and urcu_*_barrier, which its library
//   exports with call-rcu.h's signatures, would be undeclared. Both flavours'
//   are declared here, whichever header a translation unit includes first.
//
// ThreadSanitizer: liburcu is a prebuilt, uninstrumented shared library. TSan
//   sees neither the grace-period wait nor the worker's queue, so it would
//   report every callback's delete as racing with the reads it waited for.
//   Both peers are left out of tsan builds (benches/peers/CMakeLists.txt
//   announces SYNCLAB_HAVE_URCU=0 there; kReclaimPeersMissing says why).
#pragma once

#if SYNCLAB_HAVE_URCU

#ifndef URCU_INLINE_SMALL_FUNCTIONS
#define URCU_INLINE_SMALL_FUNCTIONS
#endif
#include <urcu/urcu-memb.h>
#include <urcu/urcu-qsbr.h>

#include <cstddef>
#include <string_view>
#include <utility>

#include "synclab/reclaim/concepts.hpp"

extern "C" {
void urcu_memb_call_rcu(struct rcu_head* head, void (*func)(struct rcu_head* head));
void urcu_memb_barrier(void);
void urcu_qsbr_call_rcu(struct rcu_head* head, void (*func)(struct rcu_head* head));
void urcu_qsbr_barrier(void);
}

namespace synclab::peers {

namespace urcu_detail {

// The flavour's entry points, and this thread's count of live handles.
struct Memb {
  static constexpr bool marks_read_sections = true;
  static void register_thread() { urcu_memb_register_thread(); }
  static void unregister_thread() { urcu_memb_unregister_thread(); }
  static void read_lock() { urcu_memb_read_lock(); }
  static void read_unlock() { urcu_memb_read_unlock(); }
  static void quiescent() {}
  static void call_rcu(rcu_head* head, void (*func)(rcu_head*)) { urcu_memb_call_rcu(head, func); }
  static void barrier() { urcu_memb_barrier(); }
  static bool online() { return false; }  // no offline state: nothing to leave
  static void set_online(bool) {}
  static inline thread_local unsigned handles = 0;
};

struct Qsbr {
  static constexpr bool marks_read_sections = false;
  static void register_thread() { urcu_qsbr_register_thread(); }
  static void unregister_thread() { urcu_qsbr_unregister_thread(); }
  static void read_lock() { urcu_qsbr_read_lock(); }
  static void read_unlock() { urcu_qsbr_read_unlock(); }
  static void quiescent() { urcu_qsbr_quiescent_state(); }
  static void call_rcu(rcu_head* head, void (*func)(rcu_head*)) { urcu_qsbr_call_rcu(head, func); }
  static void barrier() { urcu_qsbr_barrier(); }
  static bool online() { return handles > 0 && urcu_qsbr_read_ongoing(); }
  static void set_online(bool on) { on ? urcu_qsbr_thread_online() : urcu_qsbr_thread_offline(); }
  static inline thread_local unsigned handles = 0;
};

template <class Flavour, class T>
class Publication {
  // rcu_head first as a base: the callback gets the rcu_head* back and
  // static_casts it to the node (valid whatever T's layout).
  struct Node : rcu_head {
    template <class... Args>
    explicit Node(Args&&... args) : rcu_head{}, value(std::forward<Args>(args)...) {}
    T value;
  };

  static void free_node(rcu_head* head) { delete static_cast<Node*>(head); }

 public:
  static constexpr std::size_t object_bytes = sizeof(Node);

  template <class... Args>
  explicit Publication(Args&&... args) : current_(new Node(std::forward<Args>(args)...)) {}
  Publication(const Publication&) = delete;
  Publication& operator=(const Publication&) = delete;
  ~Publication() {
    delete current_;
    // A qsbr thread that is online (it holds a handle of another qsbr
    // publication) would hold back the grace period the barrier waits for.
    const bool was_online = Flavour::online();
    if (was_online) Flavour::set_online(false);
    Flavour::barrier();
    if (was_online) Flavour::set_online(true);
  }

  class handle {
   public:
    explicit handle(Publication& p) : p_(&p) {
      if (Flavour::handles++ == 0) Flavour::register_thread();
    }
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    ~handle() {
      if (--Flavour::handles == 0) Flavour::unregister_thread();
    }

    template <class F>
    decltype(auto) read(F&& f) {
      struct Section {
        Section() { Flavour::read_lock(); }
        ~Section() { Flavour::read_unlock(); }
      } section;
      const Node* node = rcu_dereference(p_->current_);
      return std::forward<F>(f)(static_cast<const T&>(node->value));
    }

    template <class... Args>
    void update(Args&&... args) {
      Node* fresh = new Node(std::forward<Args>(args)...);
      Node* old = rcu_xchg_pointer(&p_->current_, fresh);
      Flavour::call_rcu(old, &Publication::free_node);
    }

    void quiescent() { Flavour::quiescent(); }

    // QSBR only: the thread reads nothing until online() (it holds back no
    // grace period meanwhile). Thread-wide: it covers the thread's handles of
    // every qsbr publication.
    void offline()
      requires(!Flavour::marks_read_sections)
    {
      Flavour::set_online(false);
    }
    void online()
      requires(!Flavour::marks_read_sections)
    {
      Flavour::set_online(true);
    }

   private:
    Publication* p_;
  };

 private:
  Node* current_;  // written by rcu_xchg_pointer, read by rcu_dereference
};

}  // namespace urcu_detail

template <class T>
class UrcuMemb : public urcu_detail::Publication<urcu_detail::Memb, T> {
 public:
  static constexpr std::string_view name = "urcu_memb";
  using urcu_detail::Publication<urcu_detail::Memb, T>::Publication;
};

template <class T>
class UrcuQsbr : public urcu_detail::Publication<urcu_detail::Qsbr, T> {
 public:
  static constexpr std::string_view name = "urcu_qsbr";
  using urcu_detail::Publication<urcu_detail::Qsbr, T>::Publication;
};

static_assert(reclaim::Publication<UrcuMemb<long>, long>);
static_assert(reclaim::Publication<UrcuQsbr<long>, long>);

}  // namespace synclab::peers

#endif
