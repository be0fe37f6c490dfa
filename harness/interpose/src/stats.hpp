// stats.hpp — what the interposer counts, and how counting stays out of the
// way of what it counts.
//
// Per mutex address, a MutexRecord (created on the mutex's first use, kept for
// the life of the process in the interposer's own memory, so a mutex freed
// without pthread_mutex_destroy leaves nothing dangling): acquisitions,
// contended acquisitions, handoffs (an acquisition by a thread other than the
// previous acquirer), the wait of each contended acquisition (a log-linear
// histogram), and the call site that created it (pthread_mutex_init's caller,
// or the first locker's for a statically initialised mutex).
//
// Cost on the uncontended path: no shared write. The acquisition and handoff
// counts go to a per-thread table of the mutexes the thread used recently
// (direct-mapped, folded into the record when an entry is evicted and when the
// thread exits); the last acquirer's id is a store into the mutex's own words,
// whose line the holder already owns. Contended acquisitions (a try first
// failed) read the clock twice and add to the record with atomics: that path
// waited anyway.
// Cost switched off: SYNCLAB_INTERPOSE_STATS=off makes every lock call the
// lock's own lock() (no try first, no clock).
//
// The file: SYNCLAB_INTERPOSE_OUT, written at exit as JSON (docs/apps.md,
// "Interposer statistics"). A process forked or executed below the one that
// first loaded the interposer writes PATH.<pid> instead, so the program's own
// file is never overwritten by a child.
#pragma once

#include <atomic>
#include <cstdint>

#include "mutex_words.hpp"

namespace synclab::interpose {

struct WaitHistogram;

// Per address: a mutex created where another one lived takes its record over
// (kind and call site become the new mutex's; the counts add up), which keeps
// the records bounded by the addresses in use, however many mutexes come and go.
struct MutexRecord {
  const void* address = nullptr;
  std::atomic<const void*> call_site{nullptr};  // rewritten on takeover: informative only
  std::atomic<int> kind{0};
  std::atomic<std::uint64_t> acquisitions{0};
  std::atomic<std::uint64_t> contended{0};
  std::atomic<std::uint64_t> handoffs{0};
  std::atomic<std::uint64_t> wait_ns_sum{0};
  std::atomic<std::uint64_t> wait_ns_max{0};
  std::atomic<WaitHistogram*> waits{nullptr};
};

// Events counted per thread (no shared line), summed at exit.
enum class ThreadEvent : int {
  trylock_busy,      // a trylock that found the mutex held
  glibc_owned,       // an acquisition of a mutex glibc owns (robust, PI, PP, shared) in lock mode
  cond_wait,         // a wait that started
  cond_timeout,      // a timed wait that ended by its deadline
  cond_wake,         // a signal or broadcast that found waiters (one futex wake)
  cond_signal_idle,  // a signal or broadcast that found none (no syscall)
  count
};

void stats_configure(bool enabled) noexcept;
[[nodiscard]] bool stats_enabled() noexcept;

// The mutex's record, created (with `call_site`) if it has none yet.
MutexRecord* record_of(MutexWords* w, const void* call_site) noexcept;

// Counts an acquisition by the calling thread, which now holds the mutex.
// `wait_ns` is the time a contended acquisition waited (0 uncontended).
void note_acquired(MutexWords* w, const void* call_site, bool contended, std::uint64_t wait_ns) noexcept;

void note(ThreadEvent event) noexcept;

// The calling thread's kernel thread id (cached; reset in a forked child).
[[nodiscard]] std::uint32_t current_tid() noexcept;

// Thread exit: folds the thread's table into the records and frees it for reuse.
void stats_thread_exit() noexcept;
// fork(): the child's only thread gets its own id again.
void stats_atfork_child() noexcept;

// Written into the file beside the counts.
struct RunDescription {
  const char* lock = "";
  const char* storage = "";
  const char* mode = "";
  const char* (*pinning_json)() = nullptr;  // a JSON object, or null (asked at exit)
};

// Where the file goes (SYNCLAB_INTERPOSE_OUT, else nowhere) and what it says
// about the run; called once at start-up. The file is written by an atexit
// handler registered here.
void stats_set_output(const char* path, bool root_process, RunDescription description) noexcept;

// Writes the file now (also what the exit handler calls). Returns false with
// errno set when it could not be written.
bool stats_write() noexcept;

}  // namespace synclab::interpose
