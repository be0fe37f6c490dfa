// placement.cpp — placement policies as orderings of the machine's PUs.
#include "synclab/harness/placement.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "synclab/harness/split.hpp"

namespace synclab::harness {
namespace {

int parse_int(std::string_view s, std::string_view whole) {
  int v = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0)
    throw PlacementError("bad CPU list '" + std::string(whole) + "': '" + std::string(s) + "' is not a CPU number");
  return v;
}

std::vector<int> parse_cpu_list(std::string_view list, std::string_view whole) {
  std::vector<int> cpus;
  if (list.empty()) throw PlacementError("empty CPU list in '" + std::string(whole) + "'");
  for (std::string_view item : split_list(list)) {
    if (size_t dash = item.find('-'); dash != std::string_view::npos) {
      int lo = parse_int(item.substr(0, dash), whole), hi = parse_int(item.substr(dash + 1), whole);
      if (hi < lo) throw PlacementError("bad CPU range '" + std::string(item) + "' in '" + std::string(whole) + "'");
      for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    } else {
      cpus.push_back(parse_int(item, whole));
    }
  }
  std::set<int> seen;
  for (int c : cpus)
    if (!seen.insert(c).second)
      throw PlacementError("CPU " + std::to_string(c) + " appears twice in '" + std::string(whole) + "'");
  return cpus;
}

// Scatter: recursive round-robin over the machine's tree. At every level the
// children's own scatter orders are interleaved, so consecutive threads land
// in different packages first, then different NUMA nodes, L3s, L2s, cores.
using Key = std::function<int(const Pu&)>;

std::vector<int> scatter_order(const std::vector<Pu>& pus, const std::vector<Key>& levels, size_t depth) {
  if (depth == levels.size() || pus.size() <= 1) {
    std::vector<int> out;
    for (const Pu& p : pus) out.push_back(p.os_index);
    return out;
  }
  std::map<int, std::vector<Pu>> groups;
  for (const Pu& p : pus) groups[levels[depth](p)].push_back(p);
  std::vector<std::vector<int>> sub;
  for (auto& [key, members] : groups) sub.push_back(scatter_order(members, levels, depth + 1));
  std::vector<int> out;
  for (size_t i = 0; out.size() < pus.size(); ++i)
    for (const auto& s : sub)
      if (i < s.size()) out.push_back(s[i]);
  return out;
}

std::string join(const std::vector<int>& v) {
  std::ostringstream s;
  for (size_t i = 0; i < v.size(); ++i) s << (i ? "," : "") << v[i];
  return s.str();
}

}  // namespace

PlacementSpec parse_placement(std::string_view text) {
  PlacementSpec spec;
  spec.text = std::string(text);
  if (text == "compact") {
    spec.policy = PlacementPolicy::compact;
  } else if (text == "scatter") {
    spec.policy = PlacementPolicy::scatter;
  } else if (text.starts_with("cpus:")) {
    spec.policy = PlacementPolicy::cpu_list;
    spec.cpus = parse_cpu_list(text.substr(5), text);
  } else {
    throw PlacementError("unknown placement '" + std::string(text) + "' (use compact, scatter or cpus:LIST)");
  }
  return spec;
}

std::string_view to_string(TopologyClass c) {
  switch (c) {
    case TopologyClass::same_pu: return "same_pu";
    case TopologyClass::same_core: return "same_core";
    case TopologyClass::same_l2: return "same_l2";
    case TopologyClass::same_l3: return "same_l3";
    case TopologyClass::cross_l3: return "cross_l3";
    case TopologyClass::cross_numa: return "cross_numa";
    case TopologyClass::cross_package: return "cross_package";
  }
  return "unknown";
}

std::string PinPlan::describe() const {
  return "pus=" + join(pu_of_thread) + " class=" + std::string(to_string(topology_class)) +
         (oversubscribed ? " oversubscribed" : "");
}

std::vector<int> placement_order(const Topology& topo, const PlacementSpec& spec) {
  switch (spec.policy) {
    case PlacementPolicy::compact: {
      std::vector<int> out;
      for (const Pu& p : topo.pus) out.push_back(p.os_index);  // logical order
      return out;
    }
    case PlacementPolicy::scatter: {
      const std::vector<Key> levels = {[](const Pu& p) { return p.package; }, [](const Pu& p) { return p.numa; },
                                       [](const Pu& p) { return p.l3; },      [](const Pu& p) { return p.l2; },
                                       [](const Pu& p) { return p.core; }};
      return scatter_order(topo.pus, levels, 0);
    }
    case PlacementPolicy::cpu_list: {
      std::vector<int> available;
      for (const Pu& p : topo.pus) available.push_back(p.os_index);
      std::sort(available.begin(), available.end());
      for (int c : spec.cpus)
        if (topo.find_os_index(c) == nullptr)
          throw PlacementError("placement '" + spec.text + "': CPU " + std::to_string(c) +
                               " does not exist or is not allowed (available: " + join(available) + ")");
      return spec.cpus;
    }
  }
  return {};
}

TopologyClass classify(const Topology& topo, const std::vector<int>& pu_os_indexes) {
  std::vector<const Pu*> pus;
  for (int os : pu_os_indexes)
    if (const Pu* p = topo.find_os_index(os)) pus.push_back(p);
  auto all_same = [&](auto field) {
    return std::all_of(pus.begin(), pus.end(), [&](const Pu* p) { return field(*p) == field(*pus.front()); });
  };
  if (pus.empty() || all_same([](const Pu& p) { return p.os_index; })) return TopologyClass::same_pu;
  if (all_same([](const Pu& p) { return p.core; })) return TopologyClass::same_core;
  if (pus.front()->l2 >= 0 && all_same([](const Pu& p) { return p.l2; })) return TopologyClass::same_l2;
  if (pus.front()->l3 >= 0 && all_same([](const Pu& p) { return p.l3; })) return TopologyClass::same_l3;
  if (!all_same([](const Pu& p) { return p.package; })) return TopologyClass::cross_package;
  if (!all_same([](const Pu& p) { return p.numa; })) return TopologyClass::cross_numa;
  return TopologyClass::cross_l3;
}

PinPlan plan_pins(const Topology& topo, const PlacementSpec& spec, int threads, bool allow_oversubscription) {
  if (threads < 1) throw PlacementError("thread count must be at least 1, got " + std::to_string(threads));
  const std::vector<int> order = placement_order(topo, spec);
  if (order.empty()) throw PlacementError("placement '" + spec.text + "' has no PU to run on");
  const int available = static_cast<int>(order.size());
  if (threads > available && !allow_oversubscription)
    throw PlacementError("t:" + std::to_string(threads) + " needs " + std::to_string(threads) +
                         " PUs but placement '" + spec.text + "' has " + std::to_string(available) +
                         " (more threads than PUs is the 'oversubscribed' scenario)");
  PinPlan plan;
  for (int i = 0; i < threads; ++i) plan.pu_of_thread.push_back(order[static_cast<size_t>(i % available)]);
  plan.distinct_pus = std::min(threads, available);
  plan.oversubscribed = threads > available;
  std::vector<int> used(plan.pu_of_thread.begin(), plan.pu_of_thread.begin() + plan.distinct_pus);
  plan.topology_class = classify(topo, used);
  return plan;
}

}  // namespace synclab::harness
