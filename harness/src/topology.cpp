// topology.cpp — hwloc discovery. The only file that walks hwloc objects.
#include "synclab/harness/topology.hpp"

#include <hwloc.h>
#include <sched.h>

#include <cstring>
#include <sstream>

namespace synclab::harness {

struct HwlocTopology::Handle {
  hwloc_topology_t topo = nullptr;
  ~Handle() {
    if (topo != nullptr) hwloc_topology_destroy(topo);
  }
};

namespace {

int ancestor_index(hwloc_obj_t pu, hwloc_obj_type_t type) {
  hwloc_obj_t a = hwloc_get_ancestor_obj_by_type(nullptr, type, pu);
  return a != nullptr ? static_cast<int>(a->logical_index) : -1;
}

// NUMA nodes are memory children in hwloc 2; the node of a PU is the one whose
// cpuset contains it.
int numa_index(hwloc_topology_t topo, hwloc_obj_t pu) {
  hwloc_obj_t node = nullptr;
  while ((node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, node)) != nullptr) {
    if (hwloc_bitmap_isset(node->cpuset, pu->os_index)) return static_cast<int>(node->logical_index);
  }
  return 0;
}

std::string human_bytes(unsigned long long b) {
  std::ostringstream s;
  if (b >= (1ULL << 30) && b % (1ULL << 30) == 0) s << (b >> 30) << " GiB";
  else if (b >= (1ULL << 20)) s << (b >> 20) << " MiB";
  else s << (b >> 10) << " KiB";
  return s.str();
}

std::string plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

Topology describe(hwloc_topology_t topo) {
  Topology t;
  t.packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
  t.numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
  t.cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
  t.l3_caches = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_L3CACHE);
  t.l2_caches = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_L2CACHE);
  if (hwloc_obj_t l3 = hwloc_get_obj_by_type(topo, HWLOC_OBJ_L3CACHE, 0); l3 != nullptr && l3->attr)
    t.l3_bytes = l3->attr->cache.size;
  const int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
  for (int i = 0; i < n; ++i) {
    hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, static_cast<unsigned>(i));
    Pu p;
    p.os_index = static_cast<int>(pu->os_index);
    p.logical_index = static_cast<int>(pu->logical_index);
    p.package = ancestor_index(pu, HWLOC_OBJ_PACKAGE);
    p.numa = numa_index(topo, pu);
    p.l3 = ancestor_index(pu, HWLOC_OBJ_L3CACHE);
    p.l2 = ancestor_index(pu, HWLOC_OBJ_L2CACHE);
    p.core = ancestor_index(pu, HWLOC_OBJ_CORE);
    t.pus.push_back(p);
  }
  char buf[1024];
  if (hwloc_topology_export_synthetic(topo, buf, sizeof buf, HWLOC_TOPOLOGY_EXPORT_SYNTHETIC_FLAG_NO_ATTRS) > 0)
    t.synthetic = buf;
  return t;
}

}  // namespace

std::string Topology::summary() const {
  std::ostringstream s;
  s << plural(packages, "package", "packages") << ", " << plural(numa_nodes, "NUMA node", "NUMA nodes") << ", ";
  if (l3_caches > 0) s << plural(l3_caches, "L3", "L3s") << " (" << human_bytes(l3_bytes) << " each), ";
  s << plural(cores, "core", "cores") << ", " << plural(static_cast<int>(pus.size()), "PU", "PUs");
  return s.str();
}

const Pu* Topology::find_os_index(int os_index) const {
  for (const Pu& p : pus)
    if (p.os_index == os_index) return &p;
  return nullptr;
}

HwlocTopology::HwlocTopology(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {
  topology_ = describe(handle_->topo);
}
HwlocTopology::HwlocTopology(HwlocTopology&&) noexcept = default;
HwlocTopology& HwlocTopology::operator=(HwlocTopology&&) noexcept = default;
HwlocTopology::~HwlocTopology() = default;

HwlocTopology HwlocTopology::load_this_machine() {
  auto h = std::make_unique<Handle>();
  if (hwloc_topology_init(&h->topo) != 0) throw TopologyError("hwloc_topology_init failed");
  // Only the PUs this process may run on (cgroups, taskset) exist for placement.
  hwloc_topology_set_flags(h->topo, 0);
  if (hwloc_topology_load(h->topo) != 0) throw TopologyError("hwloc could not read this machine's topology");
  return HwlocTopology(std::move(h));
}

HwlocTopology HwlocTopology::from_synthetic(const std::string& description) {
  auto h = std::make_unique<Handle>();
  if (hwloc_topology_init(&h->topo) != 0) throw TopologyError("hwloc_topology_init failed");
  if (hwloc_topology_set_synthetic(h->topo, description.c_str()) != 0)
    throw TopologyError("not a valid hwloc synthetic topology: '" + description + "'");
  if (hwloc_topology_load(h->topo) != 0) throw TopologyError("hwloc could not build '" + description + "'");
  return HwlocTopology(std::move(h));
}

void HwlocTopology::pin_current_thread(int pu_os_index) const {
  hwloc_bitmap_t set = hwloc_bitmap_alloc();
  hwloc_bitmap_only(set, static_cast<unsigned>(pu_os_index));
  const int rc = hwloc_set_cpubind(handle_->topo, set, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT);
  const int err = errno;
  hwloc_bitmap_free(set);
  if (rc != 0)
    throw TopologyError("cannot pin thread to PU " + std::to_string(pu_os_index) + ": " + std::strerror(err));
}

void HwlocTopology::unpin_current_thread() const {
  hwloc_const_bitmap_t allowed = hwloc_topology_get_allowed_cpuset(handle_->topo);
  if (hwloc_set_cpubind(handle_->topo, allowed, HWLOC_CPUBIND_THREAD) != 0)
    throw TopologyError(std::string("cannot unpin thread: ") + std::strerror(errno));
}

int current_cpu() { return sched_getcpu(); }

}  // namespace synclab::harness
