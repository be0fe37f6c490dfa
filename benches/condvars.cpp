// condvars.cpp — the condvars family: every condition variable of ours and
// every peer in the scenarios of harness/workloads/condvar_workload.hpp
// (docs/condvars.md). Adding a condvar to a catalogue is all it takes to run it.
#include "condvars.hpp"

#include <memory>
#include <string>
#include <string_view>

#include "families.hpp"
#include "synclab/condvars/catalog.hpp"
#include "synclab/harness/workloads/condvar_workload.hpp"
#include "synclab/peers/condvar_peers.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {
namespace {

// Scenario names: static storage, because ContentionLevel keeps a string_view.
constexpr std::string_view kSignalLatency = "signal_latency";
constexpr std::string_view kNotifyOne = "notify_one";
constexpr std::string_view kNotifyAll = "notify_all";

struct Family {
  CaseRegistry& registry;
  const harness::DriverConfig& base;  // sampling, counters, watchdog, window
  const harness::HwlocTopology& hw;
  const harness::SuiteOptions& options;
  std::vector<int> threads;
};

// Registers one case; make() returns a fresh workload for each repetition.
// The workload's verify() fails the case; its extra_metrics(run) are added.
template <class Make>
void add_case(const Family& f, std::string_view primitive, std::string_view scenario, int threads, Make make) {
  CaseSetup setup;
  setup.plan.level = harness::ContentionLevel{scenario};  // a name only: the scenario sets the work
  setup.plan.threads = threads;
  setup.plan.pins = harness::plan_pins(f.hw.topology(), f.options.placement, threads, false);
  setup.driver = f.base;
  setup.driver.plan = setup.plan.pins;
  setup.driver.case_name = harness::case_name("condvars", primitive, setup.plan, f.options.placement);
  if (!f.registry.add(setup.driver.case_name)) return;
  register_window_case(setup, make, [](const auto& w, const harness::RunResult& run, harness::Metrics& extra) {
    extra = w.extra_metrics(run);
    return w.verify();
  });
}

template <condvars::ConditionVariable CV>
void register_condvar(const Family& f) {
  for (int t : f.threads) {
    if (t < 2) continue;  // every scenario needs a notifier and a waiter
    if (t % 2 == 0)
      add_case(f, CV::name, kSignalLatency, t, [t] { return std::make_unique<harness::SignalLatencyWorkload<CV>>(t); });
    add_case(f, CV::name, kNotifyOne, t, [t] { return std::make_unique<harness::NotifyOneWorkload<CV>>(t); });
    add_case(f, CV::name, kNotifyAll, t, [t] { return std::make_unique<harness::NotifyAllWorkload<CV>>(t); });
  }
}

}  // namespace

void register_condvar_family(CaseRegistry& registry, const std::vector<CaseSetup>& setups, const harness::HwlocTopology& hw,
                             const harness::SuiteOptions& options) {
  if (setups.empty()) return;
  const Family f{registry, setups.front().driver, hw, options, family_thread_counts(hw.topology(), options)};
  using All = Concat<condvars::OurCondVars, peers::PeerCondVars>;
  for_each_type(All{}, [&]<class CV>() { register_condvar<CV>(f); });
}

}  // namespace synclab::bench
