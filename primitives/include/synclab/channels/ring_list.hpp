// ring_list.hpp — the list layer of the unbounded ring-list queues
// (faa_array_queue.hpp, lprq.hpp, lcrq.hpp): Michael & Scott's linked queue
// whose nodes are rings, each ring a bounded FIFO of its own that can be
// closed, and the hazard pointers that free the rings the head leaves.
//
// Source: Maged Michael and Michael Scott, "Simple, Fast, and Practical
//   Non-Blocking and Blocking Concurrent Queue Algorithms" (PODC 1996), as
//   each queue's paper uses it: Morrison & Afek's LCRQ (PPoPP 2013, a list
//   of CRQs), Romanov & Koval's LPRQ (PPoPP 2023, LCRQ's list of PRQs,
//   unchanged) and Ramalhete & Correia's FAAArrayQueue (2016, a list of
//   arrays claimed by fetch_add: a ring of one lap). Hazard pointers after
//   Michael, "Hazard Pointers: Safe Memory Reclamation for Lock-Free
//   Objects" (IEEE TPDS 2004), §3, one hazard per thread. Written from the
//   papers' descriptions; no code of the authors' or of other ports was
//   used.
// Algorithm: head and tail point into a singly linked list of rings; a ring
//   that fills up (or that a starving enqueuer gives up on) is closed for
//   good, and only the last ring of the list is open.
//   send(v): protect the tail ring; it has a next ring: help the tail
//     forward (CAS tail), again. Else the ring's enqueue: ok, done; closed:
//     if a next ring has appeared meanwhile, again (FAAArrayQueue's check,
//     which saves allocating a ring that would lose the race); else link a
//     new ring that already holds v at its first position (CAS next null →
//     new), then swing the tail (CAS, failure harmless: someone helped), or,
//     losing the race, take v back out of the unshared ring, delete it, again.
//   recv(out): protect the head ring; its dequeue: a message, done. Empty
//     and no next ring: the queue is empty. Empty with a next ring: the ring
//     is closed; dequeue once more (LCRQ: an enqueuer that took its position
//     before the close may have completed since; for FAAArrayQueue, whose
//     drained array has every cell claimed, it finds nothing), then CAS the
//     head to the next ring; the winner retires the old one; again.
// The ring interface (Ring, what each queue supplies):
//   Ring()                      an open, empty ring.
//   explicit Ring(M&& first)    an open ring holding `first` at its first
//                               position (M: what the ring stores: the
//                               message, or lcrq's encoded word).
//   give_back_first(M& v)       the first message back out of such a ring
//                               that was never shared (a lost link race).
//   Put enqueue(M& v, const void* stall_key)
//                               Put::ok (v moved in) or Put::closed (v
//                               untouched; the ring takes no more messages,
//                               ever). stall_key: the queue, for the stall
//                               point the ring may hold.
//   bool dequeue(M& out)        true: a message moved into out; false: the
//                               ring is empty at some moment of the call.
//   std::atomic<Ring*>& next()  the list link, null until a ring follows.
//   ~Ring()                     destroys the messages still in it.
// Guarantees: the list adds no waiting: every retry of send or recv follows
//   another operation's progress (a linked ring, a moved tail or head), so
//   the queue is lock-free when its ring is. FIFO across rings: a ring is
//   left by the head only once it is closed and found empty twice (see
//   recv), and a closed ring takes no message after its close.
// Memory bound: the linked rings, ⌈messages in the queue / ring capacity⌉ +
//   1 (a ring that has never been the head is closed only when full, as
//   only dequeuers make an enqueuer fail; a stalled enqueuer holds at most
//   one cell of one ring back from that count), plus one new ring per
//   sender while it links, plus the retired rings awaiting reclamation:
//   each thread scans its retired list when it reaches 2 × H rings (H:
//   hazard slots ever claimed, at most kHazardSlots = 256), and a scan keeps
//   only rings a hazard protects (at most H), so at most 2 × H retired rings
//   per thread; rings retired by threads that exited wait for the next scan
//   of any thread. A stalled thread keeps at most one ring alive (its
//   hazard), unlike epoch-based schemes. The hazard slots and retired lists
//   are shared by every ring-list queue of the process. More than 256
//   threads using hazard pointers at once: abort with one line (a misuse,
//   as the family never runs that many).
// Memory ordering:
//   hazard store, then reload of head/tail: seq_cst both: a store→load order
//     (the hazard must be visible before the pointer is re-checked) that only
//     sequential consistency gives; the scanner's loads of the hazards are
//     seq_cst and come after the unlinking CAS (seq_cst), so a protector that
//     validated before the unlink is seen, and one after it fails to validate.
//   next loads: acquire: the ring's initialisation (its first message
//     included) happens before it is read through the link.
//   the CAS that links a ring (next) or swings head / tail: seq_cst (release
//     for the initialisation, and the total order the hazard argument above
//     needs for head); on failure the value read is dropped: relaxed on head
//     and tail, acquire on next.
//   hazard clear: release: the ring's last use happens before a scanner that
//     sees the slot empty frees it.
// Layout: [head], [tail] each in its own 128-byte block.
// Reclaim (template parameter): how a retired ring is handed to the hazard
//   pointers, and hooks at each ring's allocation, unlinking and freeing.
//   HazardReclaim, the default, is the scan above with empty hooks; the
//   tests put in a counting one (and a broken twin that never scans,
//   tests/support/include/synclab/testing/ring_census.hpp) to check the
//   memory bound.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "synclab/channels/detail.hpp"

namespace synclab::channels::ring_list {

enum class Put { ok, closed };

// Hazard pointers, one per thread, shared by every ring-list queue of the
// process.
class Hazards {
 public:
  static constexpr std::size_t kHazardSlots = 256;
  using Deleter = void (*)(void*) noexcept;

  // The calling thread's hazard slot (claimed on first use).
  static std::atomic<void*>& mine() { return local().slot(); }

  // Protects *src's current value: returns it once the hazard is visible and
  // the pointer is still there.
  template <class N>
  static N* protect(const std::atomic<N*>& src) {
    std::atomic<void*>& h = mine();
    N* p = src.load(std::memory_order_acquire);
    for (;;) {
      h.store(p, std::memory_order_seq_cst);
      N* again = src.load(std::memory_order_seq_cst);
      if (again == p) return p;
      p = again;
    }
  }
  static void clear() { mine().store(nullptr, std::memory_order_release); }

  // p is unlinked: deleted once no hazard holds it.
  static void retire(void* p, Deleter d) {
    Local& l = local();
    l.retired.push_back({p, d});
    if (l.retired.size() >= 2 * std::max<std::size_t>(1, slots_claimed())) scan(l.retired);
  }

  // H of the memory bound: hazard slots ever claimed (never decreases).
  static std::size_t slots_claimed() noexcept { return domain().high_water.load(std::memory_order_relaxed); }

 private:
  struct Retired {
    void* p;
    Deleter d;
  };
  struct alignas(128) Slot {
    std::atomic<void*> hazard{nullptr};
    std::atomic<bool> owned{false};
  };
  struct Domain {
    Slot slots[kHazardSlots];
    std::atomic<std::size_t> high_water{0};  // slots ever claimed: scan bound
    std::mutex orphans_mutex;
    std::vector<Retired> orphans;  // retired by threads that exited
  };
  static Domain& domain() {
    // Never destroyed: threads' locals hand their retired rings to it at
    // exit, the main thread's after static destructors may have run.
    static Domain* const d = new Domain;
    return *d;
  }

  struct Local {
    Slot* s = nullptr;
    std::vector<Retired> retired;
    std::atomic<void*>& slot() {
      if (s == nullptr) claim();
      return s->hazard;
    }
    void claim() {
      Domain& d = domain();
      for (std::size_t i = 0; i < kHazardSlots; ++i) {
        bool expected = false;
        if (!d.slots[i].owned.load(std::memory_order_relaxed) &&
            d.slots[i].owned.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
          s = &d.slots[i];
          std::size_t hw = d.high_water.load(std::memory_order_relaxed);
          while (hw < i + 1 && !d.high_water.compare_exchange_weak(hw, i + 1, std::memory_order_relaxed)) {
          }
          return;
        }
      }
      detail::misuse("ring_list (faa_array_queue, lprq, lcrq)", "more than 256 threads hold hazard pointers at once");
    }
    ~Local() {
      if (s != nullptr) {
        s->hazard.store(nullptr, std::memory_order_release);
        s->owned.store(false, std::memory_order_release);
      }
      if (!retired.empty()) {
        Domain& d = domain();
        const std::lock_guard guard(d.orphans_mutex);
        d.orphans.insert(d.orphans.end(), retired.begin(), retired.end());
      }
    }
  };
  static Local& local() {
    thread_local Local l;
    return l;
  }

  static void scan(std::vector<Retired>& retired) {
    Domain& d = domain();
    {
      const std::lock_guard guard(d.orphans_mutex);
      retired.insert(retired.end(), d.orphans.begin(), d.orphans.end());
      d.orphans.clear();
    }
    const std::size_t n = d.high_water.load(std::memory_order_acquire);
    std::vector<void*> held;
    held.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      if (void* h = d.slots[i].hazard.load(std::memory_order_seq_cst)) held.push_back(h);
    std::size_t kept = 0;
    for (Retired& r : retired) {
      if (std::find(held.begin(), held.end(), r.p) != held.end()) retired[kept++] = r;
      else r.d(r.p);
    }
    retired.resize(kept);
  }
};

// For rings whose cells hold the message in place (a `state` byte and a
// detail::Storage<T> `message`: faa_array_queue, lprq): the first message
// back out of a ring never shared, the cell left in state `now`; and the
// messages still in the cells (state `full`) destroyed with the ring.
template <class Cell, class T>
void give_back_cell(Cell& c, T& v, std::uint8_t now) {
  c.message.move_to(v);
  c.state.store(now, std::memory_order_relaxed);
}
template <class Cell, std::size_t N>
void destroy_full_cells(Cell (&cells)[N], std::uint8_t full) noexcept {
  for (Cell& c : cells)
    if (c.state.load(std::memory_order_relaxed) == full) c.message.destroy();
}

// The shipped reclamation: retired rings go to the hazard pointers' scan;
// nothing is counted.
struct HazardReclaim {
  static void allocated() noexcept {}
  static void unlinked() noexcept {}  // left the list, about to be retired
  static void freed(bool /*was_retired*/) noexcept {}
  static void retire(void* ring, Hazards::Deleter d) { Hazards::retire(ring, d); }
};

template <class Ring, class Reclaim = HazardReclaim>
class RingList {
 public:
  RingList() {
    Ring* first = make();
    head_.store(first, std::memory_order_relaxed);
    tail_.store(first, std::memory_order_relaxed);
  }
  RingList(const RingList&) = delete;
  RingList& operator=(const RingList&) = delete;
  // No operation may be in flight (as for any object's destructor).
  ~RingList() {
    Ring* r = head_.load(std::memory_order_relaxed);
    while (r != nullptr) {
      Ring* next = r->next().load(std::memory_order_relaxed);
      discard(r);
      r = next;
    }
  }

  // Moves v into the queue (always: the list is unbounded).
  template <class M>
  void send(M& v, const void* stall_key) {
    for (;;) {
      Ring* tail = Hazards::protect(tail_);
      if (help_tail(tail)) continue;
      if (tail->enqueue(v, stall_key) == Put::ok) break;
      if (help_tail(tail)) continue;
      Ring* fresh = make(std::move(v));
      Ring* none = nullptr;
      if (tail->next().compare_exchange_strong(none, fresh, std::memory_order_seq_cst, std::memory_order_acquire)) {
        tail_.compare_exchange_strong(tail, fresh, std::memory_order_seq_cst, std::memory_order_relaxed);
        break;
      }
      fresh->give_back_first(v);  // lost the race: the message is still ours
      discard(fresh);
    }
    Hazards::clear();
  }

  // Moves a message into out and returns true, or returns false: empty.
  template <class M>
  bool recv(M& out) {
    bool got = false;
    for (;;) {
      Ring* head = Hazards::protect(head_);
      if (head->dequeue(out)) {
        got = true;
        break;
      }
      Ring* next = head->next().load(std::memory_order_acquire);
      if (next == nullptr) break;
      // Closed (a next ring exists only after the close): messages whose
      // enqueuers got their positions before the close may have landed since
      // the first dequeue.
      if (head->dequeue(out)) {
        got = true;
        break;
      }
      if (head_.compare_exchange_strong(head, next, std::memory_order_seq_cst, std::memory_order_relaxed)) {
        Hazards::clear();
        Reclaim::unlinked();
        Reclaim::retire(head, &remove);
      }
    }
    Hazards::clear();
    return got;
  }

 private:
  // A next ring: swing the tail to it (failure: someone else did) and say so.
  bool help_tail(Ring* tail) {
    Ring* next = tail->next().load(std::memory_order_acquire);
    if (next == nullptr) return false;
    tail_.compare_exchange_strong(tail, next, std::memory_order_seq_cst, std::memory_order_relaxed);
    return true;
  }

  template <class... A>
  static Ring* make(A&&... a) {
    Ring* r = new Ring(std::forward<A>(a)...);
    Reclaim::allocated();
    return r;
  }
  static void discard(Ring* r) noexcept {  // never retired: unlinked at destruction, or never shared
    Reclaim::freed(false);
    delete r;
  }
  static void remove(void* p) noexcept {  // the hazard pointers' deleter
    Reclaim::freed(true);
    delete static_cast<Ring*>(p);
  }

  alignas(128) std::atomic<Ring*> head_;
  alignas(128) std::atomic<Ring*> tail_;
};

}  // namespace synclab::channels::ring_list
