// hazard_pointer_test — our hazard pointers (synclab/reclaim/hazard_pointer.hpp)
// through P2530's interface, and their publication
// (synclab/reclaim/hazard_pointer_publication.hpp):
//   - the interface: empty, move, swap, protect, try_protect, reset_protection;
//   - a retired object that a hazard protects survives every scan until the
//     hazard is reset; unprotected ones are freed exactly when the retiring
//     thread's list reaches R = 2·H + 16;
//   - the bound: a thread's list stays below R (and so below R + H) after
//     every retire, with H hazards pinning objects;
//   - a thread that exits hands its list to the domain (adopted by the next
//     scan); the domain's destructor frees what still waits; a thread that
//     outlives a domain does not touch it;
//   - stress: readers checking a canary payload (no early free, nothing read
//     poisoned), writers replacing it, every object freed exactly once.
// The checks on a domain run over both fence policies (typed over
// hazard_pointer_domain and hazard_pointer_domain_asym; the asymmetric one is
// skipped, with its reason, where membarrier is unavailable: always under
// ThreadSanitizer). HazardPointerAsym checks the left-out path: with
// SYNCLAB_ASSUME_NO_MEMBARRIER=1 it is unavailable with that reason (the
// ctest hazard_pointer_no_membarrier_test runs the whole executable so).
// The *Broken* tests run the same checks on a scan that ignores the hazards
// (synclab/testing/broken_reclaim.hpp), of either policy, and expect them to fail.
#include "synclab/reclaim/hazard_pointer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "synclab/reclaim/catalog.hpp"
#include "synclab/reclaim/hazard_pointer_publication.hpp"
#include "synclab/testing/broken_reclaim.hpp"
#include "synclab/testing/hang_watchdog.hpp"
#include "synclab/testing/reclaim_canary.hpp"

namespace {

using namespace std::chrono_literals;
using synclab::reclaim::hazard_pointer;
using synclab::reclaim::hazard_pointer_default_domain;
using synclab::reclaim::hazard_pointer_domain;
using synclab::reclaim::hazard_pointer_domain_asym;
using synclab::reclaim::hazard_pointer_obj_base;
using synclab::reclaim::make_hazard_pointer;
using synclab::testing::Canary;
using synclab::testing::CanaryLedger;
using synclab::testing::HangWatchdog;
using synclab::testing::kHangLimit;
using synclab::testing::wait_until;

// An object whose deleter only counts: the test owns the storage, so a twin
// that frees too early is caught by the count, never by touching freed memory.
struct Obj;
struct CountingDelete {
  void operator()(Obj* o) const noexcept;
};
struct Obj : hazard_pointer_obj_base<Obj, CountingDelete> {
  std::atomic<int> frees{0};
};
void CountingDelete::operator()(Obj* o) const noexcept { o->frees.fetch_add(1, std::memory_order_relaxed); }

struct Pool {
  std::vector<std::unique_ptr<Obj>> objects;
  Obj* make() { return objects.emplace_back(std::make_unique<Obj>()).get(); }
  int freed() const {
    int n = 0;
    for (const auto& o : objects) n += o->frees.load(std::memory_order_relaxed);
    return n;
  }
  bool each_at_most_once() const {
    for (const auto& o : objects)
      if (o->frees.load(std::memory_order_relaxed) > 1) return false;
    return true;
  }
};

// Typed over the domain: both fence policies, and (for *Broken*) the twins of both.
using Domains = ::testing::Types<hazard_pointer_domain, hazard_pointer_domain_asym>;
using BrokenDomains = ::testing::Types<synclab::testing::HazardIgnoringDomain, synclab::testing::HazardIgnoringDomainAsym>;
struct FenceName {
  template <class Domain>
  static std::string GetName(int) {
    return std::string(Domain::fence_policy::publication_name);
  }
};

template <class Domain>
class HazardPointerDomain : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string_view why = Domain::fence_policy::unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
};
TYPED_TEST_SUITE(HazardPointerDomain, Domains, FenceName);
template <class Domain>
class HazardPointerBroken : public HazardPointerDomain<Domain> {};
TYPED_TEST_SUITE(HazardPointerBroken, BrokenDomains, FenceName);

TEST(HazardPointer, DefaultConstructedIsEmptyMadeIsNot) {
  hazard_pointer none;
  EXPECT_TRUE(none.empty());
  hazard_pointer made = make_hazard_pointer();
  EXPECT_FALSE(made.empty());
  static_assert(!std::is_copy_constructible_v<hazard_pointer>);
  static_assert(!std::is_copy_assignable_v<hazard_pointer>);
  static_assert(std::is_nothrow_move_constructible_v<hazard_pointer>);
}

TYPED_TEST(HazardPointerDomain, MoveEmptiesTheSourceAndSwapExchanges) {
  using HP = typename TypeParam::hazard_pointer_type;
  TypeParam domain;
  HP a = make_hazard_pointer(domain);
  HP b;
  b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): P2530 specifies it
  EXPECT_FALSE(b.empty());
  HP c(std::move(b));
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(c.empty());
  swap(a, c);
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(c.empty());
  a.swap(c);
  EXPECT_TRUE(a.empty());
  EXPECT_FALSE(c.empty());
  c = HP();  // releases its record
  EXPECT_TRUE(c.empty());
}

TYPED_TEST(HazardPointerDomain, ProtectAndTryProtect) {
  Pool pool;
  TypeParam domain;
  Obj* first = pool.make();
  Obj* second = pool.make();
  std::atomic<Obj*> src{first};
  auto hp = make_hazard_pointer(domain);
  EXPECT_EQ(hp.protect(src), first);

  Obj* guess = first;
  EXPECT_TRUE(hp.try_protect(guess, src));
  EXPECT_EQ(guess, first);

  src.store(second, std::memory_order_seq_cst);
  guess = first;
  EXPECT_FALSE(hp.try_protect(guess, src));
  EXPECT_EQ(guess, second);  // the source's current value, not protected
  EXPECT_TRUE(hp.try_protect(guess, src));
  hp.reset_protection();
  hp.reset_protection(nullptr);
}

// The protected object survives scans until reset; the unprotected ones are
// freed exactly at the threshold. Returns what went wrong ("" if nothing).
template <class Domain, class Protect>
std::string protected_object_waits_for_reset(Protect protect) {
  Pool pool;  // first: outlives the domain, whose destructor frees into it
  Domain domain;
  std::atomic<Obj*> src{pool.make()};
  auto hp = make_hazard_pointer(domain);
  Obj* held = protect(hp, src);
  src.store(pool.make(), std::memory_order_seq_cst);
  held->retire(CountingDelete{}, domain);
  const std::size_t r = domain.retire_threshold();
  if (r != 2U + hazard_pointer_domain::kThresholdSlack) return "R is not 2·H + 16 with one hazard";
  // R − 2 more: below the threshold, nothing is freed.
  for (std::size_t i = 0; i + 2 < r; ++i) pool.make()->retire(CountingDelete{}, domain);
  if (pool.freed() != 0) return "freed before the list reached R";
  if (domain.unreclaimed_by_this_thread() != r - 1) return "list length is not R - 1";
  // The R-th: the scan frees everything but the protected object.
  pool.make()->retire(CountingDelete{}, domain);
  if (held->frees.load() != 0) return "the protected object was freed by the scan";
  if (pool.freed() != static_cast<int>(r) - 1) return "the scan did not free every unprotected object";
  if (domain.unreclaimed_by_this_thread() != 1) return "the scan kept more than the protected object";
  // Reset: the next scan frees it.
  hp.reset_protection();
  for (std::size_t i = 0; i + 1 < r; ++i) pool.make()->retire(CountingDelete{}, domain);
  if (held->frees.load() != 1) return "the object was not freed after its hazard was reset";
  if (!pool.each_at_most_once()) return "an object was freed twice";
  return "";
}

constexpr auto by_protect = [](auto& hp, std::atomic<Obj*>& src) { return hp.protect(src); };
constexpr auto by_try_protect = [](auto& hp, std::atomic<Obj*>& src) {
  Obj* p = src.load(std::memory_order_relaxed);
  while (!hp.try_protect(p, src)) {
  }
  return p;
};
constexpr auto by_reset_protection = [](auto& hp, std::atomic<Obj*>& src) {
  Obj* p = src.load(std::memory_order_relaxed);  // not retired yet: safe to announce
  hp.reset_protection(p);
  return p;
};

TYPED_TEST(HazardPointerDomain, RetiredProtectedObjectWaitsForResetProtect) {
  EXPECT_EQ(protected_object_waits_for_reset<TypeParam>(by_protect), "");
}
TYPED_TEST(HazardPointerDomain, RetiredProtectedObjectWaitsForResetTryProtect) {
  EXPECT_EQ(protected_object_waits_for_reset<TypeParam>(by_try_protect), "");
}
TYPED_TEST(HazardPointerDomain, RetiredProtectedObjectWaitsForResetResetProtection) {
  EXPECT_EQ(protected_object_waits_for_reset<TypeParam>(by_reset_protection), "");
}

// Heap objects with the default deleter, for the default domain (which
// outlives the test: what it still holds at exit stays reachable from it).
struct Tracked : hazard_pointer_obj_base<Tracked> {
  explicit Tracked(std::atomic<int>* f = nullptr) : freed(f) {}
  ~Tracked() {
    if (freed != nullptr) freed->fetch_add(1, std::memory_order_relaxed);
  }
  std::atomic<int>* freed;
};

TEST(HazardPointer, DefaultDomainRetireP2530) {
  std::atomic<int> held_frees{0};
  std::atomic<int> others_freed{0};
  std::atomic<Tracked*> src{new Tracked(&held_frees)};
  hazard_pointer hp = make_hazard_pointer();
  Tracked* held = hp.protect(src);
  src.store(new Tracked, std::memory_order_seq_cst);
  held->retire();  // P2530's signature: the default domain, std::default_delete
  hazard_pointer_domain& domain = hazard_pointer_default_domain();
  for (std::size_t i = 0; i < 2 * domain.retire_threshold(); ++i) (new Tracked(&others_freed))->retire();
  EXPECT_EQ(held_frees.load(), 0);
  EXPECT_GT(others_freed.load(), 0);
  hp.reset_protection();
  // At least one more scan (R retires): the held object goes. Flush the
  // counted ones too (their counter lives on this stack) with uncounted ones.
  for (std::size_t i = 0; i < 2 * domain.retire_threshold(); ++i) (new Tracked)->retire();
  EXPECT_EQ(held_frees.load(), 1);
  EXPECT_EQ(others_freed.load(), static_cast<int>(2 * domain.retire_threshold()));
  EXPECT_LT(domain.unreclaimed_by_this_thread(), domain.retire_threshold());
  src.load()->retire();
}

// The stated bound: with H hazards each pinning a retired object, a thread's
// list stays below R = 2·H + 16 (so below R + H) after every retire, the
// pinned objects are never freed, and everything else is.
template <class Domain>
std::string list_stays_below_the_threshold(std::size_t hazards, std::size_t retires) {
  Pool pool;  // first: outlives the domain, whose destructor frees into it
  Domain domain;
  std::vector<typename Domain::hazard_pointer_type> hps;
  std::vector<Obj*> pinned;
  for (std::size_t i = 0; i < hazards; ++i) {
    std::atomic<Obj*> src{pool.make()};
    hps.push_back(make_hazard_pointer(domain));
    pinned.push_back(hps.back().protect(src));
    pinned.back()->retire(CountingDelete{}, domain);
  }
  const std::size_t r = domain.retire_threshold();
  if (r != 2 * hazards + hazard_pointer_domain::kThresholdSlack) return "R is not 2·H + 16";
  for (std::size_t i = 0; i < retires; ++i) {
    pool.make()->retire(CountingDelete{}, domain);
    const std::size_t listed = domain.unreclaimed_by_this_thread();
    if (listed >= r) return "list reached R after retire " + std::to_string(i);
    if (listed < hazards) return "a pinned object left the list";
    if (static_cast<std::size_t>(pool.freed()) + listed != pool.objects.size()) return "objects lost";
  }
  for (Obj* p : pinned)
    if (p->frees.load() != 0) return "a pinned object was freed";
  hps.clear();
  for (std::size_t i = 0; i < r; ++i) pool.make()->retire(CountingDelete{}, domain);
  for (Obj* p : pinned)
    if (p->frees.load() != 1) return "a pinned object was not freed after its hazard went";
  if (!pool.each_at_most_once()) return "an object was freed twice";
  return "";
}

TYPED_TEST(HazardPointerDomain, ListStaysBelowTheThresholdWithPinnedObjects) {
  EXPECT_EQ(list_stays_below_the_threshold<TypeParam>(1, 500), "");
  EXPECT_EQ(list_stays_below_the_threshold<TypeParam>(8, 2000), "");
}

TYPED_TEST(HazardPointerDomain, ExitingThreadHandsItsListToTheDomain) {
  Pool pool;
  TypeParam domain;
  pool.make()->retire(CountingDelete{}, domain);  // this thread has its record
  std::vector<Obj*> theirs;
  theirs.reserve(5);
  for (int i = 0; i < 5; ++i) theirs.push_back(pool.make());
  std::thread([&] {
    for (Obj* o : theirs) o->retire(CountingDelete{}, domain);
  }).join();
  EXPECT_EQ(domain.unreclaimed(), 6U);
  EXPECT_EQ(pool.freed(), 0);
  // This thread's scan (at R) adopts them: none is protected, all go.
  const std::size_t r = domain.retire_threshold();
  for (std::size_t i = 1; i < r; ++i) pool.make()->retire(CountingDelete{}, domain);
  for (Obj* o : theirs) EXPECT_EQ(o->frees.load(), 1);
  EXPECT_EQ(pool.freed(), static_cast<int>(r) + 5);
  EXPECT_EQ(domain.unreclaimed(), 0U);
  EXPECT_TRUE(pool.each_at_most_once());
}

TYPED_TEST(HazardPointerDomain, NewThreadReusesAnExitedThreadsRecordAndList) {
  Pool pool;
  TypeParam domain;
  Obj* a = pool.make();
  Obj* b = pool.make();
  std::thread([&] { a->retire(CountingDelete{}, domain); }).join();
  std::thread([&] {
    b->retire(CountingDelete{}, domain);
    EXPECT_EQ(domain.unreclaimed_by_this_thread(), 2U);  // inherited a
  }).join();
  EXPECT_EQ(domain.unreclaimed(), 2U);
}

TYPED_TEST(HazardPointerDomain, DomainDestructorFreesWhatWaits) {
  Pool pool;
  {
    TypeParam domain;
    std::atomic<Obj*> src{pool.make()};
    {
      auto hp = make_hazard_pointer(domain);
      Obj* held = hp.protect(src);
      held->retire(CountingDelete{}, domain);
      for (int i = 0; i < 3; ++i) pool.make()->retire(CountingDelete{}, domain);
    }
    EXPECT_EQ(pool.freed(), 0);
  }
  EXPECT_EQ(pool.freed(), 4);
  EXPECT_TRUE(pool.each_at_most_once());
}

TYPED_TEST(HazardPointerDomain, ThreadOutlivingItsDomainLeavesItAlone) {
  HangWatchdog watchdog(kHangLimit, "hazard_pointers", "thread outliving its domain");
  Pool pool;
  Obj* first = pool.make();
  Obj* second = pool.make();
  std::optional<TypeParam> domain(std::in_place);
  std::atomic<int> step{0};
  std::thread t([&] {
    first->retire(CountingDelete{}, *domain);
    step.store(1, std::memory_order_release);
    wait_until([&] { return step.load(std::memory_order_acquire) == 2; });
    // A new domain at the same address: a fresh record, not the dead one.
    second->retire(CountingDelete{}, *domain);
    EXPECT_EQ(domain->unreclaimed_by_this_thread(), 1U);
    step.store(3, std::memory_order_release);
    wait_until([&] { return step.load(std::memory_order_acquire) == 4; });
  });
  wait_until([&] { return step.load(std::memory_order_acquire) == 1; });
  domain.reset();  // frees `first`; t still runs
  EXPECT_EQ(first->frees.load(), 1);
  domain.emplace();
  step.store(2, std::memory_order_release);
  wait_until([&] { return step.load(std::memory_order_acquire) == 3; });
  domain.reset();  // frees `second`
  step.store(4, std::memory_order_release);
  t.join();  // t's exit must not touch either dead domain
  EXPECT_EQ(second->frees.load(), 1);
}

TYPED_TEST(HazardPointerDomain, PublicationObjectReadIsNotFreedUntilTheReadEnds) {
  using P = synclab::reclaim::HazardPointerPublication<Canary, TypeParam>;
  HangWatchdog watchdog(kHangLimit, P::name, "held read");
  const auto r = synclab::testing::free_while_reading<P>(200);
  EXPECT_EQ(r.early_frees, 0U);
  EXPECT_EQ(r.exactly_once, "");
}

TEST(HazardPointerPublication, InTheCatalogue) {
  using List = synclab::reclaim::OurPublications<Canary>;
  using Sym = synclab::reclaim::HazardPointerPublication<Canary>;
  using Asym = synclab::reclaim::HazardPointerAsymPublication<Canary>;
  bool found = false;
  bool found_asym = false;
  synclab::for_each_type(List{}, [&]<class P>() {
    found = found || std::is_same_v<P, Sym>;
    found_asym = found_asym || std::is_same_v<P, Asym>;
  });
  EXPECT_TRUE(found);
  EXPECT_TRUE(found_asym);
  EXPECT_EQ(Sym::name, "hazard_pointers");
  EXPECT_EQ(Asym::name, "hazard_pointers_asym");
  EXPECT_EQ(Sym::unavailable(), "") << "the symmetric policy needs nothing of the machine";
  EXPECT_GE(Sym::object_bytes, sizeof(Canary) + 24);
  EXPECT_EQ(Asym::object_bytes, Sym::object_bytes);
}

// The left-out path: the switch makes membarrier count as missing, with its
// reason; without it, a ThreadSanitizer build still leaves the scheme out.
TEST(HazardPointerAsym, SwitchMakesMembarrierMissing) {
  constexpr std::string_view kSwitched = "membarrier treated as absent (SYNCLAB_ASSUME_NO_MEMBARRIER)";
  const char* before = std::getenv("SYNCLAB_ASSUME_NO_MEMBARRIER");  // NOLINT(concurrency-mt-unsafe)
  const std::string saved = before == nullptr ? "" : before;
  ::setenv("SYNCLAB_ASSUME_NO_MEMBARRIER", "1", 1);  // NOLINT(concurrency-mt-unsafe): no other thread runs
  EXPECT_EQ(synclab::reclaim::hp_detail::membarrier_missing(), kSwitched);
  ::setenv("SYNCLAB_ASSUME_NO_MEMBARRIER", "0", 1);  // NOLINT(concurrency-mt-unsafe)
  const std::string unswitched = synclab::reclaim::hp_detail::membarrier_missing();
  EXPECT_NE(unswitched, kSwitched);
#if SYNCLAB_RECLAIM_TSAN
  EXPECT_NE(unswitched.find("ThreadSanitizer"), std::string::npos) << unswitched;
#endif
  if (before == nullptr)
    ::unsetenv("SYNCLAB_ASSUME_NO_MEMBARRIER");  // NOLINT(concurrency-mt-unsafe)
  else
    ::setenv("SYNCLAB_ASSUME_NO_MEMBARRIER", saved.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
}

// What the benchmark and the typed tests ask: with the switch on from the
// start (hazard_pointer_no_membarrier_test), the scheme is unavailable and
// says why; under ThreadSanitizer it always is.
TEST(HazardPointerAsym, UnavailableSaysWhy) {
  using Asym = synclab::reclaim::HazardPointerAsymPublication<Canary>;
  if (synclab::reclaim::hp_detail::env_flag("SYNCLAB_ASSUME_NO_MEMBARRIER"))
    EXPECT_EQ(Asym::unavailable(), "membarrier treated as absent (SYNCLAB_ASSUME_NO_MEMBARRIER)");
  else if (SYNCLAB_RECLAIM_TSAN)
    EXPECT_NE(Asym::unavailable().find("ThreadSanitizer"), std::string_view::npos) << Asym::unavailable();
  else
    EXPECT_EQ(synclab::reclaim::unavailable<Asym>(), Asym::unavailable());
}

// Writers replace the object, readers check it; some readers drop and remake
// their handle (hazard records reused). Every object is freed exactly once,
// none while read, none read poisoned; each writer's list stays below R.
template <class P>
void stress(std::size_t writers, std::size_t readers, std::size_t updates_each) {
  HangWatchdog watchdog(kHangLimit, P::name, "stress");
  CanaryLedger ledger(writers * updates_each + 8);
  std::atomic<std::size_t> writers_done{0};
  std::atomic<std::size_t> over_bound{0};
  {
    P p(ledger, ledger.next_id());
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < readers; ++r) {
      threads.emplace_back([&, r] {
        // On the heap rather than in a std::optional: GCC 12 under ThreadSanitizer
        // warns (-Wmaybe-uninitialized) about the optional's payload, wrongly.
        auto h = std::make_unique<typename P::handle>(p);
        for (std::size_t i = 0; writers_done.load(std::memory_order_acquire) < writers; ++i) {
          h->read([&](const Canary& c) {
            ledger.hold(r, &c);
            if (!c.intact()) ledger.on_bad_read();
            ledger.unhold(r);
            return 0;
          });
          h->quiescent();
          if (r % 2 == 1 && i % 64 == 63) {
            h.reset();
            h = std::make_unique<typename P::handle>(p);
          }
        }
      });
    }
    for (std::size_t w = 0; w < writers; ++w) {
      threads.emplace_back([&] {
        {
          typename P::handle h(p);
          for (std::size_t i = 0; i < updates_each; ++i) {
            h.update(ledger, ledger.next_id());
            if (p.domain().unreclaimed_by_this_thread() >= p.domain().retire_threshold())
              over_bound.fetch_add(1, std::memory_order_relaxed);
          }
        }
        writers_done.fetch_add(1, std::memory_order_release);
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(ledger.early_frees(), 0U);
  EXPECT_EQ(ledger.bad_reads(), 0U);
  EXPECT_EQ(over_bound.load(), 0U);
  EXPECT_EQ(ledger.exactly_once(), "");
}

TYPED_TEST(HazardPointerDomain, StressReadersAndWritersOneEach) {
  stress<synclab::reclaim::HazardPointerPublication<Canary, TypeParam>>(1, 1, 100000);
}
TYPED_TEST(HazardPointerDomain, StressReadersAndWritersTwoEach) {
  stress<synclab::reclaim::HazardPointerPublication<Canary, TypeParam>>(2, 2, 50000);
}
TYPED_TEST(HazardPointerDomain, StressManyReadersTwoWriters) {
  stress<synclab::reclaim::HazardPointerPublication<Canary, TypeParam>>(2, 6, 20000);
}

// The broken twins: a scan that ignores the hazards, of either policy. (The
// asymmetric scan that skips its membarrier has no test: broken_reclaim.hpp.)
TYPED_TEST(HazardPointerBroken, ScanIgnoringHazardsFreesTheProtectedObject) {
  EXPECT_EQ(protected_object_waits_for_reset<TypeParam>(by_protect), "the protected object was freed by the scan");
}
TYPED_TEST(HazardPointerBroken, ScanIgnoringHazardsFreesPinnedObjects) {
  EXPECT_NE(list_stays_below_the_threshold<TypeParam>(4, 200), "");
}
TYPED_TEST(HazardPointerBroken, PublicationFreesTheObjectWhileItIsRead) {
  HangWatchdog watchdog(kHangLimit, "hazard_pointers (ignoring hazards)", "held read");
  const auto r = synclab::testing::free_while_reading<synclab::reclaim::HazardPointerPublication<Canary, TypeParam>>(200);
  EXPECT_GT(r.early_frees, 0U);
}

}  // namespace
