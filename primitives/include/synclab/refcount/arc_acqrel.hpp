// arc_acqrel.hpp — arc with an acq_rel decrement instead of release + fence.
//
// Algorithm: exactly arc (arc.hpp), except that drop is
//   fetch_sub(1, acq_rel) and the handle that reads 1 deletes the block with
//   no fence.
// Source: the ordering std::shared_ptr uses (libstdc++ and Boost's
//   sp_counted_base decrement with acq_rel; Boost's intrusive_ref_counter
//   too); Rust Atomics and Locks, ch. 6, explains why Arc does not.
// Why it exists: to measure what the fence trick buys. acq_rel gives every
//   decrement acquire semantics although only the last one needs them.
//   - x86-64: both compile to the same `lock xadd`; the acquire fence emits
//     no instruction. Expect no difference; a measured one is noise.
//   - arm64 with LSE: LDADDL (release) vs LDADDAL (acquire-release), plus a
//     DMB ISHLD for the fence on the last decrement only. Without LSE
//     (outline atomics falling back to LDXR/STLXR vs LDAXR/STLXR) the gap
//     is in the load-exclusive. Dawn reported +2 % on Intel from switching to
//     release + fence and expected more on ARM.
// Memory ordering: clone relaxed (as arc); drop acq_rel: release for the same
//   reason as arc, acquire on every decrement so that the last one needs no
//   fence. get_mut is arc's (relaxed load + acquire fence).
// Guarantees, cost, layout: as arc.
#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>

#include "synclab/refcount/arc.hpp"
#include "synclab/refcount/concepts.hpp"

namespace synclab::refcount {

namespace detail {

struct AcqRelDecrement {
  static constexpr std::string_view name = "arc_acqrel";
  static bool decrement_is_last(std::atomic<std::size_t>& count) noexcept {
    return count.fetch_sub(1, std::memory_order_acq_rel) == 1;
  }
};

}  // namespace detail

template <class T>
using ArcAcqRel = BasicArc<T, detail::AcqRelDecrement>;

static_assert(RefCountedHandle<ArcAcqRel<int>>);

}  // namespace synclab::refcount
