// locks.cpp — the lock family: every lock of ours and every peer, at every
// planned level of the contention model. Adding a lock to a catalogue is all
// it takes to run it.
//
// Node-passing queue locks run twice: lifted to Lockable by the thread-local
// node adapter, under their own name (what a caller of lock()/unlock() gets),
// and driven with a node per worker as <name>_node, so the adapter's cost is
// visible. Every case with two threads or more also reads its handoffs
// against the machine: the one-way cache-line latency between its PUs
// (measured once per PU pair in this process, limits.hpp) gives oneway_ns and
// handoff_efficiency (docs/metrics.md).
#include <optional>
#include <string>

#include "families.hpp"
#include "synclab/harness/limits.hpp"
#include "synclab/harness/workloads/lock_workload.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/peers/lock_peers.hpp"
#include "synclab/type_list.hpp"
#include "test_cases/never_unlocks.hpp"
#include "test_cases/slowed.hpp"

namespace synclab::bench {
namespace {

// A lock may cap the threads it supports (CK's array lock: one slot each).
template <class L>
constexpr bool supports_threads(int threads) {
  if constexpr (requires { L::max_threads; }) return threads <= L::max_threads;
  return true;
}

// The one-way transfer latency between the case's PUs, for handoff_efficiency;
// nullopt for one thread, one PU, or PUs that cannot be pinned (then the two
// metrics are left out rather than guessed).
std::optional<double> handoff_reference_ns(const CaseSetup& setup) {
  if (setup.plan.threads < 2 || setup.driver.pinner == nullptr) return std::nullopt;
  try {
    if (const auto ref = harness::reference_oneway(*setup.driver.pinner, setup.plan.pins.pu_of_thread))
      return ref->oneway_ns;
  } catch (const harness::TopologyError&) {
  }
  return std::nullopt;
}

// A point of a parameter sweep (a spin count other than the default, say):
// registered only with sweeps on.
template <class L>
constexpr bool is_sweep_point = [] {
  if constexpr (requires { L::sweep_point; }) return static_cast<bool>(L::sweep_point);
  return false;
}();

template <harness::DrivableLock L>
void register_lock(const FamilyContext& f, std::string_view name, const CaseSetup& planned) {
  if (!supports_threads<L>(planned.plan.threads)) return;
  CaseSetup setup = planned;
  setup.driver.case_name = harness::case_name("locks", name, setup.plan, f.options.placement);
  register_window_case(f.registry, setup, [setup] {
    return std::make_unique<harness::LockWorkload<L>>(
        setup.plan.level, setup.calibration,
        setup.plan.threads, handoff_reference_ns(setup));
  });
}

}  // namespace

void register_locks(const FamilyContext& f) {
  using AllLocks = Concat<locks::OurLocks, peers::PeerLocks>;
  using AllNodeLocks = Concat<locks::OurNodeLocks, peers::PeerNodeLocks>;
  const std::size_t before = f.registry.names.size();
  for_each_type(AllLocks{}, [&]<class L>() {
    if (is_sweep_point<L> && !f.options.sweeps) return;
    using Measured = test_cases::UnderTest<L>;
    test_cases::prepare<L>(f.calibration);
    for (const CaseSetup& setup : f.setups) register_lock<Measured>(f, L::name, setup);
  });
  for_each_type(AllNodeLocks{}, [&]<class L>() {
    if (!f.options.sweeps) return;
    for (const CaseSetup& setup : f.setups) register_lock<L>(f, std::string(L::name) + "_node", setup);
  });
  if (f.registry.names.size() > before && *peers::kLockPeersMissing != '\0')
    benchmark::AddCustomContext("lock_peers_missing", peers::kLockPeersMissing);
}

void register_lock_test_cases(const FamilyContext& f) {
  if (!f.options.test_cases) return;
  CaseSetup hang = f.scenario("locks", test_cases::NeverUnlocks::name, "high", 2, /*oversubscribed=*/true);
  hang.plan.level = *harness::find_contention_level("high");
  register_lock<test_cases::NeverUnlocks>(f, test_cases::NeverUnlocks::name, hang);
}

}  // namespace synclab::bench
