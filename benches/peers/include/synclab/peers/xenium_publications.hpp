// xenium_publications.hpp — Manuel Pöter's xenium (libxenium-dev, MIT)
// reclamation schemes as synclab::reclaim::Publication peers, all through one
// adapter over the reclaimer (XeniumPublication<Reclaimer, T>):
//
//   xenium_hp        hazard_pointer<> (static_strategy<3>: three hazard
//                    pointers a thread; a thread scans its retire list once it
//                    holds 2 × (hazard pointers of all live threads) + 100
//                    nodes).
//                    Michael, "Hazard Pointers: Safe Memory Reclamation for
//                    Lock-Free Objects", IEEE TPDS 15(6), 2004.
//   xenium_he        hazard_eras<> (static_strategy<3>): eras instead of
//                    pointers, a global era clock advanced by every retire.
//                    Ramalhete & Correia, "Brief Announcement: Hazard Eras -
//                    Non-Blocking Memory Reclamation", SPAA 2017.
//   xenium_ebr       epoch_based<>: Fraser's epoch-based reclamation (Fraser,
//                    "Practical lock-freedom", PhD thesis, Cambridge 2004,
//                    §5.2.3); each read is its own critical region (a seq_cst
//                    fence on entry), a scan of all threads every 100 entries.
//   xenium_nebr      new_epoch_based<>: Hart, McKenney, Demke Brown & Walpole,
//                    "Performance of memory reclamation for lockless
//                    synchronization", JPDC 67(12), 2007 (NEBR): the critical
//                    region is extended over many operations with a
//                    region_guard. Here the handle holds one region_guard for
//                    its whole life and h.quiescent() leaves and re-enters it,
//                    so a read pays no fence, and readers must call quiescent()
//                    between reads or no epoch advances (as QSBR).
//   xenium_debra     debra<>: Brown, "Reclaiming Memory for Lock-Free Data
//                    Structures: There has to be a Better Way", PODC 2015: EBR
//                    that scans one other thread every 20 entries.
//   xenium_qsbr      quiescent_state_based: QSBR (McKenney & Slingwine 1998;
//                    Hart et al. 2007). A thread is quiescent when it leaves
//                    its outermost region: every read ends in a quiescent
//                    state, and h.quiescent() passes through an empty region.
//   xenium_stamp_it  stamp_it: Pöter & Träff, "Stamp-it: A more Thread-
//                    efficient, Concurrent Memory Reclamation Scheme in the
//                    C++ Memory Model", SPAA 2018: threads entering regions
//                    are stamped in a lock-free ordered queue; a retired node
//                    is freed once every thread with an older stamp has left.
//
// Progress and preemption: hp and he bound the garbage (a preempted reader
//   holds back only what its hazard pointers / eras cover); ebr, nebr, debra,
//   qsbr and stamp_it do not (a reader preempted inside a region, or for
//   nebr/qsbr a thread that announces no quiescent state, holds back every
//   later retire). Reads: a bounded number of steps for ebr, nebr, debra and
//   qsbr (an epoch announcement), lock-free for stamp_it (entering a region
//   inserts the thread into a lock-free ordered queue) and for hp and he (they
//   re-validate while the slot changes). Updates are lock-free (a CAS loop);
//   a handle's destruction after updates waits for a grace period (below).
//
// Layout: the slot is the reclaimer's concurrent_ptr<Node>; a Node derives
//   from Reclaimer::enable_concurrent_ptr<Node> (a vtable pointer, the retire
//   list's link, for he the eras, for stamp_it the stamp) and holds T and a
//   pointer to the retiring handle's count of objects still waiting:
//   object_bytes is sizeof(Node).
//
// read(): guard_ptr::acquire(slot, acquire), f(value), reset (leaving the
//   region, or releasing the hazard pointer). The acquire load pairs with the
//   update's release CAS, so f sees the object as constructed; the reclaimer's
//   own fences keep the object alive until the guard is reset.
// update(): concurrent_ptr has no exchange, so the update loops as xenium's own
//   structures do: acquire a guard on the current node, CAS it to the new one
//   (release: publishes the new object's construction; relaxed on failure,
//   the next acquire re-reads), and on success guard.reclaim() retires exactly
//   the node this CAS replaced.
//
// Where objects are freed: in the reclaimer's thread-local retire lists,
//   freed by the retiring thread itself once a scan (hp, he), an epoch change
//   (ebr, nebr, debra, qsbr) or the last older stamp (stamp_it) allows;
//   a thread that exits hands what is left to a global list, adopted by the
//   next thread that reclaims. Reclaimers are process-wide (static, one per
//   reclaimer type): publications, and xenium's queues over epoch_based<>,
//   share them.
// Handles and ~P: nothing registers a thread explicitly (xenium allocates a
//   thread's control block on first use and releases it when the thread
//   exits). To free every retired object by ~P, each handle counts the
//   objects it retired and not yet freed (the Node's destructor decrements the
//   count); the handle's destructor drives the reclaimer on its own thread
//   (retiring small dummy nodes through a guard, which enters and leaves a
//   region, advances epochs and triggers scans) until its count is zero. So
//   destroying a handle that updated waits for a grace period: every reader
//   still inside a region (for nebr and qsbr: every thread that has not
//   announced a quiescent state since) must move on. ~P then frees the current
//   object.
// xenium_qsbr (and nebr's held region) caveat: xenium's QSBR has no offline
//   state and never lets a thread go until it exits: a thread that has used
//   xenium_qsbr and then blocks (joins, waits) without exiting holds back
//   every grace period, and with it every handle destructor that waits for
//   one. Threads must use their handles and exit, or keep calling quiescent().
//
// ThreadSanitizer: the peers stay in tsan builds. TSan does not model
//   stand-alone fences, and xenium's reclaimers order with them (the seq_cst
//   fence after a hazard pointer / era / epoch announcement, the acquire
//   fence before a scan's decision). xenium compensates itself: under TSan
//   (xenium/detail/port.hpp, TSAN_MEMORY_ORDER) the loads and stores that pair
//   with those fences become acquire / release, so TSan sees the
//   happens-before that the fences give from a reader's last access to the
//   free. What TSan cannot check is the fences' store-load ordering (a missed
//   race, never a false report). tests/primitives/reclaim_peers_test.cpp
//   runs all seven under TSan without a report and without suppressions;
//   GCC's -Wtsan notice about the fences is silenced for this header.
#pragma once

#if SYNCLAB_HAVE_XENIUM

#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#define SYNCLAB_XENIUM_PUBLICATIONS_WTSAN_OFF 1
#endif

#include <xenium/reclamation/generic_epoch_based.hpp>
#include <xenium/reclamation/hazard_eras.hpp>
#include <xenium/reclamation/hazard_pointer.hpp>
#include <xenium/reclamation/quiescent_state_based.hpp>
#include <xenium/reclamation/stamp_it.hpp>

#include <atomic>
#include <cstddef>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "synclab/reclaim/concepts.hpp"

namespace synclab::peers {

namespace xenium_detail {

// How a handle uses the reclaimer's region_guard: only nebr holds one.
enum class Region { per_read, held };

template <class Reclaimer, Region RegionUse, bool QuiescentRegion, class T>
class Publication {
  struct Node : Reclaimer::template enable_concurrent_ptr<Node> {
    template <class... Args>
    explicit Node(Args&&... args) : value(std::forward<Args>(args)...) {}
    ~Node() {
      // release: the destructor's effects happen-before the handle's
      // destruction, which acquires the count.
      if (waiting != nullptr) waiting->fetch_sub(1, std::memory_order_release);
    }
    T value;
    std::atomic<long>* waiting = nullptr;  // the retiring handle's count
  };
  // Retired by a handle's destructor to drive the reclaimer.
  struct Dummy : Reclaimer::template enable_concurrent_ptr<Dummy> {};

  using Slot = typename Reclaimer::template concurrent_ptr<Node>;
  using Guard = typename Slot::guard_ptr;

 public:
  static constexpr std::size_t object_bytes = sizeof(Node);

  template <class... Args>
  explicit Publication(Args&&... args) : slot_(new Node(std::forward<Args>(args)...)) {}
  Publication(const Publication&) = delete;
  Publication& operator=(const Publication&) = delete;
  // Every handle is gone, and each waited for what it retired.
  ~Publication() { delete slot_.load(std::memory_order_relaxed).get(); }

  class handle {
   public:
    explicit handle(Publication& p) : p_(&p) {
      if constexpr (RegionUse == Region::held) region_.emplace();
    }
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    // drive() allocates its dummy node (and hp / he may find no free hazard
    // slot): such an exception in this destructor ends the program, as
    // nothing retired could be freed by ~P then.
    // NOLINTNEXTLINE(bugprone-exception-escape)
    ~handle() {
      if constexpr (RegionUse == Region::held) region_.reset();
      while (waiting_.load(std::memory_order_acquire) != 0) {
        for (int i = 0; i < kDrivesPerYield; ++i) drive();
        std::this_thread::yield();
      }
    }

    template <class F>
    decltype(auto) read(F&& f) {
      Guard guard;
      guard.acquire(p_->slot_, std::memory_order_acquire);
      return std::forward<F>(f)(static_cast<const T&>(guard->value));
    }

    template <class... Args>
    void update(Args&&... args) {
      Node* fresh = new Node(std::forward<Args>(args)...);
      Guard guard;
      for (;;) {
        guard.acquire(p_->slot_, std::memory_order_acquire);
        typename Slot::marked_ptr expected = guard.get();
        if (p_->slot_.compare_exchange_weak(expected, fresh, std::memory_order_release, std::memory_order_relaxed))
          break;
      }
      guard->waiting = &waiting_;
      waiting_.fetch_add(1, std::memory_order_relaxed);
      guard.reclaim();
    }

    void quiescent() {
      if constexpr (RegionUse == Region::held) {
        region_.reset();
        region_.emplace();
      } else if constexpr (QuiescentRegion) {
        typename Reclaimer::region_guard pass;
      }
    }

   private:
    // One region entered and left, one retire: what makes every scheme scan
    // or advance (epochs count region entries; hp, he and stamp_it count
    // retires).
    static void drive() {
      typename Reclaimer::template concurrent_ptr<Dummy> cell(new Dummy);
      typename Reclaimer::template concurrent_ptr<Dummy>::guard_ptr guard;
      guard.acquire(cell, std::memory_order_acquire);
      guard.reclaim();
    }

    // Scans come every ~100 retires (hp, he) or region entries (epochs):
    // drive in bursts, yielding between them to the threads whose progress
    // the grace period waits for.
    static constexpr int kDrivesPerYield = 64;

    Publication* p_;
    std::atomic<long> waiting_{0};
    std::optional<typename Reclaimer::region_guard> region_;
  };

 private:
  Slot slot_;
};

namespace xr = xenium::reclamation;

}  // namespace xenium_detail

template <class Reclaimer, xenium_detail::Region RegionUse, bool QuiescentRegion, class T, const char* Name>
class XeniumPublication : public xenium_detail::Publication<Reclaimer, RegionUse, QuiescentRegion, T> {
 public:
  static constexpr std::string_view name = Name;
  using xenium_detail::Publication<Reclaimer, RegionUse, QuiescentRegion, T>::Publication;
};

namespace xenium_detail {
inline constexpr char kHp[] = "xenium_hp";
inline constexpr char kHe[] = "xenium_he";
inline constexpr char kEbr[] = "xenium_ebr";
inline constexpr char kNebr[] = "xenium_nebr";
inline constexpr char kDebra[] = "xenium_debra";
inline constexpr char kQsbr[] = "xenium_qsbr";
inline constexpr char kStampIt[] = "xenium_stamp_it";
}  // namespace xenium_detail

template <class T>
using XeniumHp = XeniumPublication<xenium_detail::xr::hazard_pointer<>, xenium_detail::Region::per_read, false, T,
                                   xenium_detail::kHp>;
template <class T>
using XeniumHe = XeniumPublication<xenium_detail::xr::hazard_eras<>, xenium_detail::Region::per_read, false, T,
                                   xenium_detail::kHe>;
template <class T>
using XeniumEbr = XeniumPublication<xenium_detail::xr::epoch_based<>, xenium_detail::Region::per_read, false, T,
                                    xenium_detail::kEbr>;
template <class T>
using XeniumNebr = XeniumPublication<xenium_detail::xr::new_epoch_based<>, xenium_detail::Region::held, false, T,
                                     xenium_detail::kNebr>;
template <class T>
using XeniumDebra = XeniumPublication<xenium_detail::xr::debra<>, xenium_detail::Region::per_read, false, T,
                                      xenium_detail::kDebra>;
template <class T>
using XeniumQsbr = XeniumPublication<xenium_detail::xr::quiescent_state_based, xenium_detail::Region::per_read, true,
                                     T, xenium_detail::kQsbr>;
template <class T>
using XeniumStampIt = XeniumPublication<xenium_detail::xr::stamp_it, xenium_detail::Region::per_read, false, T,
                                        xenium_detail::kStampIt>;

static_assert(reclaim::Publication<XeniumHp<long>, long>);
static_assert(reclaim::Publication<XeniumHe<long>, long>);
static_assert(reclaim::Publication<XeniumEbr<long>, long>);
static_assert(reclaim::Publication<XeniumNebr<long>, long>);
static_assert(reclaim::Publication<XeniumDebra<long>, long>);
static_assert(reclaim::Publication<XeniumQsbr<long>, long>);
static_assert(reclaim::Publication<XeniumStampIt<long>, long>);

}  // namespace synclab::peers

#if SYNCLAB_XENIUM_PUBLICATIONS_WTSAN_OFF
#pragma GCC diagnostic pop
#undef SYNCLAB_XENIUM_PUBLICATIONS_WTSAN_OFF
#endif

#endif
