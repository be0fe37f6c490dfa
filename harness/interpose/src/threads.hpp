// threads.hpp — the program's threads, seen through pthread_create: where
// each one runs (the lab's placement policies, applied to an unmodified
// program) and what the interposer does when one exits.
//
// Pinning (docs/apps.md, "Pinning"): SYNCLAB_PLACEMENT=compact|scatter|cpus:LIST
// and SYNCLAB_PLACEMENT_THREADS=N plan N PUs exactly as the benchmark binary
// plans N workers (harness/placement.hpp, on the hwloc topology of this
// machine). Then, with SYNCLAB_PIN=each (the default), the main thread runs on
// the plan's first PU and the k-th thread the program creates on PU k mod N,
// in creation order; with SYNCLAB_PIN=set every thread may run on any PU of
// the plan and the scheduler places them. Threads the C library creates for
// itself (timers, asynchronous I/O) inherit their creator's affinity.
// Without SYNCLAB_PLACEMENT nothing is pinned.
// Thread exit: every thread the program creates runs through a trampoline
// whose cleanup handler (run on return, pthread_exit and cancellation) folds
// the thread's statistics and returns its MCS nodes.
#pragma once

#include <string>

namespace synclab::interpose {

// Reads the placement variables and pins the calling (main) thread; a bad
// value is a usage error (exit 2).
void pinning_setup() noexcept;

// The plan as a JSON object for the statistics file ("null" when off); valid
// for the life of the process.
const char* pinning_json() noexcept;

}  // namespace synclab::interpose
