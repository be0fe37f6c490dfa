#include "threads.hpp"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "mcs_nodes.hpp"
#include "mutex_ops.hpp"
#include "report.hpp"
#include "slab.hpp"
#include "stats.hpp"
#include "synclab/harness/domain_map.hpp"
#include "synclab/harness/placement.hpp"
#include "synclab/harness/topology.hpp"
#include "synclab/locks/cohort_domains.hpp"

namespace synclab::interpose {

const MutexOps* ready_ops() noexcept;  // interpose.cpp

namespace {

constexpr unsigned kRecordedThreads = 64;

struct Pins {
  std::vector<int> pus;  // in the policy's order
  bool each = true;
  std::string json;
};

Pins* g_pins = nullptr;
std::atomic<unsigned> g_next_index{1};  // 0 is the main thread
std::atomic<unsigned> g_pinned{0};
std::atomic<unsigned> g_pin_failures{0};
std::atomic<int> g_pu_of_thread[kRecordedThreads];

bool pin(unsigned index) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (g_pins->each) {
    CPU_SET(g_pins->pus[index % g_pins->pus.size()], &set);
  } else {
    for (const int pu : g_pins->pus) CPU_SET(pu, &set);
  }
  const bool ok = ::sched_setaffinity(0, sizeof set, &set) == 0;
  (ok ? g_pinned : g_pin_failures).fetch_add(1, std::memory_order_relaxed);
  if (ok && g_pins->each && index < kRecordedThreads)
    g_pu_of_thread[index].store(g_pins->pus[index % g_pins->pus.size()] + 1, std::memory_order_relaxed);
  locks::cohort_domains::refresh_current_domain();
  return ok;
}

struct Start {
  void* (*routine)(void*);
  void* arg;
  unsigned index;
};

void on_thread_exit(void*) noexcept {
  stats_thread_exit();
  mcs_nodes_thread_exit();
}

void* trampoline(void* raw) {
  const Start start = *static_cast<Start*>(raw);
  slab_free(raw, sizeof(Start));
  if (g_pins != nullptr) pin(start.index);
  void* result = nullptr;
  pthread_cleanup_push(on_thread_exit, nullptr);
  result = start.routine(start.arg);
  pthread_cleanup_pop(1);
  return result;
}

int env_threads(const char* text) noexcept {
  char* end = nullptr;
  const long n = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || n < 1 || n > 4096)
    fail_usage("SYNCLAB_PLACEMENT_THREADS=%s: expected a number of threads from 1 to 4096", text);
  return static_cast<int>(n);
}

}  // namespace

void pinning_setup() noexcept {
  const char* placement = std::getenv("SYNCLAB_PLACEMENT");
  if (placement == nullptr || *placement == '\0') return;
  const char* threads_text = std::getenv("SYNCLAB_PLACEMENT_THREADS");
  const int threads = threads_text != nullptr ? env_threads(threads_text) : 1;
  const char* mode = std::getenv("SYNCLAB_PIN");
  bool each = true;
  if (mode != nullptr && std::strcmp(mode, "set") == 0) {
    each = false;
  } else if (mode != nullptr && *mode != '\0' && std::strcmp(mode, "each") != 0) {
    fail_usage("SYNCLAB_PIN=%s: expected each (one PU per thread, in creation order) or set", mode);
  }
  try {
    const harness::PlacementSpec spec = harness::parse_placement(placement);
    const harness::HwlocTopology topology = harness::HwlocTopology::load_this_machine();
    const harness::PinPlan plan = harness::plan_pins(topology.topology(), spec, threads, true);
    const std::string domains = harness::install_cohort_domains(topology.topology());
    g_pins = new Pins{plan.pu_of_thread, each, {}};
    std::string pus;
    for (const int pu : plan.pu_of_thread) pus += (pus.empty() ? "" : ", ") + std::to_string(pu);
    g_pins->json = "{\"placement\": \"" + spec.text + "\", \"threads\": " + std::to_string(threads) +
                   ", \"pin\": \"" + (each ? "each" : "set") + "\", \"pus\": [" + pus + "], \"label\": \"" +
                   plan.describe() + "\", \"cohort_domains\": \"" + domains + "\"";
  } catch (const std::exception& e) {
    fail_usage("SYNCLAB_PLACEMENT=%s: %s", placement, e.what());
  }
  if (!pin(0)) say("warning: could not pin the main thread to PU %d", g_pins->pus[0]);
}

const char* pinning_json() noexcept {
  if (g_pins == nullptr) return "null";
  static std::string text;
  std::string threads;
  for (unsigned i = 0; i < kRecordedThreads; ++i)
    if (const int pu = g_pu_of_thread[i].load(std::memory_order_relaxed); pu != 0)
      threads += (threads.empty() ? "" : ", ") + std::string("[") + std::to_string(i) + ", " + std::to_string(pu - 1) + "]";
  text = g_pins->json + ", \"threads_created\": " + std::to_string(g_next_index.load() - 1) +
         ", \"threads_pinned\": " + std::to_string(g_pinned.load()) +
         ", \"pin_failures\": " + std::to_string(g_pin_failures.load()) + ", \"pu_of_thread\": [" + threads + "]}";
  return text.c_str();
}

}  // namespace synclab::interpose

using synclab::interpose::g_real;

extern "C" __attribute__((visibility("default"))) int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                                                                     void* (*routine)(void*), void* arg) {
  (void)synclab::interpose::ready_ops();
  auto* start = static_cast<synclab::interpose::Start*>(synclab::interpose::slab_alloc(sizeof(synclab::interpose::Start)));
  *start = synclab::interpose::Start{routine, arg,
                                     synclab::interpose::g_next_index.fetch_add(1, std::memory_order_relaxed)};
  const int r = g_real.create(thread, attr, synclab::interpose::trampoline, start);
  if (r != 0) synclab::interpose::slab_free(start, sizeof(synclab::interpose::Start));
  return r;
}
