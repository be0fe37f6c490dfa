// cpu_affinity.hpp — which CPUs the tests may run on, pinning the calling
// thread to one, and putting its affinity back afterwards. For tests that
// need two threads on two different CPUs (a race lined up on both cores) or
// a thread in a given domain of a synthetic topology.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <vector>

namespace synclab::testing {

// The CPUs in this process's affinity mask, in increasing order.
[[nodiscard]] inline std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

// Pins the calling thread to `cpu`; false if the system refused.
inline bool pin_current_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Restores the calling thread's affinity when it goes out of scope.
class AffinityRestorer {
 public:
  AffinityRestorer() { pthread_getaffinity_np(pthread_self(), sizeof saved_, &saved_); }
  ~AffinityRestorer() { pthread_setaffinity_np(pthread_self(), sizeof saved_, &saved_); }
  AffinityRestorer(const AffinityRestorer&) = delete;
  AffinityRestorer& operator=(const AffinityRestorer&) = delete;

 private:
  cpu_set_t saved_{};
};

}  // namespace synclab::testing
