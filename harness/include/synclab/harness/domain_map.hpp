// domain_map.hpp — the domains of hierarchical (cohort) locks, chosen from
// the machine's topology and installed into the primitives' registry
// (synclab/locks/cohort_domains.hpp).
//
// The level: a cohort is the set of PUs whose threads pass the lock among
// themselves cheaply, so a domain boundary should be where a cache-line
// transfer gets expensive. The rule, first match wins:
//   1. NUMA nodes, if there are at least two: a node is usually a socket or a
//      die with its own memory and last-level cache, the boundary Lock
//      Cohorting was designed for (PPoPP 2012 used sockets).
//   2. L3 caches, if there are at least two and every one is shared by at least
//      two cores (AMD CCX/CCD on a single-node machine): a transfer between L3
//      domains costs a trip through the fabric, within one a hit in the
//      shared L3.
//   3. Otherwise one domain. An L3 per core is not a cohort (its only
//      "cohort" would be one core's own threads): some virtual machines report
//      exactly that, and it is treated as no split.
// One level only: where NUMA nodes and shared L3s both split the machine, the
// NUMA split is used (a second level would be a hierarchical cohort, HMCS
// style, not done here).
#pragma once

#include <string>
#include <vector>

#include "synclab/harness/topology.hpp"

namespace synclab::harness {

struct CohortDomainPlan {
  std::vector<int> domain_of_cpu;  // index: OS CPU number; -1 for CPUs not in the topology
  int domains = 1;
  std::string level;        // "NUMA node", "L3", or "none"
  std::string description;  // e.g. "2 domains by L3: 0-7 | 8-15", or "1 domain (no split)"
};

[[nodiscard]] CohortDomainPlan plan_cohort_domains(const Topology& topology);

// Plans the domains of this topology, installs them for every cohort lock of
// the process, and returns the description (for the results context).
std::string install_cohort_domains(const Topology& topology);

// "0-3,8,10-11": OS CPU numbers as a compact list.
[[nodiscard]] std::string cpu_list(std::vector<int> cpus);

}  // namespace synclab::harness
