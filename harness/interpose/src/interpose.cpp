// interpose.cpp — libsynclab_interpose.so: every pthread mutex and condition
// variable of an unmodified program on the lock named by SYNCLAB_LOCK.
//
//   LD_PRELOAD=libsynclab_interpose.so SYNCLAB_LOCK=mcs program ...
//
// Environment (docs/apps.md):
//   SYNCLAB_LOCK            a lock of the menu (lock_menu.hpp), pthread_mutex
//                           for glibc's own, or the path of a lock plugin.
//                           Required; an unknown or refused lock ends the
//                           program at load time (exit 2) with the reason.
//   SYNCLAB_INTERPOSE_OUT   statistics file written at exit (stats.hpp).
//   SYNCLAB_INTERPOSE_STATS on|off (default: on when a file is named).
//   SYNCLAB_PLACEMENT, SYNCLAB_PLACEMENT_THREADS, SYNCLAB_PIN   threads.hpp.
//   SYNCLAB_INTERPOSE_LIST=1  print the menu as JSON and exit 0.
//
// Entry points: pthread_mutex_{init,destroy,lock,trylock,timedlock,clocklock,
// unlock}, pthread_cond_{init,destroy,wait,timedwait,clockwait,signal,
// broadcast} (unversioned: they bind every versioned reference, GLIBC_2.2.5
// and GLIBC_2.3.2 alike), glibc's exported __pthread_mutex_* aliases, and
// pthread_create (threads.cpp).
//
// Start-up: the first call into any entry point, or the library constructor,
// whichever comes first (libraries loaded after us may run their constructors
// before ours), resolves glibc's functions and selects the lock. A thread that
// re-enters an entry point while it is doing that (a plugin's constructor
// locking a mutex) is served by glibc's functions; other threads wait.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "condvar.hpp"
#include "lock_menu.hpp"
#include "mcs_nodes.hpp"
#include "mutex_impl.hpp"
#include "report.hpp"
#include "slab.hpp"
#include "stats.hpp"
#include "synclab/interpose/plugin_loader.hpp"
#include "threads.hpp"

namespace synclab::interpose {

RealPthread g_real{};

namespace {

std::atomic<const MutexOps*> g_ops{nullptr};
std::atomic<int> g_state{0};  // 0 not started, 1 selecting, 2 ready
__attribute__((tls_model("initial-exec"))) thread_local bool tls_selecting = false;
const MutexOps* g_bootstrap = nullptr;  // glibc's, for re-entry during selection

const MutexForWait g_for_wait{
    [](pthread_mutex_t* m, std::uint32_t* saved) { return g_ops.load(std::memory_order_relaxed)->release_for_wait(m, saved); },
    [](pthread_mutex_t* m, std::uint32_t saved, const void* caller) {
      return g_ops.load(std::memory_order_relaxed)->reacquire_after_wait(m, saved, caller);
    }};

std::string allowed_names() {
  std::string names;
  for (const MenuEntry& e : lock_menu())
    if (e.allowed) names += (names.empty() ? "" : ", ") + e.name;
  return names;
}

const MutexOps* choose(const char* requested) {
  if (requested == nullptr || *requested == '\0')
    fail_usage("SYNCLAB_LOCK is not set: name the lock every pthread mutex should use (%s), or the path of a "
               "lock plugin",
               allowed_names().c_str());
  if (names_a_plugin(requested)) {
    try {
      return plugin_ops(load_lock_plugin(requested));
    } catch (const std::exception& e) {
      fail_usage("SYNCLAB_LOCK=%s: %s", requested, e.what());
    }
  }
  for (const MenuEntry& e : lock_menu()) {
    if (e.name != requested) continue;
    if (!e.allowed) fail_usage("SYNCLAB_LOCK=%s is refused: %s", requested, e.note.c_str());
    return e.ops;
  }
  fail_usage("SYNCLAB_LOCK=%s: no such lock (allowed: %s; or the path of a lock plugin)", requested,
             allowed_names().c_str());
}

bool env_on_off(const char* name, bool fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  if (std::strcmp(v, "on") == 0 || std::strcmp(v, "1") == 0) return true;
  if (std::strcmp(v, "off") == 0 || std::strcmp(v, "0") == 0) return false;
  fail_usage("%s=%s: expected on or off", name, v);
}

void atfork_prepare() noexcept { slab_atfork_prepare(); }
void atfork_parent() noexcept { slab_atfork_release(); }
void atfork_child() noexcept {
  slab_atfork_release();
  stats_atfork_child();
}

[[noreturn]] void print_menu(const MutexOps* selected);

const MutexOps* select_lock() noexcept {
  if (const char* list = std::getenv("SYNCLAB_INTERPOSE_LIST"); list != nullptr && *list != '\0') {
    const char* lock = std::getenv("SYNCLAB_LOCK");
    print_menu(lock != nullptr && *lock != '\0' ? choose(lock) : nullptr);
  }
  resolve_real(g_real);
  static const MutexOps bootstrap = GlibcMutex::ops();
  g_bootstrap = &bootstrap;
  tls_selecting = true;
  const char* out = std::getenv("SYNCLAB_INTERPOSE_OUT");
  stats_configure(env_on_off("SYNCLAB_INTERPOSE_STATS", out != nullptr && *out != '\0'));
  const MutexOps* ops = choose(std::getenv("SYNCLAB_LOCK"));
  ::pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
  tls_selecting = false;
  return ops;
}

}  // namespace

// The table of the selected lock, selecting it on first use.
const MutexOps* ready_ops() noexcept {
  const MutexOps* ops = g_ops.load(std::memory_order_acquire);
  if (ops != nullptr) [[likely]]
    return ops;
  if (tls_selecting) return g_bootstrap;
  int state = 0;
  if (g_state.compare_exchange_strong(state, 1, std::memory_order_acq_rel)) {
    ops = select_lock();
    g_ops.store(ops, std::memory_order_release);
    g_state.store(2, std::memory_order_release);
    return ops;
  }
  while ((ops = g_ops.load(std::memory_order_acquire)) == nullptr) ::sched_yield();
  return ops;
}

namespace {

std::string json_text(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The menu as JSON; with SYNCLAB_LOCK set, also the lock it selects (after the
// same checks as a real start, so a refused lock or a broken plugin fails here).
[[noreturn]] void print_menu(const MutexOps* selected) {
  std::string out = "{";
  if (selected != nullptr)
    out += "\"selected\": {\"name\": " + json_text(selected->lock_name) + ", \"storage\": " +
           json_text(selected->storage) + "},\n ";
  out += "\"locks\": [";
  bool first = true;
  for (const MenuEntry& e : lock_menu()) {
    out += std::string(first ? "" : ",") + "\n  {\"name\": " + json_text(e.name) +
           ", \"allowed\": " + (e.allowed ? "true" : "false") + ", \"sweep_point\": " +
           (e.sweep_point ? "true" : "false") + ", \"storage\": " +
           json_text(e.allowed ? e.ops->storage : "") + ", \"note\": " + json_text(e.note) + "}";
    first = false;
  }
  out += "\n]}\n";
  (void)!::write(1, out.data(), out.size());
  ::_exit(0);
}

// Whether this process is the one the statistics file belongs to: the first
// process to load the interposer marks the environment with its pid, so a
// program it executes (and, by pid, one it forks) writes PATH.<pid>.
bool claim_root() {
  const std::string self = std::to_string(::getpid());
  const char* root = std::getenv("SYNCLAB_INTERPOSE_ROOT");
  if (root != nullptr && *root != '\0') return self == root;
  ::setenv("SYNCLAB_INTERPOSE_ROOT", self.c_str(), 1);
  return true;
}

__attribute__((constructor)) void interposer_start() {
  const MutexOps* ops = ready_ops();
  pinning_setup();
  const char* out = std::getenv("SYNCLAB_INTERPOSE_OUT");
  const char* lock = ops->lock_name;
  static std::string mode;
  mode = ops == lock_menu().front().ops ? "system" : "lock";
  stats_set_output(out, claim_root(), RunDescription{lock, ops->storage, mode.c_str(), &pinning_json});
}

}  // namespace
}  // namespace synclab::interpose

// ---------------------------------------------------------------- entry points

using synclab::interpose::ready_ops;

#define SYNCLAB_EXPORT extern "C" __attribute__((visibility("default")))
#define SYNCLAB_CALLER __builtin_extract_return_addr(__builtin_return_address(0))

SYNCLAB_EXPORT int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* attr) {
  return ready_ops()->init(m, attr, SYNCLAB_CALLER);
}
SYNCLAB_EXPORT int pthread_mutex_destroy(pthread_mutex_t* m) { return ready_ops()->destroy(m); }
SYNCLAB_EXPORT int pthread_mutex_lock(pthread_mutex_t* m) { return ready_ops()->lock(m, SYNCLAB_CALLER); }
SYNCLAB_EXPORT int pthread_mutex_trylock(pthread_mutex_t* m) { return ready_ops()->trylock(m, SYNCLAB_CALLER); }
SYNCLAB_EXPORT int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* abstime) {
  return ready_ops()->timedlock(m, CLOCK_REALTIME, abstime, SYNCLAB_CALLER);
}
SYNCLAB_EXPORT int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const struct timespec* abstime) {
  return ready_ops()->timedlock(m, clock, abstime, SYNCLAB_CALLER);
}
SYNCLAB_EXPORT int pthread_mutex_unlock(pthread_mutex_t* m) { return ready_ops()->unlock(m); }

// glibc still exports these names (GLIBC_2.2.5) for binaries that call them;
// the reserved names are the point.
// NOLINTBEGIN(bugprone-reserved-identifier)
SYNCLAB_EXPORT int __pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* attr) {
  return ready_ops()->init(m, attr, SYNCLAB_CALLER);
}
SYNCLAB_EXPORT int __pthread_mutex_destroy(pthread_mutex_t* m) { return ready_ops()->destroy(m); }
SYNCLAB_EXPORT int __pthread_mutex_lock(pthread_mutex_t* m) { return ready_ops()->lock(m, SYNCLAB_CALLER); }
SYNCLAB_EXPORT int __pthread_mutex_trylock(pthread_mutex_t* m) { return ready_ops()->trylock(m, SYNCLAB_CALLER); }
SYNCLAB_EXPORT int __pthread_mutex_unlock(pthread_mutex_t* m) { return ready_ops()->unlock(m); }
// NOLINTEND(bugprone-reserved-identifier)

namespace {

using synclab::interpose::g_real;

bool own_condvar(const synclab::interpose::MutexOps* ops) { return ops->own_condvar; }

}  // namespace

SYNCLAB_EXPORT int pthread_cond_init(pthread_cond_t* c, const pthread_condattr_t* attr) {
  const auto* ops = ready_ops();
  return own_condvar(ops) ? synclab::interpose::cond_init(c, attr) : g_real.cond_init(c, attr);
}
SYNCLAB_EXPORT int pthread_cond_destroy(pthread_cond_t* c) {
  const auto* ops = ready_ops();
  return own_condvar(ops) ? synclab::interpose::cond_destroy(c) : g_real.cond_destroy(c);
}
SYNCLAB_EXPORT int pthread_cond_signal(pthread_cond_t* c) {
  const auto* ops = ready_ops();
  return own_condvar(ops) ? synclab::interpose::cond_signal(c) : g_real.cond_signal(c);
}
SYNCLAB_EXPORT int pthread_cond_broadcast(pthread_cond_t* c) {
  const auto* ops = ready_ops();
  return own_condvar(ops) ? synclab::interpose::cond_broadcast(c) : g_real.cond_broadcast(c);
}
SYNCLAB_EXPORT int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  const auto* ops = ready_ops();
  if (!own_condvar(ops)) return g_real.cond_wait(c, m);
  return synclab::interpose::cond_wait(c, m, synclab::interpose::g_for_wait, -1, nullptr, SYNCLAB_CALLER);
}
SYNCLAB_EXPORT int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* abstime) {
  const auto* ops = ready_ops();
  if (!own_condvar(ops)) return g_real.cond_timedwait(c, m, abstime);
  return synclab::interpose::cond_wait(c, m, synclab::interpose::g_for_wait, -1, abstime, SYNCLAB_CALLER);
}
SYNCLAB_EXPORT int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock,
                                          const struct timespec* abstime) {
  const auto* ops = ready_ops();
  if (!own_condvar(ops)) return g_real.cond_clockwait(c, m, clock, abstime);
  if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
  return synclab::interpose::cond_wait(c, m, synclab::interpose::g_for_wait, clock, abstime, SYNCLAB_CALLER);
}

// The selected lock's name, for tests that must know the interposer is in
// the process (a test that passed under glibc's own mutex would prove nothing).
SYNCLAB_EXPORT const char* synclab_interpose_lock_name() { return ready_ops()->lock_name; }
