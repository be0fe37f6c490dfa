// refcount.cpp — the refcount family: every reference count of ours and
// every peer, in the scenarios of harness/workloads/refcount_workload.hpp
// (docs/refcount.md). Adding a count to a catalogue is all it takes to run it.
#include "refcount.hpp"

#include <memory>
#include <string_view>

#include "families.hpp"
#include "synclab/harness/workloads/refcount_workload.hpp"
#include "synclab/peers/refcount_peers.hpp"
#include "synclab/refcount/catalog.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {
namespace {

using harness::RefcountPayload;

// Scenario names: static storage, because ContentionLevel keeps a string_view.
constexpr std::string_view kUncontended = "uncontended";
constexpr std::string_view kShared = "shared";
constexpr std::string_view kPrivate = "private";
constexpr std::string_view kCrossDrop = "cross_drop";
constexpr std::string_view kWeakUpgrade = "weak_upgrade";
constexpr std::string_view kLoadStore = "load_store";

struct Family {
  CaseRegistry& registry;
  const harness::DriverConfig& base;  // sampling, counters, watchdog, window
  const harness::HwlocTopology& hw;
  const harness::SuiteOptions& options;
  std::vector<int> threads;
};

// Registers one case; make() returns a fresh workload for each repetition.
// A workload with extra_metrics(run) adds those counters to the entry.
template <class Make>
void add_case(const Family& f, std::string_view primitive, std::string_view scenario, int threads, Make make) {
  CaseSetup setup;
  setup.plan.level = harness::ContentionLevel{scenario};  // a name only: no cs / think in this family
  setup.plan.threads = threads;
  setup.plan.pins = harness::plan_pins(f.hw.topology(), f.options.placement, threads, false);
  setup.driver = f.base;
  setup.driver.plan = setup.plan.pins;
  setup.driver.case_name = harness::case_name("refcount", primitive, setup.plan, f.options.placement);
  if (!f.registry.add(setup.driver.case_name)) return;
  register_window_case(setup, make, [](const auto& w, const harness::RunResult& run, harness::Metrics& extra) {
    if constexpr (requires { w.extra_metrics(run); }) extra = w.extra_metrics(run);
    return std::string{};
  });
}

template <refcount::RefCountedHandle H>
void register_handle(const Family& f) {
  add_case(f, H::name, kUncontended, 1, [] { return std::make_unique<harness::PrivateCloneWorkload<H>>(1); });
  if constexpr (H::thread_safe) {
    for (int t : f.threads) {
      if (t < 2) continue;
      add_case(f, H::name, kShared, t, [] { return std::make_unique<harness::SharedCloneWorkload<H>>(); });
      add_case(f, H::name, kPrivate, t, [t] { return std::make_unique<harness::PrivateCloneWorkload<H>>(t); });
      add_case(f, H::name, kCrossDrop, t, [t] { return std::make_unique<harness::CrossDropWorkload<H>>(t); });
    }
  }
}

template <refcount::WeakRefCountedHandle H>
void register_weak(const Family& f) {
  for (int t : f.threads)
    add_case(f, H::name, kWeakUpgrade, t, [t] { return std::make_unique<harness::WeakUpgradeWorkload<H>>(t); });
}

template <harness::AtomicSlot S>
void register_slot(const Family& f) {
  add_case(f, S::name, kUncontended, 1, [] { return std::make_unique<harness::SlotLoadWorkload<S>>(false); });
  for (int t : f.threads) {
    if (t < 2) continue;
    add_case(f, S::name, kShared, t, [] { return std::make_unique<harness::SlotLoadWorkload<S>>(false); });
    add_case(f, S::name, kLoadStore, t, [] { return std::make_unique<harness::SlotLoadWorkload<S>>(true); });
  }
}

}  // namespace

void register_refcount_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups,
                              const harness::HwlocTopology& hw, const harness::SuiteOptions& options) {
  if (setups.empty()) return;
  const Family f{registry, setups.front().driver, hw, options, family_thread_counts(hw.topology(), options)};
  using Strong = Concat<Concat<refcount::OurSingleThreadRefCounts<RefcountPayload>, refcount::OurRefCounts<RefcountPayload>>,
                        peers::PeerRefCounts<RefcountPayload>>;
  using Weak = Concat<refcount::OurWeakRefCounts<RefcountPayload>, peers::PeerWeakRefCounts<RefcountPayload>>;
  const std::size_t before = registry.names.size();
  for_each_type(Strong{}, [&]<class H>() { register_handle<H>(f); });
  for_each_type(Weak{}, [&]<class H>() { register_weak<H>(f); });
  for_each_type(peers::PeerAtomicSlots<RefcountPayload>{}, [&]<class S>() { register_slot<S>(f); });
  if (registry.names.size() > before && *peers::kRefcountPeersMissing != '\0')
    benchmark::AddCustomContext("refcount_peers_missing", peers::kRefcountPeersMissing);
}

}  // namespace synclab::bench
