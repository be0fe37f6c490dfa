// The overflow guard: a clone (or an upgrade) that finds the count above
// max/2 aborts the process, before the count can wrap and free a live
// object. The count is set next to the limit through a test hook instead of
// cloning max/2 times.
#include <gtest/gtest.h>

#include "refcount_testing.hpp"
#include "synclab/refcount/arc.hpp"
#include "synclab/refcount/arc_acqrel.hpp"
#include "synclab/refcount/arc_weak.hpp"
#include "synclab/refcount/detail.hpp"

namespace {

using synclab::refcount::Arc;
using synclab::refcount::ArcAcqRel;
using synclab::refcount::ArcWeak;
using synclab::refcount::detail::kMaxRefs;
using synclab::testing::PrimitiveName;
using synclab::testing::Tracked;

// GoogleTest's default "fast" death-test style: the child is a fork that
// runs the statement, not a re-executed binary (re-executing fails where the
// binary runs under an emulator without binfmt_misc). The process is
// single-threaded when the death tests run.
template <class H>
class OverflowDeathTest : public ::testing::Test {};
using Guarded = ::testing::Types<Arc<Tracked>, ArcAcqRel<Tracked>, ArcWeak<Tracked>>;
TYPED_TEST_SUITE(OverflowDeathTest, Guarded, PrimitiveName);

TYPED_TEST(OverflowDeathTest, CloneAboveHalfTheRangeAborts) {
  TypeParam a = TypeParam::make(1u);
  TypeParam::set_count_for_testing(a, kMaxRefs + 1);
  EXPECT_DEATH({ TypeParam c = a.clone(); }, "reference count overflow");
  TypeParam::set_count_for_testing(a, 1);  // so that this process frees it normally
}

TYPED_TEST(OverflowDeathTest, CloneAtTheLimitIsStillAllowed) {
  TypeParam a = TypeParam::make(1u);
  TypeParam::set_count_for_testing(a, kMaxRefs);
  {
    TypeParam c = a.clone();  // old value kMaxRefs: not above the limit
    EXPECT_EQ(c.get(), a.get());
  }
  TypeParam::set_count_for_testing(a, 1);
}

TEST(ArcWeakOverflowDeathTest, UpgradeAboveHalfTheRangeAborts) {
  ArcWeak<Tracked> a = ArcWeak<Tracked>::make(1u);
  auto w = a.downgrade();
  ArcWeak<Tracked>::set_count_for_testing(a, kMaxRefs + 1);
  EXPECT_DEATH({ auto s = w.upgrade(); }, "reference count overflow");
  ArcWeak<Tracked>::set_count_for_testing(a, 1);
}

}  // namespace
