// domain_map.cpp — choosing cohort domains from the topology (the rule is
// in domain_map.hpp) and installing them.
#include "synclab/harness/domain_map.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "synclab/locks/cohort_domains.hpp"

namespace synclab::harness {

namespace {

// PUs grouped by one level's id (logical index of the NUMA node or L3), in
// the order the groups first appear in hwloc's logical order.
struct Grouping {
  std::vector<int> ids;                        // distinct ids, in first-seen order
  std::map<int, std::vector<int>> cpus;        // id -> OS CPU numbers
  std::map<int, std::set<int>> cores;          // id -> cores it contains
};

template <class IdOf>
Grouping group_by(const Topology& t, IdOf id_of) {
  Grouping g;
  for (const Pu& pu : t.pus) {
    const int id = id_of(pu);
    if (!g.cpus.contains(id)) g.ids.push_back(id);
    g.cpus[id].push_back(pu.os_index);
    g.cores[id].insert(pu.core);
  }
  return g;
}

bool splits(const Grouping& g) { return g.ids.size() >= 2 && !g.cpus.contains(-1); }

bool every_group_shared_by_cores(const Grouping& g) {
  return std::all_of(g.cores.begin(), g.cores.end(), [](const auto& entry) { return entry.second.size() >= 2; });
}

CohortDomainPlan plan_from(const Topology& t, const Grouping& g, const std::string& level) {
  CohortDomainPlan plan;
  plan.level = level;
  plan.domains = static_cast<int>(g.ids.size());
  int highest_cpu = -1;
  for (const Pu& pu : t.pus) highest_cpu = std::max(highest_cpu, pu.os_index);
  plan.domain_of_cpu.assign(static_cast<std::size_t>(highest_cpu + 1), -1);
  plan.description = std::to_string(plan.domains) + " domains by " + level + ": ";
  for (std::size_t d = 0; d < g.ids.size(); ++d) {
    const std::vector<int>& cpus = g.cpus.at(g.ids[d]);
    for (const int cpu : cpus) plan.domain_of_cpu[static_cast<std::size_t>(cpu)] = static_cast<int>(d);
    if (d > 0) plan.description += " | ";
    plan.description += cpu_list(cpus);
  }
  return plan;
}

}  // namespace

std::string cpu_list(std::vector<int> cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

CohortDomainPlan plan_cohort_domains(const Topology& topology) {
  const Grouping numa = group_by(topology, [](const Pu& pu) { return pu.numa; });
  if (splits(numa)) return plan_from(topology, numa, "NUMA node");
  const Grouping l3 = group_by(topology, [](const Pu& pu) { return pu.l3; });
  if (splits(l3) && every_group_shared_by_cores(l3)) return plan_from(topology, l3, "L3");
  CohortDomainPlan single;
  single.level = "none";
  single.description = locks::cohort_domains::kSingleDomainDescription;
  for (const Pu& pu : topology.pus) {
    if (pu.os_index >= static_cast<int>(single.domain_of_cpu.size()))
      single.domain_of_cpu.resize(static_cast<std::size_t>(pu.os_index + 1), -1);
    single.domain_of_cpu[static_cast<std::size_t>(pu.os_index)] = 0;
  }
  return single;
}

std::string install_cohort_domains(const Topology& topology) {
  const CohortDomainPlan plan = plan_cohort_domains(topology);
  if (plan.domains <= 1) {
    locks::cohort_domains::reset_domain_map();
  } else {
    locks::cohort_domains::install_domain_map(plan.domain_of_cpu, plan.description);
  }
  return plan.description;
}

}  // namespace synclab::harness
