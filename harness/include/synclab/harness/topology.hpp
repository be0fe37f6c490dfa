// topology.hpp — the machine as the harness sees it: packages, NUMA nodes,
// caches, cores and processing units (PUs), discovered with hwloc.
//
// A Topology is a plain value so placement can be planned and tested without
// touching the machine: tests build topologies from hwloc's synthetic
// descriptions ("package:2 l3:2 core:4 pu:2") instead of the real host.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace synclab::harness {

// One processing unit (hardware thread) and the domains that contain it.
// Domain ids are hwloc logical indexes of that level, or -1 when the level
// does not exist on this machine (no L3, say); PUs with equal ids share it.
struct Pu {
  int os_index = -1;  // the number the OS uses (sched_getcpu, taskset)
  int logical_index = -1;
  int package = -1;
  int numa = -1;
  int l3 = -1;
  int l2 = -1;
  int core = -1;
};

struct Topology {
  std::vector<Pu> pus;  // in hwloc logical order: siblings are neighbours
  int packages = 0;
  int numa_nodes = 0;
  int cores = 0;
  int l3_caches = 0;
  int l2_caches = 0;
  unsigned long long l3_bytes = 0;  // size of one L3 (0 if none)
  std::string synthetic;            // hwloc's synthetic description of the machine

  // One line for humans and results files, e.g.
  // "1 package, 1 NUMA node, 2 L3 (32 MiB each), 2 cores, 2 PUs".
  [[nodiscard]] std::string summary() const;
  [[nodiscard]] const Pu* find_os_index(int os_index) const;
};

class TopologyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Owns an hwloc topology handle; the harness pins threads through it.
class HwlocTopology {
 public:
  // The machine this process runs on, restricted to the CPUs it may use.
  static HwlocTopology load_this_machine();
  // A machine described in hwloc's synthetic language (for tests).
  static HwlocTopology from_synthetic(const std::string& description);

  HwlocTopology(HwlocTopology&&) noexcept;
  HwlocTopology& operator=(HwlocTopology&&) noexcept;
  ~HwlocTopology();

  [[nodiscard]] const Topology& topology() const { return topology_; }

  // Binds the calling thread to one PU (by OS index). Throws TopologyError.
  void pin_current_thread(int pu_os_index) const;
  // Undoes pin_current_thread: the calling thread may run on any allowed PU.
  void unpin_current_thread() const;

 private:
  struct Handle;
  explicit HwlocTopology(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
  Topology topology_;
};

// The CPU the calling thread is running on right now (sched_getcpu).
int current_cpu();

}  // namespace synclab::harness
