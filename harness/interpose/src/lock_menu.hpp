// lock_menu.hpp — which locks SYNCLAB_LOCK may name, and why the others are
// refused (docs/apps.md, "Which locks").
//
// Every lock of the catalogue (synclab/locks/catalog.hpp) is on the menu, with
// a verdict decided by its type, so a lock added to the catalogue appears here
// without an edit: allowed, with the storage it gets (inside the mutex or in
// a block beside it), or refused with the reason. A lock is refused when it
// cannot serve as a pthread mutex in an arbitrary program:
//   - it supports a bounded number of threads (a `max_threads` member);
//   - it allocates with the program's allocator inside its constructor or its
//     lock operations (Anderson's slot array, CLH's queue elements): the
//     interposer may create a lock from inside pthread_mutex_lock, where an
//     allocator that locks pthread mutexes would re-enter it, and a program
//     that frees its mutexes without destroying them would leak each one;
//   - it finds its queue node through a C++ thread_local cache
//     (WithThreadLocalNode) that thread-exit code may outlive: MCS runs
//     instead with the interposer's own node pools (mcs_nodes.hpp).
// Every lock of the catalogue may be destroyed right after its last unlock
// (the lifetime tests of tests/primitives); pthread_mutex_destroy relies on it.
// A plugin is allowed when its table declares SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK.
#pragma once

#include <string>
#include <vector>

#include "mutex_ops.hpp"
#include "synclab/interpose/plugin_loader.hpp"

namespace synclab::interpose {

// The system mutex's name on the menu: glibc's mutexes and condvars, with
// the same statistics and pinning as every other lock.
inline constexpr const char* kSystemMutex = "pthread_mutex";

struct MenuEntry {
  std::string name;
  bool allowed = false;
  std::string note;  // refused: why; allowed: where it lives
  bool sweep_point = false;
  const MutexOps* ops = nullptr;  // allowed only
};

// The system mutex first, then the catalogue in its order.
const std::vector<MenuEntry>& lock_menu();

// The ops of a plugin's lock; throws PluginError when the interposer cannot
// use it (the reason in the message).
const MutexOps* plugin_ops(const LoadedPlugin& plugin);

}  // namespace synclab::interpose
