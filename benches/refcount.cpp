// refcount.cpp — the refcount family: every reference count of ours and
// every peer, in the scenarios of harness/workloads/refcount_workload.hpp
// (docs/refcount.md): `uncontended` (one thread) at the level of that name,
// the shared, private, cross-drop, weak-upgrade and load/store scenarios at
// `high`. Adding a count to a catalogue is all it takes to run it.
#include <memory>

#include "families.hpp"
#include "synclab/harness/workloads/refcount_workload.hpp"
#include "synclab/peers/refcount_peers.hpp"
#include "synclab/refcount/catalog.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {
namespace {

using harness::RefcountPayload;
constexpr std::string_view kFamily = "refcount";

template <class Make>
void add_case(const FamilyContext& f, std::string_view primitive, std::string_view scenario, int threads, Make make) {
  register_window_case(f.registry, f.scenario(kFamily, primitive, scenario, threads), make);
}

template <refcount::RefCountedHandle H>
void register_handle(const FamilyContext& f) {
  if (f.runs("uncontended"))
    add_case(f, H::name, "uncontended", 1, [] { return std::make_unique<harness::PrivateCloneWorkload<H>>(1); });
  if constexpr (H::thread_safe) {
    if (!f.runs("high")) return;
    for (int t : f.thread_counts()) {
      if (t < 2) continue;
      add_case(f, H::name, "shared", t, [] { return std::make_unique<harness::SharedCloneWorkload<H>>(); });
      add_case(f, H::name, "private", t, [t] { return std::make_unique<harness::PrivateCloneWorkload<H>>(t); });
      add_case(f, H::name, "cross_drop", t, [t] { return std::make_unique<harness::CrossDropWorkload<H>>(t); });
    }
  }
}

template <refcount::WeakRefCountedHandle H>
void register_weak(const FamilyContext& f) {
  if (!f.runs("high")) return;
  for (int t : f.thread_counts())
    add_case(f, H::name, "weak_upgrade", t, [t] { return std::make_unique<harness::WeakUpgradeWorkload<H>>(t); });
}

template <harness::AtomicSlot S>
void register_slot(const FamilyContext& f) {
  if (f.runs("uncontended"))
    add_case(f, S::name, "uncontended", 1, [] { return std::make_unique<harness::SlotLoadWorkload<S>>(false); });
  if (!f.runs("high")) return;
  for (int t : f.thread_counts()) {
    if (t < 2) continue;
    add_case(f, S::name, "shared", t, [] { return std::make_unique<harness::SlotLoadWorkload<S>>(false); });
    add_case(f, S::name, "load_store", t, [] { return std::make_unique<harness::SlotLoadWorkload<S>>(true); });
  }
}

}  // namespace

void register_refcount(const FamilyContext& f) {
  using Strong = Concat<Concat<refcount::OurSingleThreadRefCounts<RefcountPayload>, refcount::OurRefCounts<RefcountPayload>>,
                        peers::PeerRefCounts<RefcountPayload>>;
  using Weak = Concat<refcount::OurWeakRefCounts<RefcountPayload>, peers::PeerWeakRefCounts<RefcountPayload>>;
  const std::size_t before = f.registry.names.size();
  for_each_type(Strong{}, [&]<class H>() { register_handle<H>(f); });
  for_each_type(Weak{}, [&]<class H>() { register_weak<H>(f); });
  for_each_type(peers::PeerAtomicSlots<RefcountPayload>{}, [&]<class S>() { register_slot<S>(f); });
  if (f.registry.names.size() > before && *peers::kRefcountPeersMissing != '\0')
    benchmark::AddCustomContext("refcount_peers_missing", peers::kRefcountPeersMissing);
}

}  // namespace synclab::bench
