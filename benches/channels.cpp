// channels.cpp — the channels family: every channel and one-shot of ours and
// every peer, in the scenarios of harness/workloads/channel_*.hpp
// (docs/channels.md). Adding a channel to a catalogue is all it takes to run
// it; a case exists only where the channel's declared Semantics allow its
// shape and where its capacity applies.
//
//   channels/<channel>/<scenario>/t:N/place:P/cap:C/payload:B[/burst:M]
//   channels/<one-shot>/oneshot/t:2/place:P/payload:8
//
// The plan (docs/channels.md, "Cases"), by contention level
// (docs/contention.md): at `high` the shape sweep (spsc, mpsc, spmc, mpmc) at
// the default capacity and 8-byte messages, the capacity sweep (cap 1, 16) at
// spsc and mpmc t:2, the payload sweep (64, 256 bytes) at spsc and mpmc t:2,
// pingpong and oneshot; `empty` at `uncontended`; `burst` at `low`;
// mpsc_preempt and, for the queue frontier, mpmc_oversub at
// `oversubscribed`; all at the default capacity. The default capacity is 1024 for a bounded
// channel, `unbounded` for an unbounded one and 0 for a rendezvous channel.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "families.hpp"
#include "synclab/channels/catalog.hpp"
#include "synclab/channels/concepts.hpp"
#include "synclab/harness/workloads/channel_empty.hpp"
#include "synclab/harness/workloads/channel_oneshot.hpp"
#include "synclab/harness/workloads/channel_payload.hpp"
#include "synclab/harness/workloads/channel_pingpong.hpp"
#include "synclab/harness/workloads/channel_protocol.hpp"
#include "synclab/harness/workloads/channel_semantics.hpp"
#include "synclab/harness/workloads/channel_workload.hpp"
#include "synclab/peers/channel_peers.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {
namespace {

using harness::ChannelPayload;
using harness::ChannelShape;

// Scenario names: static storage, because ContentionLevel keeps a string_view.
constexpr std::string_view kSpsc = "spsc";
constexpr std::string_view kMpsc = "mpsc";
constexpr std::string_view kSpmc = "spmc";
constexpr std::string_view kMpmc = "mpmc";
constexpr std::string_view kMpscPreempt = "mpsc_preempt";
constexpr std::string_view kMpmcOversub = "mpmc_oversub";
constexpr std::string_view kPingPong = "pingpong";
constexpr std::string_view kEmpty = "empty";
constexpr std::string_view kBurst = "burst";
constexpr std::string_view kOneShot = "oneshot";
constexpr std::string_view kAqThroughput = "aq_throughput";
constexpr std::string_view kAqPingPong = "aq_pingpong";

constexpr std::size_t kDefaultBounded = 1024;
constexpr std::size_t kSweptCapacities[] = {1, 16};
constexpr harness::BurstPlan kBurstPlan{64, std::chrono::microseconds(20)};

template <class T>
using AllChannels = Concat<channels::OurChannels<T>, peers::PeerChannels<T>>;
template <class T>
using AllOneShots = Concat<channels::OurOneShots<T>, peers::PeerOneShots<T>>;

struct ChannelFamily {
  const FamilyContext& context;
  std::vector<int> grown;  // thread_counts(): the "growing with the PUs" shapes
  int pus = 0;             // PUs the placement may use

  // A thread count the options allow (all, or the --synclab_threads list).
  [[nodiscard]] bool wanted(int threads) const {
    const auto& asked = context.options.threads;
    return asked.empty() || std::find(asked.begin(), asked.end(), threads) != asked.end();
  }
};

struct Capacity {
  std::size_t requested = kDefaultBounded;
  std::string label;  // "1", "16", "1024", "unbounded", "0"
};

enum class Bounds { bounded, unbounded, rendezvous };

template <channels::Channel C>
Bounds bounds_of() {
  if (!C::semantics.bounded) return Bounds::unbounded;
  const C probe(16);
  return probe.capacity() == 0 ? Bounds::rendezvous : Bounds::bounded;
}

Capacity default_capacity(Bounds b) {
  switch (b) {
    case Bounds::unbounded: return {kDefaultBounded, "unbounded"};
    case Bounds::rendezvous: return {0, "0"};
    case Bounds::bounded: break;
  }
  return {kDefaultBounded, std::to_string(kDefaultBounded)};
}

// Registers one case; make() returns a fresh workload for each repetition,
// whose verify() drains and checks it after the window and whose
// extra_metrics(run) adds the family's counters.
template <class Make>
void add_case(const ChannelFamily& f, std::string_view primitive, std::string_view scenario, int threads,
              const std::string& suffix, bool oversubscribed, Make make) {
  if (!f.wanted(threads) || (threads > f.pus && !oversubscribed)) return;
  CaseSetup setup = f.context.scenario("channels", primitive, scenario, threads, oversubscribed);
  setup.driver.duration = f.context.short_window();
  setup.driver.case_name += suffix;
  register_window_case(f.context.registry, setup, make);
}

std::string params(const Capacity& cap, std::size_t payload) {
  return "/cap:" + cap.label + "/payload:" + std::to_string(payload);
}

template <channels::Channel C>
void add_stream(const ChannelFamily& f, std::string_view scenario, ChannelShape shape, const Capacity& cap,
                harness::BurstPlan burst = {}, bool oversubscribed = false) {
  std::string suffix = params(cap, sizeof(typename C::value_type));
  if (burst.messages > 0) suffix += "/burst:" + std::to_string(burst.messages);
  add_case(f, C::name, scenario, shape.threads(), suffix, oversubscribed, [shape, cap, burst] {
    return std::make_unique<harness::ChannelStreamWorkload<C>>(shape, cap.requested, burst);
  });
}

// The shapes a channel's semantics allow, at the default capacity.
template <channels::Channel C>
void register_shapes(const ChannelFamily& f, const Capacity& cap) {
  constexpr channels::Semantics s = C::semantics;
  add_stream<C>(f, kSpsc, {1, 1}, cap);
  std::set<int> many{3};
  for (int t : f.grown)
    if (t >= 3) many.insert(t);
  for (int t : many) {
    if constexpr (s.multi_producer) add_stream<C>(f, kMpsc, {t - 1, 1}, cap);
    if constexpr (s.multi_consumer) add_stream<C>(f, kSpmc, {1, t - 1}, cap);
  }
  if constexpr (s.multi_producer && s.multi_consumer) {
    std::set<int> pairs{2};
    for (int t : f.grown)
      if (t >= 4) pairs.insert(t);
    for (int t : pairs) add_stream<C>(f, kMpmc, {t / 2, t - t / 2}, cap);
  }
}

// mpsc with more producers than PUs: producers get preempted, some in the
// middle of a send (docs/channels.md, "mpsc_unbounded and preemption").
template <channels::Channel C>
void register_preempt(const ChannelFamily& f, const Capacity& cap) {
  if constexpr (C::semantics.multi_producer) {
    const int producers = std::min(2 * f.pus, harness::kMaxProducers);
    add_stream<C>(f, kMpscPreempt, {producers, 1}, cap, {}, true);
  }
}

// Ours that this run leaves out and why: those of the build
// (kOurChannelsLeftOut) and those this machine cannot run (unavailable()).
std::string& left_out() {
  static std::string text = channels::kOurChannelsLeftOut;
  return text;
}

// Whether this machine can run C; if not, C and the reason join left_out().
template <channels::Channel C>
bool runnable() {
  const std::string_view why = channels::unavailable<C>();
  if (why.empty()) return true;
  const std::string entry = std::string(C::name) + " (" + std::string(why) + "); ";
  if (left_out().find(entry) == std::string::npos) left_out() += entry;
  return false;
}

// The queue frontier (docs/channels.md, "The queue frontier"): a channel that
// declares `queue_frontier` also runs mpmc with 2 × PUs threads, half of them
// producers (`mpmc_oversub`, at `oversubscribed`), beside moodycamel; one that
// declares `sweep_only` (the frontier peers) is registered only with sweeps
// on, so the default run stays within its time.
template <class C>
constexpr bool queue_frontier = [] {
  if constexpr (requires { C::queue_frontier; }) return static_cast<bool>(C::queue_frontier);
  return C::name == std::string_view("moodycamel");
}();
template <class C>
constexpr bool sweep_only = [] {
  if constexpr (requires { C::sweep_only; }) return static_cast<bool>(C::sweep_only);
  return false;
}();

template <channels::Channel C>
void register_mpmc_oversub(const ChannelFamily& f, const Capacity& cap) {
  if constexpr (queue_frontier<C> && C::semantics.multi_producer && C::semantics.multi_consumer) {
    const int side = std::min(f.pus, harness::kMaxProducers);
    add_stream<C>(f, kMpmcOversub, {side, side}, cap, {}, true);
  }
}

// atomic_queue's own protocol (docs/channels.md, "atomic_queue's protocol"),
// for the queue frontier with sweeps on: aq_throughput with 1 to PUs / 2
// producer-consumer pairs, aq_pingpong at t:2. Runs per case: one per 30 ms
// of the window, at most 10 (atomic_queue's "best of 10"); the results carry
// the count.
harness::ProtocolPlan protocol_plan(const ChannelFamily& f, const harness::PinPlan& pins, const Capacity& cap,
                                    std::uint64_t work) {
  harness::ProtocolPlan plan;
  plan.hw = &f.context.hw;
  plan.pu_of_thread = pins.pu_of_thread;
  plan.capacity = cap.requested;
  plan.work = work;
  plan.runs = static_cast<int>(std::clamp<std::int64_t>(f.context.options.duration / std::chrono::milliseconds(30), 1,
                                                        harness::kProtocolMaxRuns));
  return plan;
}

// The best run as the case's time per operation; the rate of every run in the metrics.
Measurement protocol_measurement(const harness::ProtocolRuns& runs, const harness::ProtocolPlan& plan,
                                 const std::string& unit, std::uint64_t messages_per_run) {
  if (!runs.error.empty()) return Measurement{0, 0, {}, runs.error};
  const auto work = static_cast<double>(plan.work);
  const auto [mean, stdev] = runs.rate_mean_stdev(work);
  Measurement m{runs.best_s(), work, {}};
  harness::put(m.metrics, unit + "_per_sec_best", work / runs.best_s());
  harness::put(m.metrics, unit + "_per_sec_mean", mean);
  harness::put(m.metrics, unit + "_per_sec_stdev", stdev);
  harness::put(m.metrics, "protocol_runs", static_cast<double>(runs.seconds.size()));
  harness::put(m.metrics, "protocol_messages", static_cast<double>(messages_per_run));
  return m;
}

// Registers one protocol case: run(plan) measures it, with the plan fixed
// here (the case runs after registration returns).
template <class Run>
void add_protocol_case(const ChannelFamily& f, std::string_view primitive, std::string_view scenario, int threads,
                       const Capacity& cap, std::size_t payload, std::uint64_t work, Run run) {
  if (!f.wanted(threads) || threads > f.pus) return;
  const harness::PinPlan pins = harness::plan_pins(f.context.hw.topology(), f.context.options.placement, threads, false);
  const std::string name = f.context.case_name("channels", primitive, scenario, threads) + params(cap, payload);
  register_case(f.context.registry, name, pins.describe(),
                [run, plan = protocol_plan(f, pins, cap, work)](std::uint64_t) { return run(plan); });
}

template <channels::Channel C>
void register_protocol(const ChannelFamily& f, const Capacity& cap) {
  constexpr std::size_t payload = sizeof(typename C::value_type);
  if constexpr (C::semantics.multi_producer && C::semantics.multi_consumer) {
    for (int pairs = 1; pairs <= std::max(1, f.pus / 2); ++pairs)
      add_protocol_case(f, C::name, kAqThroughput, 2 * pairs, cap, payload, harness::kProtocolMessages,
                        [pairs](const harness::ProtocolPlan& plan) {
                          const harness::ProtocolRuns runs = harness::run_protocol_throughput<C>(plan, pairs);
                          return protocol_measurement(runs, plan, "messages", plan.work);
                        });
  }
  add_protocol_case(f, C::name, kAqPingPong, 2, cap, payload, harness::kProtocolRoundTrips,
                    [](const harness::ProtocolPlan& plan) {
                      const harness::ProtocolRuns runs = harness::run_protocol_pingpong<C>(plan);
                      Measurement m = protocol_measurement(runs, plan, "round_trips", 2 * plan.work);
                      if (m.error.empty())
                        harness::put(m.metrics, "rtt_best_run_ns", runs.best_s() * 1e9 / static_cast<double>(plan.work));
                      return m;
                    });
}

template <channels::Channel C>
void register_channel(const ChannelFamily& f) {
  const Bounds bounds = bounds_of<C>();
  const Capacity cap = default_capacity(bounds);
  constexpr bool mpmc = C::semantics.multi_producer && C::semantics.multi_consumer;
  const FamilyContext& context = f.context;
  if (sweep_only<C> && !context.options.sweeps) return;
  if (!runnable<C>()) return;
  if (context.runs("high")) {
    register_shapes<C>(f, cap);
    if (bounds == Bounds::bounded && context.options.sweeps) {
      for (std::size_t n : kSweptCapacities) {
        const Capacity swept{n, std::to_string(n)};
        add_stream<C>(f, kSpsc, {1, 1}, swept);
        if constexpr (mpmc) add_stream<C>(f, kMpmc, {1, 1}, swept);
      }
    }
    add_case(f, C::name, kPingPong, 2, params(cap, sizeof(typename C::value_type)), false,
             [cap] { return std::make_unique<harness::ChannelPingPongWorkload<C>>(cap.requested); });
    if ((queue_frontier<C> || sweep_only<C>) && context.options.sweeps) register_protocol<C>(f, cap);
  }
  if (context.runs("uncontended"))
    add_case(f, C::name, kEmpty, 1, params(cap, sizeof(typename C::value_type)), false,
             [cap] { return std::make_unique<harness::ChannelEmptyRecvWorkload<C>>(cap.requested); });
  if (context.runs("low")) add_stream<C>(f, kBurst, {1, 1}, cap, kBurstPlan);
  if (context.runs("oversubscribed")) {
    register_preempt<C>(f, cap);
    register_mpmc_oversub<C>(f, cap);
  }
}

// The payload sweep: the same channel over a larger message, spsc and mpmc 1:1.
template <channels::Channel C>
void register_payload(const ChannelFamily& f) {
  if (!runnable<C>()) return;
  const Capacity cap = default_capacity(bounds_of<C>());
  add_stream<C>(f, kSpsc, {1, 1}, cap);
  if constexpr (C::semantics.multi_producer && C::semantics.multi_consumer) add_stream<C>(f, kMpmc, {1, 1}, cap);
}

template <channels::OneShot O>
void register_oneshot(const ChannelFamily& f) {
  add_case(f, O::name, kOneShot, 2, "/payload:8", false, [] { return std::make_unique<harness::OneShotWorkload<O>>(); });
}

// {"spsc_ring":{...},...}: each channel's and one-shot's declared semantics.
std::string semantics_table() {
  std::string json;
  auto add = [&json]<class C>() {
    if constexpr (requires { C::semantics; }) {
      json += (json.empty() ? "{" : ",") + harness::json_string(C::name) + ":" + harness::semantics_json(C::semantics);
    }
  };
  for_each_type(AllChannels<ChannelPayload<8>>{}, add);
  for_each_type(AllOneShots<ChannelPayload<8>>{}, add);
  return json.empty() ? "{}" : json + "}";
}

void record_context() {
  benchmark::AddCustomContext("channel_semantics", semantics_table());
  std::string missing = peers::kChannelPeersMissing;
  while (!missing.empty() && (missing.back() == ' ' || missing.back() == ';')) missing.pop_back();
  if (!missing.empty()) benchmark::AddCustomContext("channel_peers_missing", missing);
  std::string ours = left_out();
  while (!ours.empty() && (ours.back() == ' ' || ours.back() == ';')) ours.pop_back();
  if (!ours.empty()) benchmark::AddCustomContext("channel_primitives_left_out", ours);
}

}  // namespace

void register_channels(const FamilyContext& context) {
  const ChannelFamily f{context, context.thread_counts(), static_cast<int>(context.pus().size())};
  const std::size_t before = context.registry.names.size();
  for_each_type(AllChannels<ChannelPayload<8>>{}, [&]<class C>() { register_channel<C>(f); });
  if (context.runs("high")) {
    if (context.options.sweeps) {
      for_each_type(AllChannels<ChannelPayload<64>>{}, [&]<class C>() { register_payload<C>(f); });
      for_each_type(AllChannels<ChannelPayload<256>>{}, [&]<class C>() { register_payload<C>(f); });
    }
    for_each_type(AllOneShots<ChannelPayload<8>>{}, [&]<class O>() { register_oneshot<O>(f); });
  }
  if (context.registry.names.size() > before) record_context();
}

}  // namespace synclab::bench
