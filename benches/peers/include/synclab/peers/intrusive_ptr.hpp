// intrusive_ptr.hpp — boost::intrusive_ptr over boost::intrusive_ref_counter
// behind synclab's RefCountedHandle interface (peer: intrusive_ptr).
//
// Optional: compiled only where Boost's header is present (Debian
// libboost-dev, header-only here); SYNCLAB_HAVE_BOOST_INTRUSIVE_PTR says
// whether it was, and refcount_peers.hpp lists the peer only then.
//
// Peer: the count lives inside the object (intrusive_ref_counter<Node,
//   thread_safe_counter> is a base of the node holding T): one allocation,
//   no control block, a one-pointer handle.
// What Boost 1.74 does (smart_ptr/detail/atomic_count_gcc_atomic.hpp, picked
//   with GCC's __atomic builtins): increment __atomic_add_fetch(acq_rel),
//   decrement __atomic_sub_fetch(acq_rel), delete when the new value is 0.
//   So this peer is arc_acqrel with an acq_rel increment too (on x86-64 the
//   same `lock xadd`/`lock add` either way), not the relaxed / release +
//   fence recipe of Boost.Atomic's own documentation.
// No weak references.
#pragma once

#if __has_include(<boost/smart_ptr/intrusive_ptr.hpp>) && __has_include(<boost/smart_ptr/intrusive_ref_counter.hpp>)
#define SYNCLAB_HAVE_BOOST_INTRUSIVE_PTR 1

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>
#include <string_view>
#include <utility>

#include "synclab/refcount/concepts.hpp"

namespace synclab::peers {

template <class T>
class IntrusivePtr {
  struct Node : boost::intrusive_ref_counter<Node, boost::thread_safe_counter> {
    template <class... Args>
    explicit Node(Args&&... args) : value(std::forward<Args>(args)...) {}
    T value;
  };

 public:
  using element_type = T;
  static constexpr std::string_view name = "intrusive_ptr";
  static constexpr bool thread_safe = true;

  IntrusivePtr() noexcept = default;

  template <class... Args>
  [[nodiscard]] static IntrusivePtr make(Args&&... args) {
    return IntrusivePtr(boost::intrusive_ptr<Node>(new Node(std::forward<Args>(args)...)));
  }

  [[nodiscard]] IntrusivePtr clone() const noexcept { return *this; }
  void reset() noexcept { p_.reset(); }

  [[nodiscard]] T* get() const noexcept { return p_ ? &p_->value : nullptr; }
  T& operator*() const noexcept { return p_->value; }
  T* operator->() const noexcept { return &p_->value; }
  explicit operator bool() const noexcept { return static_cast<bool>(p_); }

 private:
  explicit IntrusivePtr(boost::intrusive_ptr<Node> p) noexcept : p_(std::move(p)) {}
  boost::intrusive_ptr<Node> p_;
};

static_assert(refcount::RefCountedHandle<IntrusivePtr<int>>);

}  // namespace synclab::peers

#else
#define SYNCLAB_HAVE_BOOST_INTRUSIVE_PTR 0
#endif
