#include "describe.hpp"

#include "synclab/harness/json.hpp"
#include "synclab/harness/placement.hpp"

namespace synclab::bench {
namespace {

std::string threads_rule(const harness::ContentionLevel& l) {
  if (l.single_thread) return "single";
  if (l.per_pu_factor > 0) return "per_pu:" + std::to_string(l.per_pu_factor);
  if (l.pu_sweep) return "pu_sweep";
  return "list";
}

std::string level_json(const harness::ContentionLevel& l) {
  return "{\"name\": " + harness::json_string(l.name) + ", \"cs_ns\": " + std::to_string(l.cs_ns) +
         ", \"cs_lines\": " + std::to_string(l.cs_lines) + ", \"think_ns\": " + std::to_string(l.think_ns) +
         ", \"threads\": " + harness::json_string(threads_rule(l)) + "}";
}

template <class Items, class Format>
std::string json_list(const Items& items, Format format) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? ", " : "") + format(item);
  return out + "]";
}

}  // namespace

std::string describe_json(const harness::Topology& topo, const harness::SuiteOptions& options) {
  const int pus = static_cast<int>(harness::placement_order(topo, options.placement).size());
  std::string out = "{\"describe_version\": " + std::to_string(kDescribeVersion) + ", \"pus\": " + std::to_string(pus) +
                    ", \"placement\": " + harness::json_string(options.placement.text) + ", \"default_threads\": " +
                    json_list(harness::default_thread_counts(pus), [](int t) { return std::to_string(t); }) +
                    ", \"levels\": " + json_list(harness::contention_levels(), level_json);
  if (options.custom) out += ", \"custom_level\": " + level_json(options.custom->level());
  std::string families;
  for (const Family& f : all_families())
    families += (families.empty() ? "" : ", ") + harness::json_string(f.name) + ": {\"levels\": " +
                json_list(f.level_names(), [](std::string_view n) { return harness::json_string(n); }) +
                ", \"custom_level\": " + (f.custom_level ? "true" : "false") + "}";
  return out + ", \"families\": {" + families + "}}\n";
}

}  // namespace synclab::bench
