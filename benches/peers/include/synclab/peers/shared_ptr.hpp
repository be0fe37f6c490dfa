// shared_ptr.hpp — std::shared_ptr / std::weak_ptr behind synclab's
// RefCountedHandle interface (three peers: shared_ptr, shared_ptr_new,
// weak_ptr).
//
// Peers:
//   shared_ptr      std::make_shared: one allocation, the control block (two
//                   32-bit counts and a vtable pointer) right before the
//                   object, so a write to the object's first bytes shares a
//                   line with the counts.
//   shared_ptr_new  std::shared_ptr<T>(new T): two allocations, the control
//                   block apart from the object.
//   weak_ptr        the make_shared variant measured through weak_ptr::lock()
//                   (the weak_upgrade scenario); registered only there.
// What libstdc++ 12 does (bits/shared_ptr_base.h, ext/atomicity.h):
//   copy            __atomic_add_dispatch: fetch_add(acq_rel) on use_count,
//                   or a plain add while glibc's __libc_single_threaded is
//                   set (no second thread has ever existed). synclab_bench
//                   starts and joins a thread first, so it always measures
//                   the atomic path.
//   destroy         when an acquire load of both 32-bit counts at once reads
//                   use = weak = 1 (last owner, no weak_ptr), no RMW at all;
//                   otherwise fetch_sub(acq_rel) on use_count, and the last
//                   one disposes of the object and decrements weak_count.
//                   Under TSan the one-load shortcut is compiled out.
//   weak_ptr::lock  CAS loop incrementing use_count from a non-zero value
//                   (_M_add_ref_lock_nothrow).
// Compared with arc: acq_rel instead of relaxed increments and release +
// fence decrements (the same instruction on x86-64), 32-bit counts, a vtable
// call for dispose/destroy, and the shortcut above for the last owner.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "synclab/refcount/concepts.hpp"

namespace synclab::peers {

namespace shared_ptr_detail {

struct ViaMakeShared {
  static constexpr std::string_view name = "shared_ptr";
  template <class T, class... Args>
  static std::shared_ptr<T> make(Args&&... args) {
    return std::make_shared<T>(std::forward<Args>(args)...);
  }
};

struct ViaNew {
  static constexpr std::string_view name = "shared_ptr_new";
  template <class T, class... Args>
  static std::shared_ptr<T> make(Args&&... args) {
    return std::shared_ptr<T>(new T(std::forward<Args>(args)...));
  }
};

struct ViaMakeSharedWeakLock {
  static constexpr std::string_view name = "weak_ptr";
  template <class T, class... Args>
  static std::shared_ptr<T> make(Args&&... args) {
    return std::make_shared<T>(std::forward<Args>(args)...);
  }
};

}  // namespace shared_ptr_detail

template <class T, class How>
class BasicSharedPtr {
 public:
  using element_type = T;
  static constexpr std::string_view name = How::name;
  static constexpr bool thread_safe = true;

  class Weak {
   public:
    Weak() noexcept = default;
    [[nodiscard]] Weak clone() const noexcept { return *this; }
    void reset() noexcept { w_.reset(); }
    [[nodiscard]] BasicSharedPtr upgrade() const noexcept { return BasicSharedPtr(w_.lock()); }
    explicit operator bool() const noexcept { return !w_.expired(); }

   private:
    friend class BasicSharedPtr;
    explicit Weak(std::weak_ptr<T> w) noexcept : w_(std::move(w)) {}
    std::weak_ptr<T> w_;
  };
  using weak_type = Weak;

  BasicSharedPtr() noexcept = default;

  template <class... Args>
  [[nodiscard]] static BasicSharedPtr make(Args&&... args) {
    return BasicSharedPtr(How::template make<T>(std::forward<Args>(args)...));
  }

  [[nodiscard]] BasicSharedPtr clone() const noexcept { return *this; }
  void reset() noexcept { p_.reset(); }
  [[nodiscard]] Weak downgrade() const noexcept { return Weak(std::weak_ptr<T>(p_)); }

  [[nodiscard]] T* get() const noexcept { return p_.get(); }
  T& operator*() const noexcept { return *p_; }
  T* operator->() const noexcept { return p_.get(); }
  explicit operator bool() const noexcept { return static_cast<bool>(p_); }
  [[nodiscard]] long use_count() const noexcept { return p_.use_count(); }

 private:
  explicit BasicSharedPtr(std::shared_ptr<T> p) noexcept : p_(std::move(p)) {}
  std::shared_ptr<T> p_;
};

template <class T>
using SharedPtr = BasicSharedPtr<T, shared_ptr_detail::ViaMakeShared>;
template <class T>
using SharedPtrNew = BasicSharedPtr<T, shared_ptr_detail::ViaNew>;
template <class T>
using WeakPtr = BasicSharedPtr<T, shared_ptr_detail::ViaMakeSharedWeakLock>;

static_assert(refcount::WeakRefCountedHandle<SharedPtr<int>>);
static_assert(refcount::WeakRefCountedHandle<WeakPtr<int>>);
static_assert(refcount::RefCountedHandle<SharedPtrNew<int>>);

}  // namespace synclab::peers
