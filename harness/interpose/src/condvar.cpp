#include "condvar.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "mutex_words.hpp"
#include "stats.hpp"

namespace synclab::interpose {
namespace {

constexpr std::uint32_t kDestroying = 1u << 31;
constexpr std::uint32_t kCount = kDestroying - 1;
constexpr std::uint32_t kMonotonic = 1;
constexpr std::uint32_t kShared = 2;

int private_flag(const CondWords* w) noexcept {
  return (w->flags.load(std::memory_order_relaxed) & kShared) != 0 ? 0 : FUTEX_PRIVATE_FLAG;
}

// Sleeps while *word == expected, until `abstime` on `clock` (null: forever).
// Returns 0 on a wake (or a changed word), else the errno (ETIMEDOUT, EINTR).
int futex_wait_until(std::atomic<std::uint32_t>& word, std::uint32_t expected, int private_flag, clockid_t clock,
                     const struct timespec* abstime) noexcept {
  const int op = FUTEX_WAIT_BITSET | private_flag | (abstime != nullptr && clock == CLOCK_REALTIME ? FUTEX_CLOCK_REALTIME : 0);
  const long r = ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op, expected, abstime, nullptr,
                           FUTEX_BITSET_MATCH_ANY);
  return r == 0 ? 0 : errno;
}

void futex_wake(std::atomic<std::uint32_t>& word, int count, int private_flag) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE | private_flag, count, nullptr, nullptr, 0);
}

int wake(pthread_cond_t* c, int count) noexcept {
  CondWords* w = words(c);
#ifdef SYNCLAB_INTERPOSE_BROKEN_CONDVAR
  if (count == 1) return 0;  // the broken twin: a signal that wakes nobody
#endif
  if ((w->waiters.load(std::memory_order_seq_cst) & kCount) == 0) {
    note(ThreadEvent::cond_signal_idle);
    return 0;
  }
  w->seq.fetch_add(1, std::memory_order_seq_cst);
  note(ThreadEvent::cond_wake);
  futex_wake(w->seq, count, private_flag(w));
  return 0;
}

bool valid_timespec(const struct timespec* t) noexcept {
  return t->tv_nsec >= 0 && t->tv_nsec < 1'000'000'000;
}

}  // namespace

int cond_init(pthread_cond_t* c, const pthread_condattr_t* attr) noexcept {
  CondWords* w = words(c);
  std::uint32_t flags = 0;
  if (attr != nullptr) {
    clockid_t clock = CLOCK_REALTIME;
    int shared = PTHREAD_PROCESS_PRIVATE;
    if (::pthread_condattr_getclock(attr, &clock) != 0 || ::pthread_condattr_getpshared(attr, &shared) != 0)
      return EINVAL;
    if (clock == CLOCK_MONOTONIC) flags |= kMonotonic;
    else if (clock != CLOCK_REALTIME) return EINVAL;
    if (shared == PTHREAD_PROCESS_SHARED) flags |= kShared;
  }
  w->seq.store(0, std::memory_order_relaxed);
  w->waiters.store(0, std::memory_order_relaxed);
  w->flags.store(flags, std::memory_order_release);
  return 0;
}

int cond_destroy(pthread_cond_t* c) noexcept {
  CondWords* w = words(c);
  std::uint32_t now = w->waiters.fetch_or(kDestroying, std::memory_order_seq_cst);
  while ((now & kCount) != 0) {
    futex_wait_until(w->waiters, now | kDestroying, private_flag(w), CLOCK_MONOTONIC, nullptr);
    now = w->waiters.load(std::memory_order_seq_cst);
  }
  w->waiters.store(0, std::memory_order_relaxed);  // every waiter has left: a re-init finds it clean
  return 0;
}

int cond_signal(pthread_cond_t* c) noexcept { return wake(c, 1); }

int cond_broadcast(pthread_cond_t* c) noexcept { return wake(c, INT_MAX); }

int cond_wait(pthread_cond_t* c, pthread_mutex_t* m, const MutexForWait& mutex, clockid_t clock,
              const struct timespec* abstime, const void* caller) noexcept {
  CondWords* w = words(c);
  if (clock < 0) clock = (w->flags.load(std::memory_order_relaxed) & kMonotonic) != 0 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
  if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
  if (abstime != nullptr && !valid_timespec(abstime)) return EINVAL;
  const int flag = private_flag(w);
  w->waiters.fetch_add(1, std::memory_order_seq_cst);
  const std::uint32_t sample = w->seq.load(std::memory_order_seq_cst);
  std::uint32_t saved = 0;
  if (const int r = mutex.release(m, &saved); r != 0) {
    w->waiters.fetch_sub(1, std::memory_order_seq_cst);
    return r;
  }
  note(ThreadEvent::cond_wait);
  int result = 0;
  while (w->seq.load(std::memory_order_seq_cst) == sample) {
    const int e = abstime != nullptr && abstime->tv_sec < 0 ? ETIMEDOUT
                                                            : futex_wait_until(w->seq, sample, flag, clock, abstime);
    if (e == ETIMEDOUT) {
      // A wake that raced with the deadline still counts as a wake.
      if (w->seq.load(std::memory_order_seq_cst) == sample) result = ETIMEDOUT;
      break;
    }
#ifdef SYNCLAB_INTERPOSE_BROKEN_CONDVAR
    if (e == EINTR) break;  // the broken twin: an interrupted sleep returns as if woken
#endif
    if (e != 0 && e != EINTR && e != EAGAIN) {
      result = e;  // the kernel refused the wait (EFAULT, EINVAL): never spin on it
      break;
    }
  }
  if (result == ETIMEDOUT) note(ThreadEvent::cond_timeout);
  const std::uint32_t before = w->waiters.fetch_sub(1, std::memory_order_seq_cst);
  if ((before & kDestroying) != 0 && (before & kCount) == 1) futex_wake(w->waiters, INT_MAX, flag);
  // The condvar is not touched again: it may be destroyed from here on.
  if (const int r = mutex.reacquire(m, saved, caller); r != 0) return r;
  return result;
}

}  // namespace synclab::interpose
