// interpose_test.cpp — a program that uses pthread mutexes and condition
// variables the way real programs do, run under libsynclab_interpose.so with
// one lock per ctest entry (tests/interpose/CMakeLists.txt).
//
// It checks what a program relies on: mutual exclusion (static and dynamic
// mutexes, std::mutex, several held at once, unlocked by another thread),
// trylock and timed-lock results, the static initialisers of every kind,
// condition variables (no lost wake-up, no return without a wake, broadcast,
// timeouts on both clocks, libstdc++'s clock waits), destruction right after
// the last unlock or broadcast, fork, and a thread that exits holding a mutex.
// The first test proves the interposer is in the process with the expected
// lock: a pass under glibc's own mutex would prove nothing.
//
// Every wait is bounded (a stuck test fails by its deadline, and ctest's
// TIMEOUT stops the rest).
#include <dlfcn.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

timespec deadline_in(std::chrono::nanoseconds d, clockid_t clock = CLOCK_REALTIME) {
  timespec now{};
  clock_gettime(clock, &now);
  const long long ns = static_cast<long long>(now.tv_sec) * 1'000'000'000 + now.tv_nsec + d.count();
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

// Runs `body` on `n` threads and joins them.
void on_threads(int n, const std::function<void(int)>& body) {
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back(body, i);
  for (auto& t : threads) t.join();
}

// Holds `m` on another thread until release() (for EBUSY / ETIMEDOUT checks).
class HeldElsewhere {
 public:
  explicit HeldElsewhere(pthread_mutex_t* m) : m_(m), holder_([this] {
    EXPECT_EQ(pthread_mutex_lock(m_), 0);
    held_.store(true);
    while (!release_.load()) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(pthread_mutex_unlock(m_), 0);
  }) {
    while (!held_.load()) std::this_thread::sleep_for(100us);
  }
  void release() {
    release_.store(true);
    if (holder_.joinable()) holder_.join();
  }
  ~HeldElsewhere() { release(); }

 private:
  pthread_mutex_t* m_;
  std::atomic<bool> held_{false}, release_{false};
  std::thread holder_;
};

TEST(Interposer, IsActiveWithTheExpectedLock) {
  using NameFn = const char* (*)();
  auto name = reinterpret_cast<NameFn>(dlsym(RTLD_DEFAULT, "synclab_interpose_lock_name"));
  ASSERT_NE(name, nullptr) << "libsynclab_interpose.so is not loaded (LD_PRELOAD)";
  const char* expected = std::getenv("SYNCLAB_EXPECT_LOCK");
  ASSERT_NE(expected, nullptr) << "the test entry must say which lock it expects";
  EXPECT_STREQ(name(), expected);
}

// One critical section: it must find nobody else inside, and its
// read-pause-write of a plain counter loses increments whenever two overlap.
template <class Lock, class Unlock>
void exclusive_increment(Lock lock, Unlock unlock, long& counter, std::atomic<int>& inside,
                         std::atomic<long>& overlaps) {
  lock();
  if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
  const long seen = counter;
  for (int spin = 0; spin < 20; ++spin) asm volatile("" ::: "memory");
  counter = seen + 1;
  inside.fetch_sub(1);
  unlock();
}

TEST(Mutex, MutualExclusionStaticDynamicAndStd) {
  static pthread_mutex_t fixed = PTHREAD_MUTEX_INITIALIZER;
  auto* dynamic = new pthread_mutex_t;
  ASSERT_EQ(pthread_mutex_init(dynamic, nullptr), 0);
  std::mutex standard;
  // At least 200 ms: threads that share one CPU (a loaded machine) must still
  // be preempted inside a section now and then.
  constexpr int kThreads = 2;
  const auto until = Clock::now() + 200ms;
  long a = 0, b = 0, c = 0;  // plain: only the locks order them
  std::atomic<int> in_a{0}, in_b{0}, in_c{0}, ready{0};
  std::atomic<long> overlaps{0}, rounds{0};
  on_threads(kThreads, [&](int) {
    ready.fetch_add(1);
    while (ready.load() < kThreads) {  // start together, so the sections do meet
    }
    for (long i = 0; i < 20000 || Clock::now() < until; ++i) {
      rounds.fetch_add(1, std::memory_order_relaxed);
      exclusive_increment([&] { pthread_mutex_lock(&fixed); }, [&] { pthread_mutex_unlock(&fixed); }, a, in_a,
                          overlaps);
      exclusive_increment([&] { pthread_mutex_lock(dynamic); }, [&] { pthread_mutex_unlock(dynamic); }, b, in_b,
                          overlaps);
      exclusive_increment([&] { standard.lock(); }, [&] { standard.unlock(); }, c, in_c, overlaps);
    }
  });
  EXPECT_EQ(overlaps.load(), 0) << "critical sections overlapped";
  EXPECT_EQ(a, rounds.load());
  EXPECT_EQ(b, rounds.load());
  EXPECT_EQ(c, rounds.load());
  EXPECT_EQ(pthread_mutex_destroy(dynamic), 0);
  delete dynamic;
}

TEST(Mutex, ManyHeldAtOnceReleasedInAnyOrder) {
  constexpr int kMutexes = 8, kThreads = 2, kRounds = 3000;
  std::vector<pthread_mutex_t> m(kMutexes);
  for (auto& x : m) pthread_mutex_init(&x, nullptr);
  std::vector<long> counts(kMutexes, 0);
  on_threads(kThreads, [&](int seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::vector<int> order(kMutexes);
    for (int r = 0; r < kRounds; ++r) {
      for (int i = 0; i < kMutexes; ++i) pthread_mutex_lock(&m[static_cast<std::size_t>(i)]);  // one order: no deadlock
      for (int i = 0; i < kMutexes; ++i) ++counts[static_cast<std::size_t>(i)];
      for (int i = 0; i < kMutexes; ++i) order[static_cast<std::size_t>(i)] = i;
      std::shuffle(order.begin(), order.end(), rng);
      for (const int i : order) pthread_mutex_unlock(&m[static_cast<std::size_t>(i)]);
    }
  });
  for (const long n : counts) EXPECT_EQ(n, kThreads * kRounds);
  for (auto& x : m) EXPECT_EQ(pthread_mutex_destroy(&x), 0);
}

TEST(Mutex, UnlockedByAnotherThreadThenUsable) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  std::thread([&] { ASSERT_EQ(pthread_mutex_lock(&m), 0); }).join();
  std::thread([&] { EXPECT_EQ(pthread_mutex_unlock(&m), 0); }).join();  // glibc allows it for normal mutexes
  EXPECT_EQ(pthread_mutex_trylock(&m), 0);
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
}

TEST(Mutex, DestroyAndFreeRightAfterTheLastUnlock) {
  struct Shared {
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    int users = 2;
  };
  for (int round = 0; round < 2000; ++round) {
    auto* s = new Shared;
    auto leave = [s] {
      pthread_mutex_lock(&s->m);
      const bool last = --s->users == 0;
      pthread_mutex_unlock(&s->m);
      if (last) {
        pthread_mutex_destroy(&s->m);
        delete s;  // the other thread may still be inside its unlock
      }
    };
    std::thread t(leave);
    leave();
    t.join();
  }
}

TEST(Trylock, BusyWhenHeldElsewhereAndTakenWhenFree) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  {
    HeldElsewhere held(&m);
    EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY);
  }
  EXPECT_EQ(pthread_mutex_trylock(&m), 0);
  std::thread([&] { EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY); }).join();
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
}

TEST(Timedlock, TimesOutOnlyAfterTheDeadline) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  HeldElsewhere held(&m);
  for (const clockid_t clock : {CLOCK_REALTIME, CLOCK_MONOTONIC}) {
    const auto start = Clock::now();
    const timespec when = deadline_in(100ms, clock);
    const int r = clock == CLOCK_REALTIME ? pthread_mutex_timedlock(&m, &when) : pthread_mutex_clocklock(&m, clock, &when);
    const auto waited = Clock::now() - start;
    EXPECT_EQ(r, ETIMEDOUT);
    EXPECT_GE(waited, 95ms);
    EXPECT_LT(waited, 5s);
  }
  const timespec bad_nsec{time(nullptr) + 10, 1'000'000'000};
  EXPECT_EQ(pthread_mutex_timedlock(&m, &bad_nsec), EINVAL);
  const timespec fine = deadline_in(1s, CLOCK_MONOTONIC);
  EXPECT_EQ(pthread_mutex_clocklock(&m, CLOCK_PROCESS_CPUTIME_ID, &fine), EINVAL);
}

TEST(Timedlock, AcquiresWhenReleasedBeforeTheDeadline) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  HeldElsewhere held(&m);
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    held.release();
  });
  const timespec when = deadline_in(5s);
  EXPECT_EQ(pthread_mutex_timedlock(&m, &when), 0);
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
  releaser.join();
  const timespec free_now = deadline_in(-1s);  // in the past: a free mutex is still taken
  EXPECT_EQ(pthread_mutex_timedlock(&m, &free_now), 0);
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
}

TEST(Timedlock, StdTimedMutexUsesClockLock) {
  std::timed_mutex t;
  std::unique_lock first(t);
  std::thread([&] {
    const auto start = Clock::now();
    EXPECT_FALSE(t.try_lock_for(60ms));
    EXPECT_GE(Clock::now() - start, 55ms);
  }).join();
  first.unlock();
  std::thread([&] {
    EXPECT_TRUE(t.try_lock_for(1s));
    t.unlock();
  }).join();
}

// Static storage, as such initialisers usually are (and an address of its
// own, so the statistics file shows the kind: check_stats_file.py).
TEST(StaticInit, RecursiveInitializer) {
  static pthread_mutex_t m = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
  ASSERT_EQ(pthread_mutex_lock(&m), 0);
  ASSERT_EQ(pthread_mutex_lock(&m), 0);
  ASSERT_EQ(pthread_mutex_trylock(&m), 0);
  std::thread([&] { EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY); }).join();
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
  std::thread([&] {
    EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY);
    EXPECT_EQ(pthread_mutex_unlock(&m), EPERM);  // not the owner
  }).join();
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
  std::thread([&] {
    EXPECT_EQ(pthread_mutex_trylock(&m), 0);
    EXPECT_EQ(pthread_mutex_unlock(&m), 0);
  }).join();
}

TEST(StaticInit, ErrorCheckInitializer) {
  static pthread_mutex_t m = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
  EXPECT_EQ(pthread_mutex_unlock(&m), EPERM);  // not locked
  ASSERT_EQ(pthread_mutex_lock(&m), 0);
  EXPECT_EQ(pthread_mutex_lock(&m), EDEADLK);
  EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY);
  std::thread([&] { EXPECT_EQ(pthread_mutex_unlock(&m), EPERM); }).join();
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
  EXPECT_EQ(pthread_mutex_unlock(&m), EPERM);
}

TEST(StaticInit, AdaptiveInitializerExcludes) {
  static pthread_mutex_t m = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
  long n = 0;
  on_threads(2, [&](int) {
    for (int i = 0; i < 10000; ++i) {
      pthread_mutex_lock(&m);
      ++n;
      pthread_mutex_unlock(&m);
    }
  });
  EXPECT_EQ(n, 20000);
}

TEST(Attributes, RecursiveAndErrorCheckThroughInit) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_t r;
  ASSERT_EQ(pthread_mutex_init(&r, &attr), 0);
  EXPECT_EQ(pthread_mutex_lock(&r), 0);
  EXPECT_EQ(pthread_mutex_lock(&r), 0);
  EXPECT_EQ(pthread_mutex_destroy(&r), EBUSY);
  EXPECT_EQ(pthread_mutex_unlock(&r), 0);
  EXPECT_EQ(pthread_mutex_unlock(&r), 0);
  EXPECT_EQ(pthread_mutex_destroy(&r), 0);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_t e;
  ASSERT_EQ(pthread_mutex_init(&e, &attr), 0);
  EXPECT_EQ(pthread_mutex_lock(&e), 0);
  EXPECT_EQ(pthread_mutex_lock(&e), EDEADLK);
  EXPECT_EQ(pthread_mutex_unlock(&e), 0);
  EXPECT_EQ(pthread_mutex_destroy(&e), 0);
  pthread_mutexattr_destroy(&attr);
}

TEST(Attributes, RobustMutexIsGlibcs) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_t m;
  ASSERT_EQ(pthread_mutex_init(&m, &attr), 0);
  pthread_mutexattr_destroy(&attr);
  std::thread([&] { ASSERT_EQ(pthread_mutex_lock(&m), 0); }).join();  // dies holding it
  ASSERT_EQ(pthread_mutex_lock(&m), EOWNERDEAD);
  EXPECT_EQ(pthread_mutex_consistent(&m), 0);
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
  EXPECT_EQ(pthread_mutex_destroy(&m), 0);
}

// A wait that times out was lost when the other side never took its turn in
// 2 s, or took it (and signalled) long before the timeout: the signal reached
// a blocked waiter and did not wake it. Judging only the first would let two
// nearly simultaneous timeouts hide every lost signal.
TEST(Condvar, NoLostWakeupInPingPong) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  constexpr int kRounds = 5000;
  int turn = 0;  // whose turn: 0 or 1
  Clock::time_point turned_at = Clock::now();
  bool abandoned = false;
  on_threads(2, [&](int me) {
    pthread_mutex_lock(&m);
    for (int i = 0; i < kRounds && !abandoned; ++i) {
      while (turn != me && !abandoned) {
        const timespec t = deadline_in(2s);
        if (pthread_cond_timedwait(&c, &m, &t) != ETIMEDOUT || abandoned) continue;
        if (turn != me || Clock::now() - turned_at > 1s) {
          ADD_FAILURE() << "a wake-up was lost: thread " << me << " waited 2 s at round " << i
                        << (turn == me ? " after its turn came" : "");
          abandoned = true;  // the other side stops too
        }
      }
      turn = 1 - me;
      turned_at = Clock::now();
      pthread_cond_signal(&c);
    }
    pthread_mutex_unlock(&m);
  });
  EXPECT_EQ(pthread_cond_destroy(&c), 0);
}

TEST(Condvar, BroadcastWakesEveryWaiter) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  constexpr int kWaiters = 4;
  int waiting = 0;
  bool go = false;
  std::atomic<int> woken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      pthread_mutex_lock(&m);
      ++waiting;
      while (!go) {
        const timespec t = deadline_in(5s);
        if (pthread_cond_timedwait(&c, &m, &t) == ETIMEDOUT) break;
      }
      if (go) woken.fetch_add(1);
      pthread_mutex_unlock(&m);
    });
  }
  for (;;) {
    pthread_mutex_lock(&m);
    const bool all = waiting == kWaiters;
    if (all) {
      go = true;
      pthread_cond_broadcast(&c);
    }
    pthread_mutex_unlock(&m);
    if (all) break;
    std::this_thread::sleep_for(1ms);
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(woken.load(), kWaiters);
}

TEST(Condvar, TimedWaitTimesOutWithoutASignal) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_mutex_lock(&m);
  auto start = Clock::now();
  timespec t = deadline_in(100ms);
  EXPECT_EQ(pthread_cond_timedwait(&c, &m, &t), ETIMEDOUT);
  EXPECT_GE(Clock::now() - start, 95ms);
  EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY) << "the mutex must be held again after the wait";
  // Monotonic, through the condvar's attribute and through clockwait.
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_t mono;
  ASSERT_EQ(pthread_cond_init(&mono, &attr), 0);
  pthread_condattr_destroy(&attr);
  start = Clock::now();
  t = deadline_in(80ms, CLOCK_MONOTONIC);
  EXPECT_EQ(pthread_cond_timedwait(&mono, &m, &t), ETIMEDOUT);
  EXPECT_GE(Clock::now() - start, 75ms);
  start = Clock::now();
  t = deadline_in(80ms, CLOCK_MONOTONIC);
  EXPECT_EQ(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t), ETIMEDOUT);
  EXPECT_GE(Clock::now() - start, 75ms);
  const timespec past = deadline_in(-1s);
  EXPECT_EQ(pthread_cond_timedwait(&c, &m, &past), ETIMEDOUT);
  const timespec bad{time(nullptr) + 10, -1};
  EXPECT_EQ(pthread_cond_timedwait(&c, &m, &bad), EINVAL);
  pthread_mutex_unlock(&m);
  EXPECT_EQ(pthread_cond_destroy(&mono), 0);
}

TEST(Condvar, StdConditionVariableWaitFor) {
  std::mutex m;
  std::condition_variable c;
  std::unique_lock lock(m);
  const auto start = Clock::now();
  EXPECT_EQ(c.wait_for(lock, 60ms), std::cv_status::timeout);  // pthread_cond_clockwait in libstdc++
  EXPECT_GE(Clock::now() - start, 55ms);
  bool ready = false;
  std::thread t([&] {
    std::this_thread::sleep_for(20ms);
    const std::lock_guard g(m);
    ready = true;
    c.notify_one();
  });
  EXPECT_TRUE(c.wait_for(lock, 5s, [&] { return ready; }));
  lock.unlock();
  t.join();
}

void ignore_signal(int) {}

// A single wait, no predicate loop: it must not return while nobody signals,
// even when a POSIX signal interrupts its sleep, nor because of a signal sent
// before it started.
TEST(Condvar, NoReturnWithoutAWake) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  struct sigaction action{};
  action.sa_handler = ignore_signal;  // no SA_RESTART: the futex sleep sees EINTR
  struct sigaction previous{};
  sigaction(SIGUSR1, &action, &previous);
  pthread_cond_signal(&c);  // nobody waits yet: must not be remembered
  pthread_cond_broadcast(&c);
  std::atomic<bool> waiting{false}, returned{false};
  std::thread waiter([&] {
    pthread_mutex_lock(&m);
    waiting.store(true);
    pthread_cond_wait(&c, &m);
    returned.store(true);
    pthread_mutex_unlock(&m);
  });
  while (!waiting.load()) std::this_thread::sleep_for(100us);
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(20ms);
    pthread_kill(waiter.native_handle(), SIGUSR1);
  }
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(returned.load()) << "pthread_cond_wait returned with no signal or broadcast";
  const auto give_up = Clock::now() + 5s;
  while (!returned.load() && Clock::now() < give_up) {
    pthread_mutex_lock(&m);
    pthread_cond_signal(&c);
    pthread_mutex_unlock(&m);
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(returned.load()) << "a signalled waiter did not return";
  if (!returned.load()) pthread_kill(waiter.native_handle(), SIGKILL);
  waiter.join();
  sigaction(SIGUSR1, &previous, nullptr);
}

// POSIX allows pthread_cond_destroy as soon as no thread is blocked on it,
// while the woken waiters are still on their way out; the memory is freed at
// once (AddressSanitizer reports any later access).
TEST(Condvar, DestroyAndFreeRightAfterBroadcast) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  for (int round = 0; round < 100; ++round) {
    auto* c = new pthread_cond_t;
    pthread_cond_init(c, nullptr);
    int waiting = 0;
    bool go = false;
    std::vector<std::thread> waiters;
    for (int i = 0; i < 2; ++i) {
      waiters.emplace_back([&] {
        pthread_mutex_lock(&m);
        ++waiting;
        while (!go) pthread_cond_wait(c, &m);
        pthread_mutex_unlock(&m);
      });
    }
    for (bool all = false; !all;) {
      pthread_mutex_lock(&m);
      all = waiting == 2;
      if (all) {
        go = true;
        pthread_cond_broadcast(c);
      }
      pthread_mutex_unlock(&m);
      if (!all) std::this_thread::yield();
    }
    EXPECT_EQ(pthread_cond_destroy(c), 0);
    delete c;
    for (auto& t : waiters) t.join();
  }
}

TEST(Fork, ChildLocksWaitsAndStartsThreads) {
  static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
  static pthread_mutex_t idle = PTHREAD_MUTEX_INITIALIZER;
  std::atomic<bool> stop{false};
  std::vector<std::thread> hammer;
  for (int i = 0; i < 2; ++i) {
    hammer.emplace_back([&] {
      while (!stop.load()) {
        pthread_mutex_lock(&busy);
        auto* fresh = new pthread_mutex_t;  // the interposer allocates on the side too
        pthread_mutex_init(fresh, nullptr);
        pthread_mutex_lock(fresh);
        pthread_mutex_unlock(fresh);
        pthread_mutex_destroy(fresh);
        delete fresh;
        pthread_mutex_unlock(&busy);
      }
    });
  }
  std::this_thread::sleep_for(20ms);
  const pid_t child = fork();
  if (child == 0) {
    alarm(10);  // a hang in the child ends it with SIGALRM
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    bool ok = pthread_mutex_lock(&idle) == 0 && pthread_mutex_unlock(&idle) == 0;
    ok = ok && pthread_mutex_lock(&fresh) == 0;
    const timespec t = deadline_in(10ms);
    ok = ok && pthread_cond_timedwait(&c, &fresh, &t) == ETIMEDOUT;
    ok = ok && pthread_mutex_unlock(&fresh) == 0;
    int from_thread = 0;
#ifndef __SANITIZE_ADDRESS__
    // Under AddressSanitizer a thread started in the child may reuse the stack
    // of a parent thread that did not exist here, whose shadow still holds the
    // parent's frames: ASan then reports its own stale redzones (it does so
    // without the interposer too). The thread is left out there.
    std::thread([&] {
      auto* m = new pthread_mutex_t;
      pthread_mutex_init(m, nullptr);
      from_thread = pthread_mutex_lock(m) == 0 && pthread_mutex_unlock(m) == 0 ? 0 : 1;
      pthread_mutex_destroy(m);
      delete m;
    }).join();
#endif
    _exit(ok && from_thread == 0 ? 0 : 1);
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  stop.store(true);
  for (auto& t : hammer) t.join();
  ASSERT_TRUE(WIFEXITED(status)) << "the child died (signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A thread locks `m` and leaves with pthread_exit, never unlocking it.
void exit_holding(pthread_mutex_t* m) {
  std::thread([m] {
    pthread_mutex_lock(m);
    pthread_exit(nullptr);
  }).join();
}

TEST(ThreadExit, HoldingANormalMutex) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  exit_holding(&m);
  EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY);
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);  // by another thread: glibc allows it
  EXPECT_EQ(pthread_mutex_lock(&m), 0);
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
}

TEST(ThreadExit, HoldingAnErrorCheckMutex) {
  pthread_mutex_t m = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
  exit_holding(&m);
  EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY);
  EXPECT_EQ(pthread_mutex_unlock(&m), EPERM);
  const timespec t = deadline_in(20ms);
  EXPECT_EQ(pthread_mutex_timedlock(&m, &t), ETIMEDOUT);
}

}  // namespace
