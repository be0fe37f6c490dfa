// placement.hpp — which PU each worker thread runs on.
//
// Planning is pure (a Topology in, a PinPlan out) so every policy is tested
// on synthetic machines; pinning itself happens in the workload driver.
//   compact  fill SMT siblings first, then the same L2, L3, NUMA node, package
//            (hwloc's logical order), so threads share as much cache as possible;
//   scatter  spread threads over packages, then NUMA nodes, L3s, cores, and
//            only then SMT siblings, so they share as little as possible;
//   cpus:L   the listed OS CPU numbers ("0,2,4-7"), used in the given order.
// With more threads than PUs (the oversubscribed scenario only) the plan
// wraps around its PU order, so PUs carry the threads as evenly as possible.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "synclab/harness/topology.hpp"

namespace synclab::harness {

enum class PlacementPolicy { compact, scatter, cpu_list };

struct PlacementSpec {
  PlacementPolicy policy = PlacementPolicy::compact;
  std::vector<int> cpus;  // cpu_list only, in the user's order
  std::string text;       // as written, used in case names: "compact", "cpus:0,1"
};

class PlacementError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Parses "compact", "scatter" or "cpus:LIST". Throws PlacementError.
PlacementSpec parse_placement(std::string_view text);

// The deepest level of the machine that all PUs of a plan share; it decides
// what a cache-line handoff between the threads costs.
enum class TopologyClass { same_pu, same_core, same_l2, same_l3, cross_l3, cross_numa, cross_package };
std::string_view to_string(TopologyClass c);

struct PinPlan {
  std::vector<int> pu_of_thread;  // OS index of the PU for each worker
  TopologyClass topology_class = TopologyClass::same_pu;
  int distinct_pus = 0;
  bool oversubscribed = false;  // more threads than PUs in the plan

  // "pus=0,1 class=cross_l3", the label carried by every results entry.
  [[nodiscard]] std::string describe() const;
};

// The PUs a policy may use, in the order it hands them out.
std::vector<int> placement_order(const Topology& topo, const PlacementSpec& spec);

// Plans `threads` workers. More threads than available PUs is an error unless
// allow_oversubscription is set. Throws PlacementError with a one-line reason.
PinPlan plan_pins(const Topology& topo, const PlacementSpec& spec, int threads, bool allow_oversubscription);

TopologyClass classify(const Topology& topo, const std::vector<int>& pu_os_indexes);

}  // namespace synclab::harness
