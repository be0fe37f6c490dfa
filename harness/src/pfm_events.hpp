// pfm_events.hpp — the harness's only window on libpfm4 (private to the
// harness library). Built without libpfm4, every function answers "not
// available" and the harness falls back to perf's generic event numbers.
#pragma once

#include <linux/perf_event.h>

#include <optional>
#include <string>
#include <vector>

namespace synclab::harness::pfm {

// Initialises libpfm4 once per process; false when it is not built in or
// failed to initialise.
bool initialised();
// "libpfm4 4.13" or why there is none.
std::string describe_library();

struct CorePmu {
  std::string name;  // libpfm4 PMU name: "skl", "amd64_fam19h_zen3", "arm_n1"
  std::string desc;
  int generic_counters = 0;
};
// The first core PMU libpfm4 finds present on this machine.
std::optional<CorePmu> detected_core_pmu();

struct Encoding {
  bool ok = false;
  perf_event_attr attr{};
  std::string canonical;  // libpfm4's fully qualified string
  int error = 0;          // a PFM_ERR_* code when !ok
  std::string message;    // libpfm4's text for it
};
// pfm_get_os_event_encoding(spec, PLM3 or PLM0|PLM3, PFM_OS_PERF_EVENT_EXT).
// Only PMUs present on this machine (and perf's generic PMU) can encode.
Encoding encode(const std::string& spec, bool count_kernel);
bool is_not_found(int error);

// The PMU models, present or not, whose libpfm4 tables name `spec`: its event
// and every modifier ("pmu::EVENT:UMASK:k=1"). Case-insensitive.
std::vector<std::string> models_naming(const std::string& spec);
// Every PMU model of this libpfm4 build, and whether it has tables for `name`.
std::vector<std::string> all_models();
bool knows_model(const std::string& name);

}  // namespace synclab::harness::pfm
