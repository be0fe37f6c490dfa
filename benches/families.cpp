#include "families.hpp"

#include <algorithm>

#include "synclab/harness/placement.hpp"

namespace synclab::bench {

bool FamilySelection::selected(std::string_view family) const {
  return families.empty() || std::find(families.begin(), families.end(), family) != families.end();
}

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
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = std::min(value.find(',', start), value.size());
      const std::string_view name = value.substr(start, comma - start);
      if (std::find(kFamilies.begin(), kFamilies.end(), name) == kFamilies.end()) {
        std::string known;
        for (std::string_view f : kFamilies) known += (known.empty() ? "" : ", ") + std::string(f);
        throw harness::UsageError("unknown family '" + std::string(name) + "' (known: " + known + ")");
      }
      if (std::find(selection.families.begin(), selection.families.end(), name) == selection.families.end())
        selection.families.emplace_back(name);
      start = comma + 1;
    }
  }
  argc = kept;
  argv[argc] = nullptr;
  return selection;
}

std::function<bool(const std::string&)> restrict_to_families(FamilySelection selection,
                                                            std::function<bool(const std::string&)> accept) {
  if (selection.families.empty()) return accept;
  return [selection = std::move(selection), accept = std::move(accept)](const std::string& name) {
    return selection.selected(std::string_view(name).substr(0, name.find('/'))) && accept(name);
  };
}

std::vector<int> family_thread_counts(const harness::Topology& topo, const harness::SuiteOptions& options) {
  const int pus = static_cast<int>(harness::placement_order(topo, options.placement).size());
  std::vector<int> counts;
  if (options.threads.empty()) {
    for (int n = 1; n < pus; n *= 2) counts.push_back(n);
    counts.push_back(pus);
  } else {
    for (int t : options.threads)
      if (t <= pus) counts.push_back(t);
  }
  return counts;
}

std::chrono::nanoseconds short_window(const harness::SuiteOptions& options) {
  return std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(20), options.duration / 4);
}

}  // namespace synclab::bench
