// cohort_domains.hpp — which domain (cache or NUMA group of CPUs) the calling
// thread runs in, for hierarchical locks such as cohort.hpp.
//
// What it is: a process-wide map from OS CPU number to domain id, plus a
//   per-thread cache of the calling thread's domain. The primitives library
//   does not know the machine (it does not depend on hwloc): by default there
//   is one domain and every thread is in it. Whoever knows the topology
//   installs a map at startup: the benchmark binary does it from hwloc
//   (harness/include/synclab/harness/domain_map.hpp, which also chooses the
//   level), tests install synthetic maps (domains by CPU parity, say).
// Lookup: current_domain() returns the cached domain of the calling thread.
//   The cache is revalidated when a new map has been installed (a generation
//   number: one load of a read-mostly line) and otherwise every
//   kRecheckEvery lookups, by asking the kernel where the thread runs now
//   (sched_getcpu(), a vDSO or rseq read, no syscall on current kernels). A
//   thread that migrated keeps its old domain for at most kRecheckEvery
//   lookups. That is harmless by design: the domain is a locality hint, the
//   lock is correct whatever domain a thread claims, provided it unlocks the
//   domain it locked (cohort.hpp records that).
// Lifetime: installed maps are never freed while the process runs (a reader
//   may still be looking at an old one); they are kept reachable in a list, so
//   leak checkers stay quiet. Installing is rare (startup, tests); lookups never
//   take a lock.
// Memory ordering: install_domain_map() stores the map pointer (release), then
//   bumps the generation (release); current_domain() loads the generation
//   (acquire) and then the pointer (acquire), so a thread that sees the new
//   generation also sees the new map and the vector it owns. A thread that
//   sees the new map under the old generation refreshes again on its next call.
#pragma once

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace synclab::locks::cohort_domains {

struct DomainMap {
  std::vector<std::uint32_t> domain_of_cpu;  // index: OS CPU number
  std::uint32_t domains = 1;                 // ids are 0 .. domains - 1
  std::string description;                   // for results files, e.g. "2 domains by L3: 0-7 | 8-15"
};

// How many lookups a thread trusts its cached domain before asking the kernel
// again (between map changes).
inline constexpr std::uint32_t kRecheckEvery = 64;

inline constexpr const char* kSingleDomainDescription = "1 domain (no split)";

namespace detail {

inline std::atomic<const DomainMap*> installed{nullptr};  // nullptr: one domain
inline std::atomic<std::uint64_t> generation{0};

// Every map ever installed, so none is freed under a reader.
struct Archive {
  std::mutex mutex;
  std::vector<std::unique_ptr<const DomainMap>> maps;
};

inline Archive& archive() {
  static Archive a;
  return a;
}

struct ThreadDomain {
  std::uint64_t generation = ~std::uint64_t{0};
  std::uint32_t domain = 0;
  std::uint32_t until_recheck = 0;
};

inline thread_local ThreadDomain tls_domain;

inline std::uint32_t lookup(const DomainMap* map) noexcept {
  if (map == nullptr) {
    return 0;
  }
  const int cpu = sched_getcpu();
  if (cpu < 0 || static_cast<std::size_t>(cpu) >= map->domain_of_cpu.size()) {
    return 0;
  }
  return map->domain_of_cpu[static_cast<std::size_t>(cpu)];
}

[[gnu::noinline]] inline void refresh(ThreadDomain& t, std::uint64_t seen_generation) noexcept {
  t.domain = lookup(installed.load(std::memory_order_acquire));
  t.generation = seen_generation;
  t.until_recheck = kRecheckEvery;
}

// `map` may be null: one domain.
inline void publish(std::unique_ptr<const DomainMap> map) {
  Archive& a = archive();
  const std::lock_guard<std::mutex> guard(a.mutex);
  installed.store(map.get(), std::memory_order_release);
  if (map != nullptr) {
    a.maps.push_back(std::move(map));
  }
  generation.fetch_add(1, std::memory_order_release);
}

}  // namespace detail

// Installs `domain_of_cpu[c]` as the domain of OS CPU c (negative entries and
// CPUs beyond the end count as domain 0). The domain count is the largest id
// plus one.
inline void install_domain_map(const std::vector<int>& domain_of_cpu, std::string description) {
  auto map = std::make_unique<DomainMap>();
  map->domain_of_cpu.reserve(domain_of_cpu.size());
  std::uint32_t highest = 0;
  for (const int d : domain_of_cpu) {
    const std::uint32_t id = d < 0 ? 0 : static_cast<std::uint32_t>(d);
    highest = std::max(highest, id);
    map->domain_of_cpu.push_back(id);
  }
  map->domains = highest + 1;
  map->description = std::move(description);
  detail::publish(std::move(map));
}

// Back to the default: one domain.
inline void reset_domain_map() { detail::publish(nullptr); }

[[nodiscard]] inline std::uint32_t domain_count() noexcept {
  const DomainMap* map = detail::installed.load(std::memory_order_acquire);
  return map == nullptr ? 1 : map->domains;
}

[[nodiscard]] inline std::string description() {
  const DomainMap* map = detail::installed.load(std::memory_order_acquire);
  return map == nullptr ? kSingleDomainDescription : map->description;
}

// The calling thread's domain (cached; see the top comment).
[[nodiscard]] inline std::uint32_t current_domain() noexcept {
  detail::ThreadDomain& t = detail::tls_domain;
  const std::uint64_t g = detail::generation.load(std::memory_order_acquire);
  if (t.generation != g || t.until_recheck == 0) {
    detail::refresh(t, g);
  }
  --t.until_recheck;
  return t.domain;
}

// Drops the calling thread's cached domain, so the next lookup asks the
// kernel. For a thread that has just changed its own affinity (pinning).
inline void refresh_current_domain() noexcept { detail::tls_domain.until_recheck = 0; }

}  // namespace synclab::locks::cohort_domains
