#include "synclab/harness/workloads/ordering.hpp"

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "synclab/harness/workloads/pinned_loops.hpp"

namespace synclab::harness {
namespace {

using Word = std::atomic<std::uint64_t>;
using Loop = void (*)(Word&, std::uint64_t);

constexpr std::memory_order kRelaxed = std::memory_order_relaxed;
constexpr std::memory_order kAcquire = std::memory_order_acquire;
constexpr std::memory_order kRelease = std::memory_order_release;
constexpr std::memory_order kAcqRel = std::memory_order_acq_rel;
constexpr std::memory_order kSeqCst = std::memory_order_seq_cst;

// The strongest failure ordering a compare-exchange with success ordering O
// may have (a failure is a load: no release part).
constexpr std::memory_order failure_order(std::memory_order o) {
  switch (o) {
    case std::memory_order_acquire:
    case std::memory_order_acq_rel:
      return kAcquire;
    case std::memory_order_seq_cst:
      return kSeqCst;
    default:
      return kRelaxed;
  }
}

template <std::memory_order O>
void load_loop(Word& w, std::uint64_t n) {
  keep_address(&w);
  for (std::uint64_t i = 0; i < n; ++i) keep(w.load(O));
}

template <std::memory_order O>
void store_loop(Word& w, std::uint64_t n) {
  keep_address(&w);
  for (std::uint64_t i = 0; i < n; ++i) w.store(i, O);
}

template <std::memory_order O>
void fetch_add_loop(Word& w, std::uint64_t n) {
  keep_address(&w);
  for (std::uint64_t i = 0; i < n; ++i) w.fetch_add(1, O);
}

template <std::memory_order O>
void compare_exchange_loop(Word& w, std::uint64_t n) {
  keep_address(&w);
  std::uint64_t expected = w.load(kRelaxed);
  for (std::uint64_t i = 0; i < n; ++i) {
    // On failure `expected` becomes the current value: the next try uses it.
    if (w.compare_exchange_strong(expected, expected + 1, O, failure_order(O))) ++expected;
  }
}

template <std::memory_order O>
void exchange_loop(Word& w, std::uint64_t n) {
  keep_address(&w);
  for (std::uint64_t i = 0; i < n; ++i) keep(w.exchange(i, O));
}

// GCC warns that ThreadSanitizer does not model fences; here a fence is only
// timed, never relied upon, so the warning is silenced for this function.
#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
template <std::memory_order O>
void fence_loop(Word& w, std::uint64_t n) {
  keep_address(&w);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::atomic_thread_fence(O);
    keep(i);  // keeps one loop iteration per fence even where the fence emits nothing
  }
}
#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

template <std::memory_order O>
void fetch_or_loop(Word& w, std::uint64_t n) {
  keep_address(&w);
  for (std::uint64_t i = 0; i < n; ++i) w.fetch_or(std::uint64_t{1} << (i & 63), O);
}

template <std::memory_order O>
void fetch_or_casloop_loop(Word& w, std::uint64_t n) {
  keep_address(&w);
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t bit = std::uint64_t{1} << (i & 63);
    std::uint64_t old = w.load(kRelaxed);
    while (!w.compare_exchange_weak(old, old | bit, O, failure_order(O))) {
    }
  }
}

struct Entry {
  OrderingOp op;
  Loop loop;
};

const std::array kEntries = {
    Entry{{"load", "relaxed", true}, &load_loop<kRelaxed>},
    Entry{{"load", "acquire", true}, &load_loop<kAcquire>},
    Entry{{"load", "seq_cst", true}, &load_loop<kSeqCst>},
    Entry{{"store", "relaxed", true}, &store_loop<kRelaxed>},
    Entry{{"store", "release", true}, &store_loop<kRelease>},
    Entry{{"store", "seq_cst", true}, &store_loop<kSeqCst>},
    Entry{{"fetch_add", "relaxed", true}, &fetch_add_loop<kRelaxed>},
    Entry{{"fetch_add", "acquire", true}, &fetch_add_loop<kAcquire>},
    Entry{{"fetch_add", "release", true}, &fetch_add_loop<kRelease>},
    Entry{{"fetch_add", "acq_rel", true}, &fetch_add_loop<kAcqRel>},
    Entry{{"fetch_add", "seq_cst", true}, &fetch_add_loop<kSeqCst>},
    Entry{{"compare_exchange", "relaxed", true}, &compare_exchange_loop<kRelaxed>},
    Entry{{"compare_exchange", "acquire", true}, &compare_exchange_loop<kAcquire>},
    Entry{{"compare_exchange", "release", true}, &compare_exchange_loop<kRelease>},
    Entry{{"compare_exchange", "acq_rel", true}, &compare_exchange_loop<kAcqRel>},
    Entry{{"compare_exchange", "seq_cst", true}, &compare_exchange_loop<kSeqCst>},
    Entry{{"exchange", "relaxed", true}, &exchange_loop<kRelaxed>},
    Entry{{"exchange", "acquire", true}, &exchange_loop<kAcquire>},
    Entry{{"exchange", "release", true}, &exchange_loop<kRelease>},
    Entry{{"exchange", "acq_rel", true}, &exchange_loop<kAcqRel>},
    Entry{{"exchange", "seq_cst", true}, &exchange_loop<kSeqCst>},
    Entry{{"fence", "acquire", false}, &fence_loop<kAcquire>},
    Entry{{"fence", "release", false}, &fence_loop<kRelease>},
    Entry{{"fence", "acq_rel", false}, &fence_loop<kAcqRel>},
    Entry{{"fence", "seq_cst", false}, &fence_loop<kSeqCst>},
    Entry{{"fetch_or", "relaxed", true}, &fetch_or_loop<kRelaxed>},
    Entry{{"fetch_or", "seq_cst", true}, &fetch_or_loop<kSeqCst>},
    Entry{{"fetch_or_casloop", "relaxed", true}, &fetch_or_casloop_loop<kRelaxed>},
    Entry{{"fetch_or_casloop", "seq_cst", true}, &fetch_or_casloop_loop<kSeqCst>},
};

const std::vector<OrderingOp>& op_list() {
  static const std::vector<OrderingOp> ops = [] {
    std::vector<OrderingOp> v;
    for (const Entry& e : kEntries) v.push_back(e.op);
    return v;
  }();
  return ops;
}

struct alignas(128) SharedWord {
  Word word{0};
};

}  // namespace

std::span<const OrderingOp> ordering_ops() { return op_list(); }

OrderingCost measure_ordering(const HwlocTopology* hw, std::span<const int> pus, std::string_view op,
                              std::string_view order, std::chrono::nanoseconds window) {
  const Entry* entry = nullptr;
  for (const Entry& e : kEntries)
    if (e.op.op == op && e.op.order == order) entry = &e;
  if (entry == nullptr)
    throw std::invalid_argument("no ordering case " + std::string(op) + "/" + std::string(order));
  if (pus.empty() || pus.size() > 2 || (pus.size() == 2 && !entry->op.contended))
    throw std::invalid_argument("ordering case " + std::string(op) + "/" + std::string(order) +
                                ": wrong number of threads");
  auto shared = std::make_unique<SharedWord>();
  const Loop loop = entry->loop;
  std::vector<std::function<void(std::uint64_t)>> loops;
  for (std::size_t i = 0; i < pus.size(); ++i) loops.emplace_back([loop, &shared](std::uint64_t n) { loop(shared->word, n); });
  const LoopCounts counts = run_pinned_loops(hw, pus, loops, window);
  OrderingCost c;
  c.ops = counts.total();
  const double per_thread = static_cast<double>(c.ops) / static_cast<double>(pus.size());
  c.ns_per_op = per_thread > 0 ? counts.elapsed_s * 1e9 / per_thread : 0;
  c.ops_per_sec = counts.elapsed_s > 0 ? static_cast<double>(c.ops) / counts.elapsed_s : 0;
  return c;
}

}  // namespace synclab::harness
