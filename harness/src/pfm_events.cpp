// pfm_events.cpp — libpfm4 behind the small interface of pfm_events.hpp.
//
// libpfm4 encodes events only for PMUs it finds present (plus perf's generic
// PMU), but it keeps the tables of every PMU model it was built with and lets
// them be walked whether present or not: that is how a request naming, say,
// a Skylake event is told apart from a typo on a machine that is not one.
#include "pfm_events.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#ifdef SYNCLAB_HAVE_LIBPFM
#include <perfmon/pfmlib_perf_event.h>
#endif

namespace synclab::harness::pfm {
namespace {

[[maybe_unused]] bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

#ifdef SYNCLAB_HAVE_LIBPFM

struct Library {
  bool ok = false;
  std::string message;
};

const Library& library() {
  static const Library lib = [] {
    Library l;
    const int rc = pfm_initialize();
    l.ok = rc == PFM_SUCCESS;
    l.message = l.ok ? "libpfm4 (API " + std::to_string(PFM_MAJ_VERSION(pfm_get_version())) + "." +
                           std::to_string(PFM_MIN_VERSION(pfm_get_version())) + ")"
                     : std::string("libpfm4 failed to initialise: ") + pfm_strerror(rc);
    return l;
  }();
  return lib;
}

std::optional<pfm_pmu_info_t> pmu_info(int pmu) {
  pfm_pmu_info_t info;
  std::memset(&info, 0, sizeof info);
  info.size = sizeof info;
  if (pfm_get_pmu_info(static_cast<pfm_pmu_t>(pmu), &info) != PFM_SUCCESS || info.name == nullptr) return std::nullopt;
  return info;
}

// The names of an event's attributes (unit masks and modifiers).
std::vector<std::string> attribute_names(int event, int nattrs) {
  std::vector<std::string> names;
  for (int a = 0; a < nattrs; ++a) {
    pfm_event_attr_info_t ai;
    std::memset(&ai, 0, sizeof ai);
    ai.size = sizeof ai;
    if (pfm_get_event_attr_info(event, a, PFM_OS_PERF_EVENT_EXT, &ai) != PFM_SUCCESS &&
        pfm_get_event_attr_info(event, a, PFM_OS_NONE, &ai) != PFM_SUCCESS)
      continue;
    if (ai.name != nullptr) names.emplace_back(ai.name);
  }
  return names;
}

int attribute_count(int event) {
  pfm_event_info_t ei;
  std::memset(&ei, 0, sizeof ei);
  ei.size = sizeof ei;
  if (pfm_get_event_info(event, PFM_OS_PERF_EVENT_EXT, &ei) == PFM_SUCCESS) return ei.nattrs;
  if (pfm_get_event_info(event, PFM_OS_NONE, &ei) == PFM_SUCCESS) return ei.nattrs;
  return 0;
}

#endif  // SYNCLAB_HAVE_LIBPFM

struct Spec {
  std::string pmu;  // empty: any
  std::string event;
  std::vector<std::string> modifiers;  // names only, "=value" dropped
};

[[maybe_unused]] Spec parse_spec(const std::string& spec) {
  Spec s;
  std::string_view rest = spec;
  if (const auto sep = rest.find("::"); sep != std::string_view::npos) {
    s.pmu = rest.substr(0, sep);
    rest.remove_prefix(sep + 2);
  }
  std::size_t start = 0;
  bool first = true;
  while (start <= rest.size()) {
    const std::size_t colon = rest.find(':', start);
    std::string_view part = rest.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (first) {
      s.event = part;
      first = false;
    } else {
      s.modifiers.emplace_back(part.substr(0, part.find('=')));
    }
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return s;
}

}  // namespace

#ifdef SYNCLAB_HAVE_LIBPFM

bool initialised() { return library().ok; }

std::string describe_library() { return library().message; }

std::optional<CorePmu> detected_core_pmu() {
  if (!initialised()) return std::nullopt;
  int pmu = 0;
  pfm_for_all_pmus(pmu) {
    const auto info = pmu_info(pmu);
    if (!info || !info->is_present || info->type != PFM_PMU_TYPE_CORE) continue;
    return CorePmu{info->name, info->desc != nullptr ? info->desc : "", info->num_cntrs};
  }
  return std::nullopt;
}

Encoding encode(const std::string& spec, bool count_kernel) {
  Encoding e;
  if (!initialised()) {
    e.error = PFM_ERR_NOINIT;
    e.message = describe_library();
    return e;
  }
  pfm_perf_encode_arg_t arg;
  std::memset(&arg, 0, sizeof arg);
  arg.size = sizeof arg;
  arg.attr = &e.attr;
  char* canonical = nullptr;
  arg.fstr = &canonical;
  const int plm = count_kernel ? (PFM_PLM0 | PFM_PLM3) : PFM_PLM3;
  const int rc = pfm_get_os_event_encoding(spec.c_str(), plm, PFM_OS_PERF_EVENT_EXT, &arg);
  e.ok = rc == PFM_SUCCESS;
  e.error = rc;
  e.message = e.ok ? "" : pfm_strerror(rc);
  if (canonical != nullptr) {
    e.canonical = canonical;
    std::free(canonical);
  }
  // libpfm4 leaves the size to the caller: ours is the kernel header's.
  e.attr.size = sizeof(perf_event_attr);
  return e;
}

bool is_not_found(int error) { return error == PFM_ERR_NOTFOUND; }

std::vector<std::string> models_naming(const std::string& spec) {
  std::vector<std::string> models;
  if (!initialised()) return models;
  const Spec s = parse_spec(spec);
  if (s.event.empty()) return models;
  int pmu = 0;
  pfm_for_all_pmus(pmu) {
    const auto info = pmu_info(pmu);
    if (!info || info->first_event < 0) continue;
    if (!s.pmu.empty() && !iequal(s.pmu, info->name)) continue;
    for (int ev = info->first_event; ev != -1; ev = pfm_get_event_next(ev)) {
      pfm_event_info_t ei;
      std::memset(&ei, 0, sizeof ei);
      ei.size = sizeof ei;
      if (pfm_get_event_info(ev, PFM_OS_NONE, &ei) != PFM_SUCCESS || ei.name == nullptr) break;
      if (!iequal(ei.name, s.event)) continue;
      const std::vector<std::string> attrs = attribute_names(ev, attribute_count(ev));
      const bool all_known = std::all_of(s.modifiers.begin(), s.modifiers.end(), [&](const std::string& m) {
        return std::any_of(attrs.begin(), attrs.end(), [&](const std::string& a) { return iequal(a, m); });
      });
      if (all_known && std::find(models.begin(), models.end(), info->name) == models.end())
        models.emplace_back(info->name);
      break;
    }
  }
  return models;
}

std::vector<std::string> all_models() {
  std::vector<std::string> models;
  if (!initialised()) return models;
  int pmu = 0;
  pfm_for_all_pmus(pmu) {
    if (const auto info = pmu_info(pmu)) models.emplace_back(info->name);
  }
  return models;
}

bool knows_model(const std::string& name) {
  const std::vector<std::string> models = all_models();
  return std::find(models.begin(), models.end(), name) != models.end();
}

#else  // built without libpfm4

bool initialised() { return false; }
std::string describe_library() { return "built without libpfm4"; }
std::optional<CorePmu> detected_core_pmu() { return std::nullopt; }
Encoding encode(const std::string&, bool) {
  Encoding e;
  e.error = -1;
  e.message = describe_library();
  return e;
}
bool is_not_found(int) { return false; }
std::vector<std::string> models_naming(const std::string&) { return {}; }
std::vector<std::string> all_models() { return {}; }
bool knows_model(const std::string&) { return false; }

#endif

}  // namespace synclab::harness::pfm
