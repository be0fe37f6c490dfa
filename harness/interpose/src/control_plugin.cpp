// control_plugin.cpp — libsynclab_control_plugin.so: the catalogue's
// futex_mutex3 behind the lock plugin ABI (synclab/harness/lock_plugin.h),
// named futex_mutex3_abi.
//
// Run beside a user's plugin (run_suite --plugin adds it), it is the control
// of the comparison: the same lock measured directly (futex_mutex3, its
// operations inlined into the benchmark) and through the ABI (an indirect
// call into a shared library per operation), so the cost of the function
// pointers is read from the difference, not guessed, and a plugin's numbers
// can be read against a lock whose direct numbers are known.
#include <new>

#include "synclab/harness/lock_plugin.h"
#include "synclab/locks/futex_mutex3.hpp"

namespace {

using Lock = synclab::locks::FutexMutex3;

void init(void* p) { new (p) Lock; }
void destroy(void* p) { static_cast<Lock*>(p)->~Lock(); }
void lock(void* p) { static_cast<Lock*>(p)->lock(); }
int trylock(void* p) { return static_cast<Lock*>(p)->try_lock() ? 1 : 0; }
void unlock(void* p) { static_cast<Lock*>(p)->unlock(); }

constexpr synclab_lock_plugin kTable{
    SYNCLAB_LOCK_PLUGIN_ABI_VERSION,
    SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK | SYNCLAB_LOCK_ZERO_IS_UNLOCKED | SYNCLAB_LOCK_UNLOCK_ANY_THREAD,
    "futex_mutex3_abi",
    sizeof(Lock),
    alignof(Lock),
    init,
    destroy,
    lock,
    trylock,
    unlock,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const synclab_lock_plugin* synclab_lock_plugin_v1() {
  return &kTable;
}
