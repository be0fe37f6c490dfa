// refcount/concepts.hpp — the interface every reference count (ours and the
// peers) is measured and tested through.
//
// A handle owns one reference to a shared object:
//   H::make(args...)   allocates an object (constructed from args) whose count
//                      starts at one, and returns the handle owning that
//                      reference; synclab::refcount::make<H>(args...) says the
//                      same thing from outside the class;
//   h.clone()          a new handle to the same object (one more reference);
//   ~H() / h.reset()   drops the reference; the last one destroys the object;
//   h.get()            the object, or nullptr for an empty handle;
//   H::thread_safe     false for a count that may only be used by one thread
//                      (the `rc` baseline): the benchmarks register it at t:1
//                      only and the concurrent tests leave it out.
// A default-constructed handle is empty; a moved-from handle is empty. Copying
// a handle is clone(); moving transfers the reference without touching the
// count.
//
// WeakRefCountedHandle adds a weak reference (H::weak_type): it keeps the
// allocation but not the object alive; w.upgrade() returns a strong handle if
// the object is still alive and an empty one otherwise (never a handle to a
// destroyed object), h.downgrade() makes a weak reference from a strong one.
#pragma once

#include <concepts>
#include <utility>

#include "synclab/concepts.hpp"

namespace synclab::refcount {

template <class H>
concept RefCountedHandle =
    Named<H> && std::default_initializable<H> && std::movable<H> && requires(H& h, const H& ch) {
      typename H::element_type;
      { H::thread_safe } -> std::convertible_to<bool>;
      { ch.clone() } -> std::same_as<H>;
      { ch.get() } -> std::same_as<typename H::element_type*>;
      h.reset();
      static_cast<bool>(ch);
    };

// H::make(args...) builds an object of H's element type from args.
template <class H, class... Args>
concept MakeableFrom = RefCountedHandle<H> && requires(Args&&... args) {
  { H::make(std::forward<Args>(args)...) } -> std::same_as<H>;
};

template <class H>
concept WeakRefCountedHandle =
    RefCountedHandle<H> && std::default_initializable<typename H::weak_type> &&
    std::movable<typename H::weak_type> && requires(const H& h, const typename H::weak_type& w) {
      { h.downgrade() } -> std::same_as<typename H::weak_type>;
      { w.upgrade() } -> std::same_as<H>;
      { w.clone() } -> std::same_as<typename H::weak_type>;
    };

// make<Arc<T>>(args...): the spelling used by generic code.
template <class H, class... Args>
  requires MakeableFrom<H, Args...>
[[nodiscard]] H make(Args&&... args) {
  return H::make(std::forward<Args>(args)...);
}

}  // namespace synclab::refcount
