#include "families.hpp"

#include <algorithm>

#include "synclab/harness/placement.hpp"
#include "synclab/harness/split.hpp"

namespace synclab::bench {

bool FamilyContext::runs(std::string_view level) const {
  for (const harness::ContentionLevel& l : harness::selected_levels(options))
    if (l.name == level) return true;
  return false;
}

std::vector<int> FamilyContext::thread_counts() const {
  const int pus_here = static_cast<int>(pus().size());
  if (options.threads.empty()) return harness::default_thread_counts(pus_here);
  std::vector<int> counts;
  for (int t : options.threads)
    if (t <= pus_here) counts.push_back(t);
  return counts;
}

std::vector<int> FamilyContext::pus() const { return harness::placement_order(hw.topology(), options.placement); }

std::chrono::nanoseconds FamilyContext::short_window() const {
  return std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(20), options.duration / 4);
}

CaseSetup FamilyContext::scenario(std::string_view family, std::string_view primitive, std::string_view scenario,
                                  int threads, bool oversubscribed) const {
  CaseSetup setup;
  setup.plan.level = harness::ContentionLevel{scenario};  // a name only: the scenario sets the work
  setup.plan.threads = threads;
  setup.plan.pins = harness::plan_pins(hw.topology(), options.placement, threads, oversubscribed);
  setup.driver = base;
  setup.driver.plan = setup.plan.pins;
  setup.driver.case_name = harness::case_name(family, primitive, setup.plan, options.placement);
  setup.calibration = calibration;
  return setup;
}

std::string FamilyContext::case_name(std::string_view family, std::string_view primitive, std::string_view scenario,
                                     int threads) const {
  harness::CasePlan plan;
  plan.level = harness::ContentionLevel{scenario};
  plan.threads = threads;
  return harness::case_name(family, primitive, plan, options.placement);
}

bool Family::takes(std::string_view level) const {
  return levels.empty() ? harness::find_contention_level(level).has_value()
                        : std::find(levels.begin(), levels.end(), level) != levels.end();
}

std::vector<std::string_view> Family::level_names() const {
  if (!levels.empty()) return {levels.begin(), levels.end()};
  std::vector<std::string_view> names;
  for (const harness::ContentionLevel& l : harness::contention_levels()) names.push_back(l.name);
  return names;
}

bool FamilySelection::selected(std::string_view family) const {
  return families.empty() || std::find(families.begin(), families.end(), family) != families.end();
}

namespace {

const Family* find_family(std::string_view name) {
  for (const Family& f : all_families())
    if (f.name == name) return &f;
  return nullptr;
}

std::string joined(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

}  // namespace

FamilySelection take_families_flag(int& argc, char** argv) {
  constexpr std::string_view kFlag = "--synclab_families";
  FamilySelection selection;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!arg.starts_with(kFlag) || (arg.size() > kFlag.size() && arg[kFlag.size()] != '=')) {
      argv[kept++] = argv[i];
      continue;
    }
    const std::string_view value = arg.size() > kFlag.size() ? arg.substr(kFlag.size() + 1) : std::string_view{};
    if (value.empty()) throw harness::UsageError("--synclab_families needs a value (=locks,limits,...)");
    selection.families.clear();
    for (std::string_view name : harness::split_list(value)) {
      if (find_family(name) == nullptr) {
        std::vector<std::string_view> known;
        for (const Family& f : all_families()) known.push_back(f.name);
        throw harness::UsageError("unknown family '" + std::string(name) + "' (known: " + joined(known) + ")");
      }
      if (std::find(selection.families.begin(), selection.families.end(), name) == selection.families.end())
        selection.families.emplace_back(name);
    }
  }
  argc = kept;
  argv[argc] = nullptr;
  return selection;
}

void check_levels(const FamilySelection& selection, const harness::SuiteOptions& options) {
  for (const std::string& name : selection.families) {
    const Family& family = *find_family(name);
    for (const std::string& level : options.contention)
      if (!family.takes(level))
        throw harness::UsageError("family " + name + " cannot run level " + level + " (it runs: " +
                                  joined(family.level_names()) + "; docs/contention.md)");
    if (options.custom && !family.custom_level)
      throw harness::UsageError("family " + name + " has no critical section or think time to set: it cannot run " +
                                std::string(options.custom->level().name));
  }
}

std::function<bool(const std::string&)> restrict_to_families(FamilySelection selection,
                                                            std::function<bool(const std::string&)> accept) {
  if (selection.families.empty()) return accept;
  return [selection = std::move(selection), accept = std::move(accept)](const std::string& name) {
    return selection.selected(std::string_view(name).substr(0, name.find('/'))) && accept(name);
  };
}

}  // namespace synclab::bench
