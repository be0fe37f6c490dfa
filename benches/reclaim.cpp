// reclaim.cpp — the reclaim family: every memory-reclamation scheme of ours
// (synclab::reclaim::OurPublications) and every peer
// (synclab::peers::PeerPublications) in the read_mostly scenario of
// harness/workloads/reclaim_workload.hpp (docs/reclaim.md). How the levels
// map (docs/contention.md):
//   high  read_mostly:         the writer (worker 0) updates back to back,
//                              every other worker reads; t:1, 2, … (t:1 is the
//                              writer alone: no reader figures).
//   low   read_mostly_paced:   the same with the writer pausing the `low`
//                              level's think time (2 µs) after each update;
//                              t:2 and up.
// The whole family is a sweep: it registers nothing with sweeps off, so the
// default `quick` profile (which must stay within five minutes) runs none of
// it; the `full` profile and any run with sweeps on run all of it.
// A scheme of ours that this machine or build cannot run (reclaim::unavailable:
// hazard_pointers_asym without membarrier) registers nothing and is named,
// with the reason, under the context key reclaim_primitives_left_out.
#include <memory>
#include <string>

#include "families.hpp"
#include "synclab/harness/contention.hpp"
#include "synclab/harness/workloads/reclaim_workload.hpp"
#include "synclab/peers/reclaim_peers.hpp"
#include "synclab/reclaim/catalog.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {
namespace {

using harness::ReclaimPayload;
constexpr std::string_view kFamily = "reclaim";

template <class P>
void register_publication(const FamilyContext& f, std::uint64_t paced_think_ns, std::string& left_out) {
  if (const std::string_view why = reclaim::unavailable<P>(); !why.empty()) {
    left_out += std::string(P::name) + " (" + std::string(why) + "); ";
    return;
  }
  auto add = [&](std::string_view scenario, int t, std::uint64_t think_ns) {
    const CaseSetup setup = f.scenario(kFamily, P::name, scenario, t);
    register_window_case(f.registry, setup, [t, think_ns, calibration = setup.calibration] {
      return std::make_unique<harness::ReclaimReadMostlyWorkload<P>>(t, think_ns, calibration);
    });
  };
  for (int t : f.thread_counts()) {
    if (f.runs("high")) add("read_mostly", t, 0);
    if (f.runs("low") && t >= 2) add("read_mostly_paced", t, paced_think_ns);
  }
}

}  // namespace

void register_reclaim(const FamilyContext& f) {
  if (!f.options.sweeps) return;  // sweep-only family (above)
  const auto low = harness::find_contention_level("low");
  const std::uint64_t paced_think_ns = low ? low->think_ns : 2000;
  using All = Concat<reclaim::OurPublications<ReclaimPayload>, peers::PeerPublications<ReclaimPayload>>;
  const std::size_t before = f.registry.names.size();
  std::string left_out;
  for_each_type(All{}, [&]<class P>() { register_publication<P>(f, paced_think_ns, left_out); });
  if (f.registry.names.size() > before && *peers::kReclaimPeersMissing != '\0')
    benchmark::AddCustomContext("reclaim_peers_missing", peers::kReclaimPeersMissing);
  while (!left_out.empty() && (left_out.back() == ' ' || left_out.back() == ';')) left_out.pop_back();
  if (!left_out.empty()) benchmark::AddCustomContext("reclaim_primitives_left_out", left_out);
}

}  // namespace synclab::bench
