// combining.hpp — what the combining locks share: a critical section handed
// over as a request, and the adapter that makes every ordinary lock
// Combinable.
//
// CombineCall<F>: one call of lock_combine(f), as the combiners see it. The
//   caller builds it on its own stack; a combiner (possibly another thread)
//   runs it through the type-erased CombineRequest base (one indirect call),
//   which constructs f()'s result in the call's own storage; the caller takes
//   the result out once the combiner has marked the request done. A small
//   function object called as const is copied into the call (one line for the
//   combiner to read), any other is referenced. The combiner
//   must not touch the call after marking it done: the caller may return and
//   its stack frame go away at once. Every ordering is the combiner's (the
//   done flag is released by the combiner and acquired by the caller); this
//   file has no atomics.
// LockThenRun<L>: any Lockable as a Combinable, by lock(); f(); unlock() on
//   the calling thread. It is what "the same critical section through plain
//   lock/unlock" means in the lock_combine workload: the section is the same
//   function object, called in place. The name is L's, so a case names the
//   lock, not the adapter. The section's result is returned by value; an
//   exception from f unlocks and propagates (this adapter can, since f runs on
//   the caller's thread), which the combining locks cannot offer.
// Guarantees: those of L (fairness, progress, preemption).
// Layout: exactly L (one member).
#pragma once

#include <concepts>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "synclab/concepts.hpp"

namespace synclab::locks {

// A critical section waiting to be run by whoever holds a combining lock.
struct CombineRequest {
  void (*run)(CombineRequest&) noexcept;
};

template <class F>
class CombineCall final : public CombineRequest {
 public:
  using result_type = std::invoke_result_t<F&>;
  static_assert(!std::is_reference_v<result_type>,
                "lock_combine returns the critical section's result by value: return a value or a pointer");
  static_assert(std::is_void_v<result_type> || std::is_move_constructible_v<result_type>);

  // A small function object that is called as const and trivially copyable
  // (a lambda capturing references and numbers) is copied into the call, so a
  // combiner reads the request and its captures from the same line; any other
  // is referred to where the caller keeps it.
  static constexpr bool kHeldByValue =
      std::is_trivially_copyable_v<F> && sizeof(F) <= 32 && std::is_invocable_v<const F&>;

  explicit CombineCall(F& f) noexcept : CombineRequest{&CombineCall::run_erased}, f_(f) {}
  CombineCall(const CombineCall&) = delete;
  CombineCall& operator=(const CombineCall&) = delete;
  ~CombineCall() {
    if constexpr (!std::is_void_v<result_type>) {
      if (has_result_) result()->~result_type();
    }
  }

  // Runs the section here (by the combiner, or by the caller itself).
  void run_here() noexcept {
    if constexpr (std::is_void_v<result_type>) {
      f_();
    } else {
      ::new (static_cast<void*>(storage_)) result_type(f_());
      has_result_ = true;
    }
  }

  // The caller's side, after the request is done.
  result_type take() {
    if constexpr (!std::is_void_v<result_type>) return std::move(*result());
  }

 private:
  static void run_erased(CombineRequest& r) noexcept { static_cast<CombineCall&>(r).run_here(); }

  result_type* result() noexcept
    requires(!std::is_void_v<result_type>)
  {
    return std::launder(reinterpret_cast<result_type*>(storage_));
  }

  struct Empty {};
  using Storage = std::conditional_t<std::is_void_v<result_type>, Empty, result_type>;

  std::conditional_t<kHeldByValue, F, F&> f_;
  alignas(Storage) unsigned char storage_[sizeof(Storage)];
  bool has_result_ = false;
};

// Every ordinary lock, lifted to Combinable.
template <Lockable L>
class LockThenRun {
 public:
  static constexpr std::string_view name = L::name;
  static constexpr bool counts_futex_calls = requires { requires L::counts_futex_calls; };  // as the wrapped lock

  template <class F>
  std::invoke_result_t<F&> lock_combine(F&& f) {
    lock_.lock();
    struct Unlock {
      L& l;
      ~Unlock() { l.unlock(); }
    } unlock{lock_};
    return f();
  }

  L& underlying() noexcept { return lock_; }

 private:
  L lock_;
};

}  // namespace synclab::locks
