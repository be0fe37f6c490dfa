// reclaim/hazard_pointer.hpp — hazard pointers with the interface of C++26's
// <hazard_pointer> (P2530R3): hazard_pointer_obj_base<T, D>, hazard_pointer,
// make_hazard_pointer(), plus a domain of our own so that a data structure
// can own its reclaimer.
//
// Source: Maged M. Michael, "Hazard Pointers: Safe Memory Reclamation for
//   Lock-Free Objects", IEEE TPDS 15(6), 2004. §3 (the methodology): a
//   reader publishes the pointer it is about to dereference in a hazard
//   slot and re-checks that it is still reachable; a retired node goes on
//   the retiring thread's private list, and when the list reaches a
//   threshold R the thread runs Scan (Fig. 3): stage 1 collects the
//   non-null hazards into a sorted list, stage 2 frees every retired node
//   not found in it and keeps the rest. §3.2's extension for threads that
//   come and go: hazard records live in one push-only list with an active
//   flag and are reused (AllocateHPRec / RetireHPRec), and a scanning
//   thread adopts the retired nodes of records nobody owns (HelpScan).
//   Interface: P2530R3 (wg21.link/p2530r3), whose hazard pointers use one
//   implicit default domain; the hazard_pointer_domain overloads
//   (make_hazard_pointer(domain), retire(d, domain)) are ours. No code of
//   folly, xenium or any reference implementation was used.
// Fence policies (template parameter Fence of basic_hazard_pointer_domain and
//   basic_hazard_pointer; hazard_pointer_domain and hazard_pointer are the
//   symmetric ones, P2530's):
//   symmetric   Michael's: the reader orders its hazard store before its
//               reload itself, with seq_cst operations (an xchg on x86-64).
//   asymmetric  light reader, heavy scan: the reader's hazard store is a
//               plain store followed by a compiler barrier only, and the scan
//               first makes every running thread of the process execute a
//               full barrier with membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED).
//               Sources: D. Dice, M. Herlihy, A. Kogan, "Fast non-intrusive
//               memory reclamation for highly-concurrent data structures",
//               ISMM 2016 (hazard pointers whose store→load fence moves to
//               the reclaimer, through an OS-wide barrier); the Linux
//               membarrier(2) man page (the reader's barrier() paired with
//               the writer's membarrier). Folly's hazptr uses the same
//               technique (asymmetric fences); none of its code was used.
//               Needs membarrier's private expedited command (Linux 4.14);
//               where registering it fails (an old kernel, seccomp, an
//               emulator without the call) or the build is ThreadSanitizer's
//               (which cannot see a barrier run by another thread's system
//               call and would report false races), unavailable() says why
//               and the scheme is left out (constructing such a domain there
//               ends the process with one line). SYNCLAB_ASSUME_NO_MEMBARRIER=1
//               makes it say so on any machine (for the tests).
// Structures:
//   hazard record    one slot (the protected pointer) and an active flag;
//                    one per hazard_pointer object, in the domain's
//                    push-only list, reused after the hazard_pointer dies.
//                    H = the number of records the domain ever made.
//   retire record    one per (thread, domain): the thread's retired list and
//                    its length, in a second push-only list of the domain. A
//                    thread finds its record through a thread_local cache;
//                    when the thread exits, the cache hands the record (and
//                    the objects still waiting on it) back to the domain by
//                    clearing its active flag; the next scan of any thread
//                    of that domain adopts them (HelpScan), and a thread
//                    that needs a record reuses an inactive one, list and all.
// Bound: a thread scans when its list reaches R = 2·H + 16 objects (H read at
//   that retire; H only grows, so R does too). A scan keeps only objects some
//   hazard protects, at most H, and frees every other one, adopted orphans
//   included: it frees at least R − H = H + 16 objects, so its
//   O((H + R) log H) cost is amortised to O(log H) per retire. Hence, outside
//   a scan, every retire record's list holds fewer than R objects (within
//   the R + H one may state for schemes that count only new retirements), and
//   the objects retired into a domain and not yet freed number fewer than R
//   per retire record: one per thread retiring into the domain at a time,
//   plus the lists of exited threads until a scan adopts them (also < R
//   each). A stalled or preempted reader pins only the objects its own
//   hazards hold, unlike epoch-based schemes, where one stalled reader holds
//   back everything retired after its epoch. hazard_pointer_test checks the
//   bound after every retire, with H hazards pinning objects.
// Guarantees: protect is lock-free (it retries only when the source changed,
//   i.e. a writer made progress); try_protect, reset_protection and retire
//   are wait-free apart from the scan, which is bounded by H and R and never
//   waits for another thread; allocating a record takes the allocator.
//   Objects are freed (their deleter runs) exactly once: by the scan of the
//   thread holding them, by the adopting thread, or by ~hazard_pointer_domain.
// Memory ordering:
//   try_protect: hazard store, then reload of the source: seq_cst both. The
//     store must be visible before the reload reads the source (a store→load
//     order); only sequential consistency gives it. Either the reload sees
//     the value unlinked, or the retiring thread's scan sees the hazard:
//     the scan's hazard loads are seq_cst and the scan runs after the unlink.
//     If the unlink is seq_cst too (hazard_pointer_publication's exchange),
//     the four operations are in the single total order S and the argument
//     needs nothing else; for an unlink that is only release, the scan opens
//     with atomic_thread_fence(seq_cst), which orders the unlink before the
//     hazard loads for any reload that read the old value ([atomics.order]
//     p4: a seq_cst load coherence-ordered before a write sequenced before a
//     seq_cst fence precedes the fence in S). ThreadSanitizer does not model
//     that fence, which is why the publication and the tests unlink with
//     seq_cst operations and do not depend on it (a TSan build replaces the
//     fence, which GCC's TSan does not support, with a seq_cst RMW).
//   asymmetric policy, try_protect: the hazard store is relaxed, then
//     atomic_signal_fence(seq_cst) (a compiler barrier: the compiler may not
//     move the reload above the store; the CPU still may, e.g. x86-64's store
//     buffer), then the reload, acquire. The scan runs, after the unlink and
//     before it reads the hazards, membarrier(PRIVATE_EXPEDITED): the kernel
//     runs a full barrier on the calling thread before and after, and makes
//     every CPU currently running a thread of this process execute a full
//     barrier (an IPI) before the call returns; a thread not running then
//     passes through the scheduler's full barrier before it runs again. Take
//     a reader whose reload read the old pointer p, racing with a scan that
//     follows the unlink of p. The reader's barrier B (the IPI's, or for a
//     thread not running during the call, the scheduler's at its last switch
//     out or its next switch in) falls somewhere in its instruction stream
//     between two instructions, and the compiler barrier keeps the
//     store before the reload in that stream. If B comes after the hazard
//     store, the store is globally visible before B completes, so before
//     membarrier returns, so before the scan's hazard loads: the scan sees p
//     (or a later value of that slot; a later value is a later protect or a
//     reset, which ends this read) and keeps p. If B comes before the store,
//     it comes before the reload; B is after the membarrier call began,
//     which is after the unlink (the caller's full barrier), so the reload
//     reads the unlinked value, not p — against the premise. Either way p is
//     not freed under the reader. This is a hardware-level argument: the C++
//     memory model does not describe membarrier, which is why the scheme is
//     left out of ThreadSanitizer builds (above). The scan's hazard loads are
//     acquire (they take the reader's release reset, below); the unlink may be
//     as weak as release: the membarrier's full barrier on the caller orders
//     it before the hazard loads, as the symmetric policy's fence does.
//     reset_protection(ptr) follows the same argument.
//   hazard loads in the scan: seq_cst (above), which also acquires the
//     reader's reset (a release store of null, or of its next pointer): the
//     reader's last use of the object happens before the deleter runs.
//   reset_protection(), ~hazard_pointer: release stores (above).
//   record active flags: claim by CAS acq_rel, release by a release store:
//     the previous owner's writes to the record (its retired list) happen
//     before the next owner's reads.
//   list heads (records): CAS release to push a fully built record, acquire
//     loads to walk (next is written before the push and never again).
// Layout: each hazard record 128 bytes (the slot and its flag alone in an
//   adjacent-line pair: readers store to their own slot only); each retire
//   record 128 bytes. hazard_pointer_obj_base adds 24 bytes plus the deleter
//   to an object (list link, a reclaim function, a key).
// Limits: a domain must outlive every hazard_pointer made from it and every
//   retire into it; its destructor frees every object still retired into it
//   (no hazard_pointer of it may be alive then). A deleter must not retire
//   into a domain being destroyed. The default domain is never destroyed.
//   A thread's cache is a thread_local: a destructor of another thread_local
//   that retires after the cache is gone (at thread exit) is not supported.
//   A retire or scan that cannot allocate (a record, the hazard snapshot)
//   terminates: P2530's retire is noexcept.
// Test hook: gather_hazards is virtual so the broken twin of
//   tests/support/include/synclab/testing/broken_reclaim.hpp can ignore the
//   hazards (one indirect call per scan).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif

#if defined(__SANITIZE_THREAD__)
#define SYNCLAB_RECLAIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNCLAB_RECLAIM_TSAN 1
#endif
#endif
#ifndef SYNCLAB_RECLAIM_TSAN
#define SYNCLAB_RECLAIM_TSAN 0
#endif

namespace synclab::reclaim {

namespace hp_detail {

inline bool env_flag(const char* name) noexcept {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return v != nullptr && v[0] != '\0' && std::string_view(v) != "0";
}

// "" when this process can use membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)
// (registering it on the way), else why not. Not cached: the tests call it
// with and without SYNCLAB_ASSUME_NO_MEMBARRIER; everything else goes through
// hazard_pointer_fence::asymmetric::unavailable(), which asks once.
inline std::string membarrier_missing() {
  if (env_flag("SYNCLAB_ASSUME_NO_MEMBARRIER")) return "membarrier treated as absent (SYNCLAB_ASSUME_NO_MEMBARRIER)";
#if SYNCLAB_RECLAIM_TSAN
  return "ThreadSanitizer does not see the barriers membarrier runs on other threads (it would report false races)";
#elif !defined(__linux__) || !defined(SYS_membarrier)
  return "no membarrier system call on this platform";
#else
  const long cmds = ::syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0U, 0);
  if (cmds < 0)
    return std::string("membarrier(MEMBARRIER_CMD_QUERY) failed: ") + std::strerror(errno) +  // NOLINT(concurrency-mt-unsafe)
           " (kernel before 4.3, seccomp or an emulator without it)";
  if ((cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
    return "membarrier has no MEMBARRIER_CMD_PRIVATE_EXPEDITED (kernel before 4.14)";
  if (::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0U, 0) != 0)
    return std::string("membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) failed: ") +
           std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
  return "";
#endif
}

}  // namespace hp_detail

// The fence policy of a hazard-pointer domain (top comment, Memory ordering).
namespace hazard_pointer_fence {

// Michael's original: the reader's hazard store and reload are seq_cst.
struct symmetric {
  static constexpr std::string_view publication_name = "hazard_pointers";
  static constexpr bool heavy_scan = false;
  static constexpr std::memory_order announce_order = std::memory_order_seq_cst;
  static constexpr std::memory_order reload_order = std::memory_order_seq_cst;
  static constexpr std::memory_order hazard_load_order = std::memory_order_seq_cst;
  static void after_announce() noexcept {}
  static std::string_view unavailable() noexcept { return {}; }
};

// Light reader, heavy scan: a relaxed hazard store and a compiler barrier;
// the scan's membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) does the rest.
struct asymmetric {
  static constexpr std::string_view publication_name = "hazard_pointers_asym";
  static constexpr bool heavy_scan = true;
  static constexpr std::memory_order announce_order = std::memory_order_relaxed;
  static constexpr std::memory_order reload_order = std::memory_order_acquire;
  static constexpr std::memory_order hazard_load_order = std::memory_order_acquire;
  static void after_announce() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }
  // "" when membarrier is there (registered by the first call), else why not.
  static std::string_view unavailable() noexcept {
    static const std::string why = hp_detail::membarrier_missing();
    return why;
  }
  // Every thread of the process running now executes a full barrier before
  // this returns (and the caller does, before and after).
  static void heavy() noexcept {
#if defined(__linux__) && defined(SYS_membarrier)
    if (::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0U, 0) == 0) return;
#endif
    std::fputs("hazard_pointers_asym: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) failed\n", stderr);
    std::abort();
  }
};

}  // namespace hazard_pointer_fence

template <class Fence>
class basic_hazard_pointer;
template <class Fence>
class basic_hazard_pointer_domain;
template <class Fence>
basic_hazard_pointer<Fence> make_hazard_pointer(basic_hazard_pointer_domain<Fence>&);

using hazard_pointer_domain = basic_hazard_pointer_domain<hazard_pointer_fence::symmetric>;
using hazard_pointer = basic_hazard_pointer<hazard_pointer_fence::symmetric>;
using hazard_pointer_domain_asym = basic_hazard_pointer_domain<hazard_pointer_fence::asymmetric>;
using hazard_pointer_asym = basic_hazard_pointer<hazard_pointer_fence::asymmetric>;
hazard_pointer_domain& hazard_pointer_default_domain();

namespace hp_detail {

// The header every retirable object carries (hazard_pointer_obj_base).
// Its members carry a prefix: they are inherited (privately) by user types.
struct Retired {
  Retired* hp_next = nullptr;
  const void* hp_key = nullptr;                     // the pointer a hazard would hold
  void (*hp_reclaim)(Retired*) noexcept = nullptr;  // runs the object's deleter
};

struct alignas(128) HazardRecord {
  std::atomic<const void*> ptr{nullptr};
  std::atomic<bool> active{true};
  HazardRecord* next = nullptr;
};

struct alignas(128) RetireRecord {
  std::atomic<bool> active{true};
  std::atomic<std::size_t> pending{0};  // = count, for adopters' cheap look
  Retired* list = nullptr;              // the owner's (or adopter's) only
  std::size_t count = 0;
  bool scanning = false;                // a deleter retiring during a scan only pushes
  RetireRecord* next = nullptr;
};

// Lives as long as any thread's cache refers to it, so a cache entry can tell
// a live domain from a dead one at the same address.
struct Control {
  std::mutex mutex;
  std::atomic<bool> alive{true};
};

}  // namespace hp_detail

// A set of hazard records and retire lists. Objects retired into a domain are
// checked only against the hazards of that domain. Fence: a policy of
// hazard_pointer_fence.
template <class Fence>
class basic_hazard_pointer_domain {
 public:
  using fence_policy = Fence;
  using hazard_pointer_type = basic_hazard_pointer<Fence>;
  static constexpr std::size_t kThresholdSlack = 16;

  // An asymmetric domain where membarrier is missing is a misuse (callers
  // check unavailable() first): one line, and the process ends.
  basic_hazard_pointer_domain() {
    if constexpr (Fence::heavy_scan) {
      if (!Fence::unavailable().empty()) {
        std::fprintf(stderr, "hazard_pointers_asym: constructed where membarrier is unavailable: %.*s\n",
                     static_cast<int>(Fence::unavailable().size()), Fence::unavailable().data());
        std::abort();
      }
    }
  }
  basic_hazard_pointer_domain(const basic_hazard_pointer_domain&) = delete;
  basic_hazard_pointer_domain& operator=(const basic_hazard_pointer_domain&) = delete;

  // Frees every object still retired into the domain. Precondition: no
  // hazard_pointer of the domain is alive and no thread retires into it.
  virtual ~basic_hazard_pointer_domain() {
    {
      const std::lock_guard held(control_->mutex);
      control_->alive.store(false, std::memory_order_release);
    }
    for (hp_detail::RetireRecord* r = retire_records_.load(std::memory_order_acquire); r != nullptr;) {
      hp_detail::RetireRecord* next = r->next;
      hp_detail::Retired* n = r->list;
      while (n != nullptr) {
        hp_detail::Retired* after = n->hp_next;
        n->hp_reclaim(n);
        n = after;
      }
      delete r;
      r = next;
    }
    for (hp_detail::HazardRecord* h = hazards_.load(std::memory_order_acquire); h != nullptr;) {
      hp_detail::HazardRecord* next = h->next;
      delete h;
      h = next;
    }
  }

  // H: hazard records ever made (each protects at most one object).
  std::size_t hazard_count() const noexcept { return hazard_count_.load(std::memory_order_relaxed); }
  // R: a thread scans when its retired list reaches this length.
  std::size_t retire_threshold() const noexcept { return 2 * hazard_count() + kThresholdSlack; }
  // Objects retired into the domain and not yet freed (a snapshot: exact only
  // when no thread retires or scans meanwhile).
  std::size_t unreclaimed() const noexcept {
    std::size_t n = 0;
    for (auto* r = retire_records_.load(std::memory_order_acquire); r != nullptr; r = r->next)
      n += r->pending.load(std::memory_order_relaxed);
    return n;
  }
  // The calling thread's retired list length in this domain (0 if it has none).
  std::size_t unreclaimed_by_this_thread() noexcept {
    hp_detail::RetireRecord* r = find_mine();
    return r == nullptr ? 0 : r->count;
  }

  // Internal: hazard_pointer_obj_base::retire.
  void push_retired(hp_detail::Retired* node) noexcept {
    hp_detail::RetireRecord& me = mine();
    node->hp_next = me.list;
    me.list = node;
    ++me.count;
    me.pending.store(me.count, std::memory_order_relaxed);
    if (!me.scanning && me.count >= retire_threshold()) scan(me);
  }

 protected:
  // Stage 1 of Scan: every non-null hazard of the domain, in `out`.
  virtual void gather_hazards(std::vector<const void*>& out) const {
    for (auto* h = hazards_.load(std::memory_order_acquire); h != nullptr; h = h->next)
      if (const void* p = h->ptr.load(Fence::hazard_load_order)) out.push_back(p);
  }

 private:
  template <class F>
  friend basic_hazard_pointer<F> make_hazard_pointer(basic_hazard_pointer_domain<F>&);

  // AllocateHPRec (§3.2): reuse an inactive record, else push a new one.
  hp_detail::HazardRecord* acquire_hazard() {
    for (auto* h = hazards_.load(std::memory_order_acquire); h != nullptr; h = h->next) {
      bool idle = false;
      if (!h->active.load(std::memory_order_relaxed) &&
          h->active.compare_exchange_strong(idle, true, std::memory_order_acq_rel))
        return h;
    }
    auto* h = new hp_detail::HazardRecord;
    hazard_count_.fetch_add(1, std::memory_order_relaxed);
    h->next = hazards_.load(std::memory_order_relaxed);
    while (!hazards_.compare_exchange_weak(h->next, h, std::memory_order_release, std::memory_order_relaxed)) {
    }
    return h;
  }

  // The calling thread's retire record in this domain, through its cache.
  struct CacheEntry {
    std::shared_ptr<hp_detail::Control> control;
    hp_detail::RetireRecord* record;
  };
  struct ThreadCache {
    std::vector<CacheEntry> entries;
    ThreadCache() = default;
    ThreadCache(const ThreadCache&) = delete;
    ThreadCache& operator=(const ThreadCache&) = delete;
    // Thread exit: hand each record, with what is still waiting on it, back
    // to its domain if the domain still exists.
    ~ThreadCache() {
      for (CacheEntry& e : entries) {
        const std::lock_guard held(e.control->mutex);
        if (e.control->alive.load(std::memory_order_relaxed))
          e.record->active.store(false, std::memory_order_release);
      }
    }
  };
  static ThreadCache& cache() noexcept {
    thread_local ThreadCache c;
    return c;
  }
  hp_detail::RetireRecord* find_mine() noexcept {
    for (CacheEntry& e : cache().entries)
      if (e.control.get() == control_.get()) return e.record;
    return nullptr;
  }
  hp_detail::RetireRecord& mine() noexcept {
    if (hp_detail::RetireRecord* r = find_mine()) return *r;
    std::vector<CacheEntry>& entries = cache().entries;
    std::erase_if(entries, [](const CacheEntry& e) { return !e.control->alive.load(std::memory_order_acquire); });
    hp_detail::RetireRecord* mine = nullptr;
    for (auto* r = retire_records_.load(std::memory_order_acquire); r != nullptr && mine == nullptr; r = r->next) {
      bool idle = false;
      if (!r->active.load(std::memory_order_relaxed) &&
          r->active.compare_exchange_strong(idle, true, std::memory_order_acq_rel))
        mine = r;  // inherits the list of the thread that left it
    }
    if (mine == nullptr) {
      // retire is noexcept (P2530): no memory for a record is fatal, said in one line.
      mine = new (std::nothrow) hp_detail::RetireRecord;
      if (mine == nullptr) {
        std::fputs("hazard_pointers: out of memory for a thread's retire record\n", stderr);
        std::abort();
      }
      mine->next = retire_records_.load(std::memory_order_relaxed);
      while (!retire_records_.compare_exchange_weak(mine->next, mine, std::memory_order_release,
                                                    std::memory_order_relaxed)) {
      }
    }
    entries.push_back({control_, mine});
    return *mine;
  }

  // HelpScan (§3.2): take over the lists of records no thread owns.
  void adopt_orphans(hp_detail::RetireRecord& me) noexcept {
    for (auto* r = retire_records_.load(std::memory_order_acquire); r != nullptr; r = r->next) {
      if (r == &me || r->active.load(std::memory_order_relaxed) || r->pending.load(std::memory_order_relaxed) == 0)
        continue;
      bool idle = false;
      if (!r->active.compare_exchange_strong(idle, true, std::memory_order_acq_rel)) continue;
      while (hp_detail::Retired* n = r->list) {
        r->list = n->hp_next;
        n->hp_next = me.list;
        me.list = n;
        ++me.count;
      }
      r->count = 0;
      r->pending.store(0, std::memory_order_relaxed);
      r->active.store(false, std::memory_order_release);
    }
  }

  // Scan (Fig. 3): free every retired object no hazard protects.
  void scan(hp_detail::RetireRecord& me) noexcept {
    me.scanning = true;
    adopt_orphans(me);
    if constexpr (Fence::heavy_scan) {
      Fence::heavy();  // every reader's hazard store before it, or its reload after the unlink (top comment)
    } else {
#if SYNCLAB_RECLAIM_TSAN
      // ThreadSanitizer does not support the fence (it warns and ignores it): a
      // seq_cst RMW stands in; our unlinks are seq_cst and need neither.
      (void)fence_stand_in_.fetch_add(0, std::memory_order_seq_cst);
#else
      std::atomic_thread_fence(std::memory_order_seq_cst);  // for unlinks weaker than seq_cst (top comment)
#endif
    }
    std::vector<const void*> held;
    held.reserve(hazard_count());
    gather_hazards(held);
    std::sort(held.begin(), held.end());
    hp_detail::Retired* n = std::exchange(me.list, nullptr);
    me.count = 0;
    while (n != nullptr) {
      hp_detail::Retired* after = n->hp_next;
      if (std::binary_search(held.begin(), held.end(), n->hp_key)) {
        n->hp_next = me.list;
        me.list = n;
        ++me.count;
      } else {
        n->hp_reclaim(n);  // may retire more: those only join me.list
      }
      n = after;
    }
    me.pending.store(me.count, std::memory_order_relaxed);
    me.scanning = false;
  }

  std::atomic<hp_detail::HazardRecord*> hazards_{nullptr};
  std::atomic<std::size_t> hazard_count_{0};
  std::atomic<hp_detail::RetireRecord*> retire_records_{nullptr};
  std::shared_ptr<hp_detail::Control> control_ = std::make_shared<hp_detail::Control>();
#if SYNCLAB_RECLAIM_TSAN
  std::atomic<unsigned> fence_stand_in_{0};
#endif
};

// The domain of P2530's interface: never destroyed (threads hand their lists
// to it at exit, possibly after static destructors ran).
inline hazard_pointer_domain& hazard_pointer_default_domain() {
  static hazard_pointer_domain* const d = new hazard_pointer_domain;
  return *d;
}

// P2530: the base of every object that can be retired. T derives from
// hazard_pointer_obj_base<T, D>; retire() hands the object to the domain,
// which calls d(static_cast<T*>(this)) once no hazard pointer protects it.
template <class T, class D = std::default_delete<T>>
class hazard_pointer_obj_base : private hp_detail::Retired {
 public:
  void retire(D d = D()) noexcept { retire(std::move(d), hazard_pointer_default_domain()); }
  // Ours: into a given domain (the one whose hazard pointers readers use).
  template <class Fence>
  void retire(D d, basic_hazard_pointer_domain<Fence>& domain) noexcept {
    deleter_ = std::move(d);
    hp_key = static_cast<const void*>(static_cast<const T*>(this));
    hp_reclaim = &reclaim_me;
    domain.push_retired(this);
  }

 protected:
  hazard_pointer_obj_base() = default;
  // Copies and moves leave the link alone: a copy is a new, unretired object.
  hazard_pointer_obj_base(const hazard_pointer_obj_base&) noexcept : hazard_pointer_obj_base() {}
  hazard_pointer_obj_base(hazard_pointer_obj_base&&) noexcept : hazard_pointer_obj_base() {}
  hazard_pointer_obj_base& operator=(const hazard_pointer_obj_base&) noexcept { return *this; }
  hazard_pointer_obj_base& operator=(hazard_pointer_obj_base&&) noexcept { return *this; }
  ~hazard_pointer_obj_base() = default;

 private:
  static void reclaim_me(hp_detail::Retired* r) noexcept {
    auto* self = static_cast<hazard_pointer_obj_base*>(r);
    D d = std::move(self->deleter_);
    d(static_cast<T*>(self));
  }
  [[no_unique_address]] D deleter_{};
};

// P2530: one hazard slot, owned; empty when default-constructed or moved from.
template <class Fence>
class basic_hazard_pointer {
 public:
  basic_hazard_pointer() noexcept = default;
  basic_hazard_pointer(basic_hazard_pointer&& other) noexcept : record_(std::exchange(other.record_, nullptr)) {}
  basic_hazard_pointer& operator=(basic_hazard_pointer&& other) noexcept {
    if (this != &other) {
      release();
      record_ = std::exchange(other.record_, nullptr);
    }
    return *this;
  }
  ~basic_hazard_pointer() { release(); }

  [[nodiscard]] bool empty() const noexcept { return record_ == nullptr; }

  // Precondition (all below): !empty().
  // The current value of src, protected: it is not freed before this hazard
  // pointer protects something else or dies.
  template <class T>
  T* protect(const std::atomic<T*>& src) noexcept {
    T* p = src.load(std::memory_order_relaxed);
    while (!try_protect(p, src)) {
    }
    return p;
  }
  // Protects ptr if src still holds it; otherwise ptr becomes src's value,
  // nothing is protected, and the result is false.
  template <class T>
  bool try_protect(T*& ptr, const std::atomic<T*>& src) noexcept {
    T* const expected = ptr;
    record_->ptr.store(static_cast<const void*>(expected), Fence::announce_order);
    Fence::after_announce();
    ptr = src.load(Fence::reload_order);
    if (ptr != expected) {
      reset_protection();
      return false;
    }
    return true;
  }
  // Protects ptr unconditionally (the caller knows it is not retired yet).
  template <class T>
  void reset_protection(const T* ptr) noexcept {
    record_->ptr.store(static_cast<const void*>(ptr), Fence::announce_order);
    Fence::after_announce();
  }
  void reset_protection(std::nullptr_t = nullptr) noexcept { record_->ptr.store(nullptr, std::memory_order_release); }

  void swap(basic_hazard_pointer& other) noexcept { std::swap(record_, other.record_); }

 private:
  template <class F>
  friend basic_hazard_pointer<F> make_hazard_pointer(basic_hazard_pointer_domain<F>&);
  explicit basic_hazard_pointer(hp_detail::HazardRecord* r) noexcept : record_(r) {}
  // RetireHPRec (§3.2): clear the slot, then let another hazard_pointer reuse it.
  void release() noexcept {
    if (record_ == nullptr) return;
    record_->ptr.store(nullptr, std::memory_order_release);
    record_->active.store(false, std::memory_order_release);
    record_ = nullptr;
  }
  hp_detail::HazardRecord* record_ = nullptr;
};

// Ours: a hazard pointer of a given domain.
template <class Fence>
basic_hazard_pointer<Fence> make_hazard_pointer(basic_hazard_pointer_domain<Fence>& domain) {
  return basic_hazard_pointer<Fence>(domain.acquire_hazard());
}
// P2530: a hazard pointer of the default domain.
inline hazard_pointer make_hazard_pointer() { return make_hazard_pointer(hazard_pointer_default_domain()); }

template <class Fence>
void swap(basic_hazard_pointer<Fence>& a, basic_hazard_pointer<Fence>& b) noexcept {
  a.swap(b);
}

}  // namespace synclab::reclaim
