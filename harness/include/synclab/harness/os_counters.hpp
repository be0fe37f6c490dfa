// os_counters.hpp — what the OS says a thread did: CPU time and context
// switches, from getrusage(RUSAGE_THREAD). Always available, PMU or not; a
// spinning waiter shows up as CPU time, a sleeping one as voluntary switches.
#pragma once

#include <cstdint>

namespace synclab::harness {

struct OsCounters {
  std::uint64_t cpu_ns = 0;  // user + system
  std::uint64_t voluntary_switches = 0;
  std::uint64_t involuntary_switches = 0;

  OsCounters operator-(const OsCounters& before) const {
    return {cpu_ns - before.cpu_ns, voluntary_switches - before.voluntary_switches,
            involuntary_switches - before.involuntary_switches};
  }
};

// The calling thread's counters so far.
OsCounters read_thread_os_counters();

// CPU time of the whole process so far (every thread, user + system), ns.
std::uint64_t process_cpu_ns();

}  // namespace synclab::harness
