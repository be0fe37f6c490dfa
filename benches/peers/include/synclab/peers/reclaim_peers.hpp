// reclaim_peers.hpp — every third-party or standard reclamation scheme
// measured beside ours (synclab::reclaim::OurPublications), each adapted to
// synclab::reclaim::Publication.
//
// A peer joins the typed tests and the benchmarks by appearing here once; a
// peer whose library is not available (or that cannot run in this build) is
// left out of the list and named, with the reason, in kReclaimPeersMissing.
//
// The two adapters defined here publish through a reference count instead of
// deferring frees: the reader takes a reference, so the last one to drop it
// (the writer's replace, or a reader that still held it) frees the object at
// once. Nothing ever awaits reclamation longer than a reader keeps its
// reference, and a stalled reader holds back only the one object it holds.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "synclab/peers/urcu_publications.hpp"
#include "synclab/peers/xenium_publications.hpp"
#include "synclab/reclaim/concepts.hpp"
#include "synclab/refcount/arc.hpp"
#include "synclab/type_list.hpp"

#if defined(__SANITIZE_THREAD__)
#define SYNCLAB_RECLAIM_PEERS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNCLAB_RECLAIM_PEERS_TSAN 1
#endif
#endif
#ifndef SYNCLAB_RECLAIM_PEERS_TSAN
#define SYNCLAB_RECLAIM_PEERS_TSAN 0
#endif

namespace synclab::peers {

namespace reclaim_detail {
constexpr std::size_t round_up(std::size_t n, std::size_t align) { return (n + align - 1) / align * align; }
}  // namespace reclaim_detail

// atomic_shared_ptr: the slot is std::atomic<std::shared_ptr<T>>. read()
// loads a shared_ptr (libstdc++ 12: CAS a lock bit in the slot on, add a
// reference to the control block, clear the lock bit — readers serialise on
// the slot's line and it is not lock-free; atomic_shared_ptr.hpp has the
// details), calls f and drops the reference; update() stores a fresh
// make_shared object and drops the slot's reference to the old one. Orders:
// acquire load and release store, what publication needs; the reference
// counts order the destructor after every reader's use.
// object_bytes: make_shared's one allocation, libstdc++'s in-place control
// block (_Sp_counted_ptr_inplace): a vtable pointer and two 32-bit counts
// (use and weak: 16 bytes on LP64) followed by the object at its alignment.
template <class T>
class AtomicSharedPtrPublication {
 public:
  static constexpr std::string_view name = "atomic_shared_ptr";
  static constexpr std::size_t object_bytes =
      reclaim_detail::round_up(sizeof(void*) + 2 * sizeof(int), alignof(T)) + sizeof(T);

  template <class... Args>
  explicit AtomicSharedPtrPublication(Args&&... args) : slot_(std::make_shared<T>(std::forward<Args>(args)...)) {}
  AtomicSharedPtrPublication(const AtomicSharedPtrPublication&) = delete;
  AtomicSharedPtrPublication& operator=(const AtomicSharedPtrPublication&) = delete;

  class handle {
   public:
    explicit handle(AtomicSharedPtrPublication& p) noexcept : p_(&p) {}
    template <class F>
    decltype(auto) read(F&& f) {
      const std::shared_ptr<T> mine = p_->slot_.load(std::memory_order_acquire);
      return std::forward<F>(f)(std::as_const(*mine));
    }
    template <class... Args>
    void update(Args&&... args) {
      p_->slot_.store(std::make_shared<T>(std::forward<Args>(args)...), std::memory_order_release);
    }
    void quiescent() noexcept {}

   private:
    AtomicSharedPtrPublication* p_;
  };

 private:
  std::atomic<std::shared_ptr<T>> slot_;
};

// arc_mutex: synclab::refcount::Arc<T> behind a std::mutex. read() locks,
// clones the current Arc (one relaxed fetch_add), unlocks, calls f on the
// clone and drops it; update() makes the new Arc, swaps it in under the lock
// and drops the old one outside it. The mutex orders the slot; Arc's release
// decrement and acquire on the last one order the destructor after every
// reader's use. Readers serialise on the mutex (a blocking peer).
// object_bytes: Arc's block, an atomic std::size_t count followed by the
// object at its alignment.
template <class T>
class ArcMutexPublication {
 public:
  static constexpr std::string_view name = "arc_mutex";
  static constexpr std::size_t object_bytes =
      reclaim_detail::round_up(sizeof(std::atomic<std::size_t>), alignof(T)) + sizeof(T);

  template <class... Args>
  explicit ArcMutexPublication(Args&&... args)
      : current_(refcount::Arc<T>::make(std::forward<Args>(args)...)) {}
  ArcMutexPublication(const ArcMutexPublication&) = delete;
  ArcMutexPublication& operator=(const ArcMutexPublication&) = delete;

  class handle {
   public:
    explicit handle(ArcMutexPublication& p) noexcept : p_(&p) {}
    template <class F>
    decltype(auto) read(F&& f) {
      const refcount::Arc<T> mine = [this] {
        const std::lock_guard lock(p_->mutex_);
        return p_->current_.clone();
      }();
      const T* object = mine.get();
      // The slot always holds an object (constructed with one, swapped, never
      // emptied); telling the compiler so avoids GCC 12's -Wstringop-overflow
      // false report on a store through a null block.
      if (object == nullptr) __builtin_unreachable();
      return std::forward<F>(f)(*object);
    }
    template <class... Args>
    void update(Args&&... args) {
      refcount::Arc<T> fresh = refcount::Arc<T>::make(std::forward<Args>(args)...);
      {
        const std::lock_guard lock(p_->mutex_);
        std::swap(fresh, p_->current_);
      }
      // `fresh` holds the replaced object: dropped here, outside the lock.
    }
    void quiescent() noexcept {}

   private:
    ArcMutexPublication* p_;
  };

 private:
  std::mutex mutex_;
  refcount::Arc<T> current_;
};

static_assert(reclaim::Publication<AtomicSharedPtrPublication<int>, int>);
static_assert(reclaim::Publication<ArcMutexPublication<int>, int>);

namespace reclaim_peers_detail {

// liburcu (urcu_publications.hpp): absent from tsan builds (CMakeLists.txt).
template <class T>
using Urcu =
#if SYNCLAB_HAVE_URCU
    synclab::TypeList<UrcuMemb<T>, UrcuQsbr<T>>;
#else
    synclab::TypeList<>;
#endif

// xenium's reclaimers (xenium_publications.hpp), one adapter each.
template <class T>
using Xenium =
#if SYNCLAB_HAVE_XENIUM
    synclab::TypeList<XeniumHp<T>,
                      XeniumHe<T>,
                      XeniumEbr<T>,
                      XeniumNebr<T>,
                      XeniumDebra<T>,
                      XeniumQsbr<T>,
                      XeniumStampIt<T>>;
#else
    synclab::TypeList<>;
#endif

// std::atomic<std::shared_ptr> is left out of ThreadSanitizer builds: libstdc++
// 12 guards the slot with a lock bit TSan does not know and unlocks with a
// relaxed RMW, which TSan reports as a data race (atomic_shared_ptr.hpp).
template <class T>
using RefCounted =
#if SYNCLAB_RECLAIM_PEERS_TSAN
    synclab::TypeList<ArcMutexPublication<T>>;
#else
    synclab::TypeList<AtomicSharedPtrPublication<T>, ArcMutexPublication<T>>;
#endif

}  // namespace reclaim_peers_detail

template <class T>
using PeerPublications = synclab::Concat<reclaim_peers_detail::RefCounted<T>,
                                        synclab::Concat<reclaim_peers_detail::Urcu<T>, reclaim_peers_detail::Xenium<T>>>;

// What was left out and why, each entry ending in "; " ("" when nothing).
inline constexpr const char* kReclaimPeersMissing = ""
#if SYNCLAB_RECLAIM_PEERS_TSAN
    "atomic_shared_ptr (ThreadSanitizer build); "
#endif
#if !SYNCLAB_HAVE_URCU && SYNCLAB_RECLAIM_PEERS_TSAN
    "urcu_memb, urcu_qsbr (ThreadSanitizer build: liburcu is an uninstrumented shared library, its grace periods "
    "are invisible to TSan); "
#elif !SYNCLAB_HAVE_URCU
    "urcu_memb, urcu_qsbr (liburcu-memb/liburcu-qsbr shared libraries or headers not found: install "
    "liburcu-dev); "
#endif
#if !SYNCLAB_HAVE_XENIUM && defined(SYNCLAB_XENIUM_TARGET_UNSUPPORTED)
    "xenium_hp, xenium_he, xenium_ebr, xenium_nebr, xenium_debra, xenium_qsbr, xenium_stamp_it (xenium's headers do "
    "not compile for this architecture: its utils.hpp knows only the x86 time-stamp counter); "
#elif !SYNCLAB_HAVE_XENIUM
    "xenium_hp, xenium_he, xenium_ebr, xenium_nebr, xenium_debra, xenium_qsbr, xenium_stamp_it (xenium headers not "
    "found: install libxenium-dev); "
#endif
    ;

}  // namespace synclab::peers
