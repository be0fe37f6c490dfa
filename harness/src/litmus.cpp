#include "synclab/harness/workloads/litmus.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>

#include "synclab/arch/cpu_relax.hpp"
#include "synclab/harness/clock.hpp"
#include "synclab/harness/workloads/pinned_loops.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace synclab::harness {
namespace {

constexpr std::array<std::string_view, 5> kTests = {"sb", "mp", "lb", "iriw", "2+2w"};
constexpr std::array<std::string_view, 3> kOrders = {"relaxed", "rel_acq", "seq_cst"};

enum class Test { sb, mp, lb, iriw, two_plus_two_w };

Test parse_test(std::string_view name) {
  for (std::size_t i = 0; i < kTests.size(); ++i)
    if (kTests[i] == name) return static_cast<Test>(i);
  throw std::invalid_argument("unknown litmus test '" + std::string(name) + "'");
}

int parse_order(std::string_view name) {
  for (std::size_t i = 0; i < kOrders.size(); ++i)
    if (kOrders[i] == name) return static_cast<int>(i);
  throw std::invalid_argument("unknown litmus ordering '" + std::string(name) + "'");
}

// Outcomes that sequential consistency forbids, and under which orderings
// the C++ memory model forbids them too (index: relaxed, rel_acq, seq_cst).
struct Rule {
  std::string_view test;
  std::string_view outcome;
  std::array<bool, 3> forbidden;
};
constexpr std::array<Rule, 5> kRules = {{
    {"sb", "00", {false, false, true}},      // store->load reordering: only seq_cst forbids it
    {"mp", "10", {false, true, true}},       // flag seen, data not: release/acquire forbids it
    {"lb", "11", {false, true, true}},       // each load sees the other's later store
    {"iriw", "1010", {false, false, true}},  // readers disagree on the order of x=1 and y=1
    {"2+2w", "11", {false, false, true}},    // both first stores last in modification order
}};

// ---- timebase -----------------------------------------------------------------
// The timestamp counter lines trials up across cores (litmus7's "timebase"
// synchronisation): cheap to read and, on current x86-64 and arm64, the same
// on every core.
inline std::uint64_t ticks() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#elif defined(__aarch64__)
  std::uint64_t v;
  asm volatile("mrs %0, cntvct_el0" : "=r"(v));
  return v;
#else
  return now_ns();
#endif
}

double ticks_per_ns() {
  static const double rate = [] {
    const std::uint64_t n0 = now_ns(), t0 = ticks();
    while (now_ns() - n0 < 2'000'000) {
    }
    const std::uint64_t n1 = now_ns(), t1 = ticks();
    const double r = static_cast<double>(t1 - t0) / static_cast<double>(n1 - n0);
    return r > 0 ? r : 1.0;
  }();
  return rate;
}

// ---- barrier --------------------------------------------------------------------
// Sense by generation: the last thread to arrive resets the count and bumps
// the generation (release); the others spin on the generation (acquire). So
// everything any thread wrote before arriving is visible to every thread
// after the barrier. With more threads than PUs a waiter yields at once.
class SpinBarrier {
 public:
  SpinBarrier(int threads, bool yield) : threads_(static_cast<std::uint32_t>(threads)), yield_(yield) {}

  void wait() noexcept {
    const std::uint32_t gen = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == threads_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.store(gen + 1, std::memory_order_release);
      return;
    }
    for (std::uint32_t spins = 0; generation_.load(std::memory_order_acquire) == gen; ++spins) {
      if (yield_ || spins > 20'000)
        std::this_thread::yield();
      else
        cpu_relax();
    }
  }

 private:
  alignas(64) std::atomic<std::uint32_t> arrived_{0};
  alignas(64) std::atomic<std::uint32_t> generation_{0};
  const std::uint32_t threads_;
  const bool yield_;
};

// ---- one instance of each test ---------------------------------------------------
struct alignas(64) Cell {
  std::atomic<int> v{0};
};
struct Instance {
  Cell x;
  Cell y;
};

// Instances per round: 16 lined up by the timebase; 256 when threads share
// PUs, where a round costs context switches and alignment is lost anyway.
constexpr int kInstances = 16;
constexpr int kInstancesOversubscribed = 256;

// One thread's loaded values, instance by instance. The slack on both sides
// keeps two threads' registers off each other's lines.
struct Registers {
  static constexpr std::size_t kSlack = 16;  // 16 x 8 bytes = 128 bytes
  explicit Registers(int instances) : values(static_cast<std::size_t>(instances) + 2 * kSlack) {}
  std::array<int, 2>& operator[](int i) { return values[kSlack + static_cast<std::size_t>(i)]; }
  const std::array<int, 2>& operator[](int i) const { return values[kSlack + static_cast<std::size_t>(i)]; }
  std::vector<std::array<int, 2>> values;
};

// LD/ST: the ordering of the test's loads and stores; DLD/DST: of mp's data
// accesses (relaxed under rel_acq).
template <Test T, std::memory_order LD, std::memory_order ST, std::memory_order DLD, std::memory_order DST>
inline void run_instance(int thread, Instance& in, std::array<int, 2>& r) noexcept {
  if constexpr (T == Test::sb) {
    if (thread == 0) {
      in.x.v.store(1, ST);
      r[0] = in.y.v.load(LD);
    } else {
      in.y.v.store(1, ST);
      r[0] = in.x.v.load(LD);
    }
  } else if constexpr (T == Test::mp) {
    if (thread == 0) {
      in.x.v.store(1, DST);
      in.y.v.store(1, ST);
    } else {
      r[0] = in.y.v.load(LD);
      r[1] = in.x.v.load(DLD);
    }
  } else if constexpr (T == Test::lb) {
    if (thread == 0) {
      r[0] = in.x.v.load(LD);
      in.y.v.store(1, ST);
    } else {
      r[0] = in.y.v.load(LD);
      in.x.v.store(1, ST);
    }
  } else if constexpr (T == Test::iriw) {
    if (thread == 0) {
      in.x.v.store(1, ST);
    } else if (thread == 1) {
      in.y.v.store(1, ST);
    } else if (thread == 2) {
      r[0] = in.x.v.load(LD);
      r[1] = in.y.v.load(LD);
    } else {
      r[0] = in.y.v.load(LD);
      r[1] = in.x.v.load(LD);
    }
  } else {  // 2+2w
    if (thread == 0) {
      in.x.v.store(1, ST);
      in.y.v.store(2, ST);
    } else {
      in.y.v.store(1, ST);
      in.x.v.store(2, ST);
    }
  }
}

int bit(int v) { return v != 0 ? 1 : 0; }

// Index of instance i's outcome in litmus_outcomes(test).
template <Test T>
std::size_t decode(const Instance& in, const std::vector<Registers>& regs, int i) {
  if constexpr (T == Test::sb || T == Test::lb) {
    return static_cast<std::size_t>(bit(regs[0][i][0]) * 2 + bit(regs[1][i][0]));
  } else if constexpr (T == Test::mp) {
    return static_cast<std::size_t>(bit(regs[1][i][0]) * 2 + bit(regs[1][i][1]));
  } else if constexpr (T == Test::iriw) {
    return static_cast<std::size_t>(bit(regs[2][i][0]) * 8 + bit(regs[2][i][1]) * 4 + bit(regs[3][i][0]) * 2 +
                                    bit(regs[3][i][1]));
  } else {
    const int x = in.x.v.load(std::memory_order_relaxed), y = in.y.v.load(std::memory_order_relaxed);
    return static_cast<std::size_t>((x == 2 ? 2 : 0) + (y == 2 ? 1 : 0));
  }
}

template <Test T, std::memory_order LD, std::memory_order ST, std::memory_order DLD, std::memory_order DST>
LitmusResult engine(std::string_view test, std::string_view order, const LitmusConfig& cfg) {
  const int n = litmus_threads(test);
  const std::vector<std::string> labels = litmus_outcomes(test);
  std::vector<std::uint64_t> counts(labels.size(), 0);
  std::vector<bool> forbidden(labels.size()), non_sc(labels.size());
  for (std::size_t k = 0; k < labels.size(); ++k) {
    forbidden[k] = litmus_forbidden(test, order, labels[k]);
    non_sc[k] = litmus_non_sc(test, labels[k]);
  }
  std::vector<int> sorted = cfg.pus;
  std::sort(sorted.begin(), sorted.end());
  const bool oversubscribed = std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
  const int per_round = oversubscribed ? kInstancesOversubscribed : kInstances;
  auto instances = std::make_unique<Instance[]>(static_cast<std::size_t>(per_round));
  std::vector<Registers> regs(static_cast<std::size_t>(n), Registers(per_round));
  SpinBarrier barrier(n, oversubscribed);

  const double tpn = ticks_per_ns();
  const auto lead = static_cast<std::uint64_t>(1000 * tpn);  // start 1 us after the barrier
  const auto step = static_cast<std::uint64_t>(150 * tpn);   // one instance every 150 ns
  const std::uint64_t jitter = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(20 * tpn));
  const auto max_wait = static_cast<std::uint64_t>(1'000'000 * tpn);  // a skewed clock never stalls a thread

  struct alignas(64) Control {
    std::uint64_t start = 0;
    bool stop = false;
  } control;
  std::uint64_t trials = 0;
  double elapsed_s = 0;
  std::vector<std::string> errors(static_cast<std::size_t>(n));

  auto worker = [&](int t) {
    try {
      if (cfg.pinner != nullptr) cfg.pinner->pin_current_thread(cfg.pus[static_cast<std::size_t>(t)]);
    } catch (const std::exception& e) {
      errors[static_cast<std::size_t>(t)] = e.what();  // keeps taking part, so nobody waits forever
    }
    std::mt19937_64 rng(cfg.seed + static_cast<std::uint64_t>(t) * 0x9e3779b97f4a7c15ull);
    Registers& mine = regs[static_cast<std::size_t>(t)];
    const std::uint64_t t0 = now_ns();
    const std::uint64_t deadline = t0 + static_cast<std::uint64_t>(cfg.window.count());
    for (;;) {
      if (t == 0) {
        // At least one round, however late the threads got going.
        control.stop = trials > 0 && (now_ns() >= deadline || (cfg.max_trials != 0 && trials >= cfg.max_trials));
        control.start = ticks() + lead;
      }
      barrier.wait();
      if (control.stop) break;
      const std::uint64_t start = control.start;
      for (int i = 0; i < per_round; ++i) {
        std::uint64_t at = start + static_cast<std::uint64_t>(i) * step + rng() % jitter;
        const std::uint64_t now = ticks();
        if (at > now + max_wait) at = now;
        while (ticks() < at) {
        }
        run_instance<T, LD, ST, DLD, DST>(t, instances[i], mine[i]);
      }
      barrier.wait();
      if (t == 0) {
        for (int i = 0; i < per_round; ++i) {
          ++counts[decode<T>(instances[i], regs, i)];
          instances[i].x.v.store(0, std::memory_order_relaxed);
          instances[i].y.v.store(0, std::memory_order_relaxed);
        }
        trials += static_cast<std::uint64_t>(per_round);
      }
    }
    if (t == 0) elapsed_s = static_cast<double>(now_ns() - t0) * 1e-9;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t) threads.emplace_back(worker, t);
  for (std::thread& th : threads) th.join();
  for (const std::string& e : errors)
    if (!e.empty()) throw TopologyError(e);

  LitmusResult result;
  result.trials = trials;
  result.elapsed_s = elapsed_s;
  for (std::size_t k = 0; k < labels.size(); ++k) {
    result.outcomes.emplace_back(labels[k], counts[k]);
    if (forbidden[k]) result.forbidden += counts[k];
    if (non_sc[k] && !forbidden[k]) result.non_sc += counts[k];
  }
  return result;
}

constexpr std::memory_order kRlx = std::memory_order_relaxed;
constexpr std::memory_order kAcq = std::memory_order_acquire;
constexpr std::memory_order kRel = std::memory_order_release;
constexpr std::memory_order kSc = std::memory_order_seq_cst;

template <Test T>
LitmusResult dispatch_order(std::string_view test, std::string_view order, const LitmusConfig& cfg) {
  switch (parse_order(order)) {
    case 0:
      return engine<T, kRlx, kRlx, kRlx, kRlx>(test, order, cfg);
    case 1:
      return engine<T, kAcq, kRel, kRlx, kRlx>(test, order, cfg);
    default:
      return engine<T, kSc, kSc, kSc, kSc>(test, order, cfg);
  }
}

}  // namespace

std::span<const std::string_view> litmus_tests() { return kTests; }
std::span<const std::string_view> litmus_orders() { return kOrders; }

int litmus_threads(std::string_view test) { return parse_test(test) == Test::iriw ? 4 : 2; }

std::vector<std::string> litmus_outcomes(std::string_view test) {
  switch (parse_test(test)) {
    case Test::iriw: {
      std::vector<std::string> v;
      for (int k = 0; k < 16; ++k)
        v.push_back(std::string{char('0' + (k >> 3 & 1)), char('0' + (k >> 2 & 1)), char('0' + (k >> 1 & 1)),
                                char('0' + (k & 1))});
      return v;
    }
    case Test::two_plus_two_w:
      return {"11", "12", "21", "22"};
    default:
      return {"00", "01", "10", "11"};
  }
}

bool litmus_forbidden(std::string_view test, std::string_view order, std::string_view outcome) {
  parse_test(test);
  const int o = parse_order(order);
  for (const Rule& r : kRules)
    if (r.test == test && r.outcome == outcome) return r.forbidden[static_cast<std::size_t>(o)];
  return false;
}

bool litmus_non_sc(std::string_view test, std::string_view outcome) {
  parse_test(test);
  for (const Rule& r : kRules)
    if (r.test == test && r.outcome == outcome) return true;
  return false;
}

std::uint64_t LitmusResult::count(std::string_view outcome) const {
  for (const auto& [label, n] : outcomes)
    if (label == outcome) return n;
  return 0;
}

LitmusResult run_litmus(std::string_view test, std::string_view order, const LitmusConfig& cfg) {
  const Test t = parse_test(test);
  parse_order(order);
  if (static_cast<int>(cfg.pus.size()) != litmus_threads(test))
    throw std::invalid_argument("litmus " + std::string(test) + " needs " + std::to_string(litmus_threads(test)) +
                                " PUs in its plan");
  switch (t) {
    case Test::sb:
      return dispatch_order<Test::sb>(test, order, cfg);
    case Test::mp:
      return dispatch_order<Test::mp>(test, order, cfg);
    case Test::lb:
      return dispatch_order<Test::lb>(test, order, cfg);
    case Test::iriw:
      return dispatch_order<Test::iriw>(test, order, cfg);
    default:
      return dispatch_order<Test::two_plus_two_w>(test, order, cfg);
  }
}

RelaxedSpinlockResult run_relaxed_spinlock(const LitmusConfig& cfg) {
  struct alignas(128) Lock {
    std::atomic<bool> locked{false};
  };
  struct alignas(128) Counter {
    std::atomic<std::uint64_t> value{0};
  };
  auto lock = std::make_unique<Lock>();
  auto counter = std::make_unique<Counter>();
  std::vector<std::function<void(std::uint64_t)>> loops;
  for (std::size_t i = 0; i < cfg.pus.size(); ++i) {
    loops.emplace_back([&lock, &counter](std::uint64_t n) {
      for (std::uint64_t k = 0; k < n; ++k) {
        while (lock->locked.exchange(true, std::memory_order_relaxed)) {
        }
        std::atomic_signal_fence(std::memory_order_acquire);
        const std::uint64_t v = counter->value.load(std::memory_order_relaxed);
        counter->value.store(v + 1, std::memory_order_relaxed);
        std::atomic_signal_fence(std::memory_order_release);
        lock->locked.store(false, std::memory_order_relaxed);
      }
    });
  }
  const LoopCounts counts = run_pinned_loops(cfg.pinner, cfg.pus, loops, cfg.window);
  RelaxedSpinlockResult r;
  r.increments = counts.total();
  r.counter = counter->value.load(std::memory_order_relaxed);
  r.lost = r.increments > r.counter ? r.increments - r.counter : 0;
  r.elapsed_s = counts.elapsed_s;
  return r;
}

}  // namespace synclab::harness
