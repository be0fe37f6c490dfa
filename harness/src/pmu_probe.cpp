// pmu_probe.cpp — is there a hardware PMU we may use? Answered by trying:
// libpfm4 names the PMUs it recognises, and perf_event_open on a cycles
// counter says whether the kernel lets this process count (VMs often expose
// no PMU; perf_event_paranoid can forbid it).
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "synclab/harness/context.hpp"

#ifdef SYNCLAB_HAVE_LIBPFM
#include <perfmon/pfmlib.h>
#endif

namespace synclab::harness {
namespace {

std::string pfm_default_pmu() {
#ifdef SYNCLAB_HAVE_LIBPFM
  if (pfm_initialize() != PFM_SUCCESS) return "libpfm4 failed to initialise";
  std::string names;
  pfm_pmu_info_t info{};
  int pmu = 0;
  pfm_for_all_pmus(pmu) {
    std::memset(&info, 0, sizeof info);
    info.size = sizeof info;
    if (pfm_get_pmu_info(static_cast<pfm_pmu_t>(pmu), &info) != PFM_SUCCESS || !info.is_present) continue;
    if (info.type != PFM_PMU_TYPE_CORE) continue;
    names += (names.empty() ? "" : ",") + std::string(info.name);
  }
  return names.empty() ? "libpfm4 found no core PMU" : "libpfm4 core PMU " + names;
#else
  return "built without libpfm4";
#endif
}

}  // namespace

std::string probe_pmu() {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = PERF_COUNT_HW_CPU_CYCLES;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  const long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
  if (fd >= 0) {
    close(static_cast<int>(fd));
    return "available: " + pfm_default_pmu();
  }
  const int err = errno;
  std::string why = std::strerror(err);
  if (err == ENOENT || err == EOPNOTSUPP || err == ENODEV)
    why += " (no hardware PMU exposed to this kernel, typical of virtual machines)";
  else if (err == EACCES || err == EPERM)
    why += " (forbidden by /proc/sys/kernel/perf_event_paranoid or missing CAP_PERFMON)";
  return "unavailable: perf_event_open(cycles): " + why + "; " + pfm_default_pmu();
}

}  // namespace synclab::harness
