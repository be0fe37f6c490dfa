// atomic_shared_ptr.hpp — std::atomic<std::shared_ptr<T>> as a shared slot
// that readers load from and writers store into (peer: atomic_shared_ptr).
//
// Peer: C++20's atomic shared_ptr, the standard answer to "many threads read
//   the current version of an object while another replaces it". A load
//   returns a new owning shared_ptr, so it is a clone from a shared location;
//   a store replaces the slot's pointer and drops the old reference.
// What libstdc++ 12 does (bits/shared_ptr_atomic.h): the slot is the object
//   pointer plus the control-block pointer whose low bit is a spin lock.
//   load(): CAS the lock bit on (spinning with __thread_relax while it is
//   set), add a reference to the control block (fetch_add acq_rel), clear
//   the lock bit (fetch_sub). store(): lock, swap the pointers, unlock with
//   an exchange, then drop the old reference. So a load is three RMWs on two
//   lines (the slot and the control block), and readers serialise on the lock
//   bit: it is not lock-free (is_lock_free() is false).
// Memory ordering: the calls below use acquire loads and release stores, the
//   orderings a publish/subscribe slot needs (libstdc++ upgrades a relaxed
//   load to acquire anyway).
// Not a RefCountedHandle: it is measured in its own scenarios (uncontended,
//   shared, load_store) through the AtomicSlot interface of
//   harness/workloads/refcount_workload.hpp.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>
#include <utility>

namespace synclab::peers {

template <class T>
class AtomicSharedPtr {
 public:
  using element_type = T;
  using handle_type = std::shared_ptr<T>;
  static constexpr std::string_view name = "atomic_shared_ptr";

  AtomicSharedPtr() = default;
  AtomicSharedPtr(const AtomicSharedPtr&) = delete;
  AtomicSharedPtr& operator=(const AtomicSharedPtr&) = delete;

  template <class... Args>
  [[nodiscard]] static handle_type make(Args&&... args) {
    return std::make_shared<T>(std::forward<Args>(args)...);
  }

  [[nodiscard]] handle_type load() const noexcept { return slot_.load(std::memory_order_acquire); }
  void store(handle_type p) noexcept { slot_.store(std::move(p), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<T>> slot_;
};

}  // namespace synclab::peers
