// condvars.cpp — the condvars family (level `high`): every condition variable
// of ours and every peer in the scenarios of harness/workloads/
// condvar_workload.hpp (docs/condvars.md). Adding a condvar to a catalogue is
// all it takes to run it.
#include <memory>
#include <string_view>

#include "families.hpp"
#include "synclab/condvars/catalog.hpp"
#include "synclab/harness/workloads/condvar_workload.hpp"
#include "synclab/peers/condvar_peers.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {
namespace {

template <condvars::ConditionVariable CV>
void register_condvar(const FamilyContext& f) {
  for (int t : f.thread_counts()) {
    if (t < 2) continue;  // every scenario needs a notifier and a waiter
    if (t % 2 == 0)
      register_window_case(f.registry, f.scenario("condvars", CV::name, "signal_latency", t),
                           [t] { return std::make_unique<harness::SignalLatencyWorkload<CV>>(t); });
    register_window_case(f.registry, f.scenario("condvars", CV::name, "notify_one", t),
                         [t] { return std::make_unique<harness::NotifyOneWorkload<CV>>(t); });
    register_window_case(f.registry, f.scenario("condvars", CV::name, "notify_all", t),
                         [t] { return std::make_unique<harness::NotifyAllWorkload<CV>>(t); });
  }
}

}  // namespace

void register_condvars(const FamilyContext& f) {
  if (!f.runs("high")) return;
  using All = Concat<condvars::OurCondVars, peers::PeerCondVars>;
  for_each_type(All{}, [&]<class CV>() { register_condvar<CV>(f); });
}

}  // namespace synclab::bench
