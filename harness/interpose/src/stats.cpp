#include "stats.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "slab.hpp"

namespace synclab::interpose {

// Waits in nanoseconds: values below 8 get a bucket each, then every power of
// two is split into 4 buckets (a value is known to within 25 %).
struct WaitHistogram {
  static constexpr int kBuckets = 8 + (64 - 3) * 4;
  std::atomic<std::uint64_t> counts[kBuckets];

  static int bucket_of(std::uint64_t v) noexcept {
    if (v < 8) return static_cast<int>(v);
    const int e = 63 - std::countl_zero(v);
    return 8 + (e - 3) * 4 + static_cast<int>((v >> (e - 2)) & 3);
  }
  static std::uint64_t bucket_high(int b) noexcept {
    if (b < 8) return static_cast<std::uint64_t>(b);
    const int e = (b - 8) / 4 + 3;
    const std::uint64_t low = (std::uint64_t{4} + static_cast<std::uint64_t>((b - 8) % 4)) << (e - 2);
    return low + (std::uint64_t{1} << (e - 2)) - 1;
  }
};

namespace {

constexpr std::size_t kTableSlots = std::size_t{1} << 16;
constexpr std::size_t kMaxProbe = 64;
constexpr std::size_t kThreadEntries = 64;
constexpr std::size_t kShownMutexes = 40;

std::atomic<bool> g_enabled{false};

// Records by mutex address: open addressing, insert-only.
std::atomic<std::atomic<MutexRecord*>*> g_table{nullptr};
std::atomic<std::uint64_t> g_records{0};
// Mutexes beyond the table's reach share this record.
MutexRecord g_overflow;

// One thread's recent mutexes. Written only by its thread (relaxed stores),
// read by the exit dump (relaxed loads).
struct ThreadEntry {
  std::atomic<MutexRecord*> record;
  std::atomic<std::uint64_t> acquisitions;
  std::atomic<std::uint64_t> handoffs;
};

struct ThreadStats {
  std::atomic<bool> in_use;
  ThreadStats* next;
  std::atomic<std::uint64_t> events[static_cast<int>(ThreadEvent::count)];
  ThreadEntry entries[kThreadEntries];
};

std::atomic<ThreadStats*> g_threads{nullptr};  // push-only list; entries are reused, never freed
// Events of threads that have exited.
std::atomic<std::uint64_t> g_retired_events[static_cast<int>(ThreadEvent::count)];

__attribute__((tls_model("initial-exec"))) thread_local ThreadStats* tls_stats = nullptr;
__attribute__((tls_model("initial-exec"))) thread_local std::uint32_t tls_tid = 0;

void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

std::atomic<MutexRecord*>* table() noexcept {
  std::atomic<MutexRecord*>* t = g_table.load(std::memory_order_acquire);
  if (t != nullptr) return t;
  auto* fresh = static_cast<std::atomic<MutexRecord*>*>(slab_alloc(kTableSlots * sizeof(*t)));
  if (g_table.compare_exchange_strong(t, fresh, std::memory_order_acq_rel)) return fresh;
  slab_free(fresh, kTableSlots * sizeof(*t));
  return t;
}

MutexRecord* find_or_insert(const void* address, const void* call_site, int kind) noexcept {
  std::atomic<MutexRecord*>* t = table();
  const auto key = reinterpret_cast<std::uintptr_t>(address);
  std::size_t slot = static_cast<std::size_t>((key >> 3) * 0x9E3779B97F4A7C15ull >> 48) & (kTableSlots - 1);
  MutexRecord* fresh = nullptr;
  for (std::size_t probe = 0; probe < kMaxProbe; ++probe, slot = (slot + 1) & (kTableSlots - 1)) {
    MutexRecord* r = t[slot].load(std::memory_order_acquire);
    if (r == nullptr) {
      if (fresh == nullptr) {
        fresh = new (slab_alloc(sizeof(MutexRecord))) MutexRecord;
        fresh->address = address;
        fresh->call_site.store(call_site, std::memory_order_relaxed);
        fresh->kind.store(kind, std::memory_order_relaxed);
      }
      if (t[slot].compare_exchange_strong(r, fresh, std::memory_order_acq_rel)) {
        g_records.fetch_add(1, std::memory_order_relaxed);
        return fresh;
      }
    }
    if (r->address == address) {
      if (fresh != nullptr) slab_free(fresh, sizeof(MutexRecord));
      return r;
    }
  }
  if (fresh != nullptr) slab_free(fresh, sizeof(MutexRecord));
  return &g_overflow;
}

ThreadStats* claim_thread_stats() noexcept {
  for (ThreadStats* s = g_threads.load(std::memory_order_acquire); s != nullptr; s = s->next) {
    bool free = false;
    if (!s->in_use.load(std::memory_order_relaxed) &&
        s->in_use.compare_exchange_strong(free, true, std::memory_order_acquire))
      return s;
  }
  auto* s = static_cast<ThreadStats*>(slab_alloc(sizeof(ThreadStats)));
  s->in_use.store(true, std::memory_order_relaxed);
  ThreadStats* head = g_threads.load(std::memory_order_relaxed);
  do {
    s->next = head;
  } while (!g_threads.compare_exchange_weak(head, s, std::memory_order_acq_rel));
  return s;
}

ThreadStats& thread_stats() noexcept {
  if (tls_stats == nullptr) tls_stats = claim_thread_stats();
  return *tls_stats;
}

void fold(ThreadEntry& e) noexcept {
  MutexRecord* r = e.record.load(std::memory_order_relaxed);
  if (r == nullptr) return;
  r->acquisitions.fetch_add(e.acquisitions.load(std::memory_order_relaxed), std::memory_order_relaxed);
  r->handoffs.fetch_add(e.handoffs.load(std::memory_order_relaxed), std::memory_order_relaxed);
  e.acquisitions.store(0, std::memory_order_relaxed);
  e.handoffs.store(0, std::memory_order_relaxed);
}

WaitHistogram* histogram_of(MutexRecord* r) noexcept {
  WaitHistogram* h = r->waits.load(std::memory_order_acquire);
  if (h != nullptr) return h;
  auto* fresh = static_cast<WaitHistogram*>(slab_alloc(sizeof(WaitHistogram)));
  if (r->waits.compare_exchange_strong(h, fresh, std::memory_order_acq_rel)) return fresh;
  slab_free(fresh, sizeof(WaitHistogram));
  return h;
}

}  // namespace

void stats_configure(bool enabled) noexcept { g_enabled.store(enabled, std::memory_order_relaxed); }
bool stats_enabled() noexcept { return g_enabled.load(std::memory_order_relaxed); }

std::uint32_t current_tid() noexcept {
  if (tls_tid == 0) tls_tid = static_cast<std::uint32_t>(::syscall(SYS_gettid));
  return tls_tid;
}

MutexRecord* record_of(MutexWords* w, const void* call_site) noexcept {
  MutexRecord* r = w->record.load(std::memory_order_relaxed);
  if (r != nullptr && r->address == w) return r;
  // A mutex's first use: a record of its own, or the record of its address,
  // which now describes this mutex (counts add up over the mutexes that lived there).
  const int kind = w->kind.load(std::memory_order_relaxed);
  r = find_or_insert(w, call_site, kind);
  if (r->kind.load(std::memory_order_relaxed) != kind) r->kind.store(kind, std::memory_order_relaxed);
  if (r->call_site.load(std::memory_order_relaxed) != call_site)
    r->call_site.store(call_site, std::memory_order_relaxed);
  w->record.store(r, std::memory_order_relaxed);
  return r;
}

void note_acquired(MutexWords* w, const void* call_site, bool contended, std::uint64_t wait_ns) noexcept {
  MutexRecord* r = record_of(w, call_site);
  const std::uint32_t tid = current_tid();
  const std::uint32_t last = w->last_tid.load(std::memory_order_relaxed);
  const bool handoff = last != tid && last != 0;
  if (last != tid) w->last_tid.store(tid, std::memory_order_relaxed);
  ThreadStats& s = thread_stats();
  const auto key = reinterpret_cast<std::uintptr_t>(r);
  ThreadEntry& e = s.entries[(key >> 6 ^ key >> 12) & (kThreadEntries - 1)];
  if (e.record.load(std::memory_order_relaxed) != r) {
    fold(e);
    e.record.store(r, std::memory_order_relaxed);
  }
  bump(e.acquisitions);
  if (handoff) bump(e.handoffs);
  if (contended) {
    r->contended.fetch_add(1, std::memory_order_relaxed);
    r->wait_ns_sum.fetch_add(wait_ns, std::memory_order_relaxed);
    std::uint64_t max = r->wait_ns_max.load(std::memory_order_relaxed);
    while (wait_ns > max && !r->wait_ns_max.compare_exchange_weak(max, wait_ns, std::memory_order_relaxed)) {
    }
    histogram_of(r)->counts[WaitHistogram::bucket_of(wait_ns)].fetch_add(1, std::memory_order_relaxed);
  }
}

void note(ThreadEvent event) noexcept {
  if (!stats_enabled()) return;
  bump(thread_stats().events[static_cast<int>(event)]);
}

void stats_thread_exit() noexcept {
  ThreadStats* s = tls_stats;
  if (s == nullptr) return;
  for (ThreadEntry& e : s->entries) {
    fold(e);
    e.record.store(nullptr, std::memory_order_relaxed);
  }
  for (int i = 0; i < static_cast<int>(ThreadEvent::count); ++i) {
    g_retired_events[i].fetch_add(s->events[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
    s->events[i].store(0, std::memory_order_relaxed);
  }
  tls_stats = nullptr;
  s->in_use.store(false, std::memory_order_release);
}

void stats_atfork_child() noexcept { tls_tid = 0; }

// ---------------------------------------------------------------- the file

namespace {

struct Output {
  std::string path;
  pid_t root_pid = 0;  // the process that writes `path` itself; 0: none (an executed descendant)
  RunDescription description;
};
Output* g_output = nullptr;

const char* kind_name(int kind) {
  switch (kind) {
    case kKindNormal: return "normal";
    case kKindRecursive: return "recursive";
    case kKindErrorCheck: return "errorcheck";
    case kKindAdaptive: return "adaptive";
    default: return "glibc";
  }
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// "librocksdb.so.7.8+0x1a2b3c rocksdb::port::Mutex::Mutex(bool)+0x1c", or the
// bare address when the loader knows nothing about it.
std::string symbolize(const void* pc) {
  if (pc == nullptr) return "unknown";
  char buffer[64];
  Dl_info info{};
  if (::dladdr(pc, &info) == 0 || info.dli_fname == nullptr) {
    std::snprintf(buffer, sizeof buffer, "%p", pc);
    return buffer;
  }
  std::string file = info.dli_fname;
  if (const auto slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
  std::snprintf(buffer, sizeof buffer, "+0x%zx",
                static_cast<std::size_t>(static_cast<const char*>(pc) - static_cast<const char*>(info.dli_fbase)));
  std::string text = file + buffer;
  if (info.dli_sname != nullptr) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &status);
    text += " ";
    text += status == 0 && demangled != nullptr ? demangled : info.dli_sname;
    std::free(demangled);
    std::snprintf(buffer, sizeof buffer, "+0x%zx",
                  static_cast<std::size_t>(static_cast<const char*>(pc) - static_cast<const char*>(info.dli_saddr)));
    text += buffer;
  }
  return text;
}

struct Totals {
  std::uint64_t acquisitions = 0, contended = 0, handoffs = 0, wait_sum = 0, wait_max = 0;
  std::uint64_t histogram[WaitHistogram::kBuckets] = {};
  std::uint64_t histogram_count = 0;
};

std::uint64_t quantile(const std::uint64_t* counts, std::uint64_t total, double q, std::uint64_t max) {
  if (total == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total) + 0.999999);
  std::uint64_t seen = 0;
  for (int b = 0; b < WaitHistogram::kBuckets; ++b) {
    seen += counts[b];
    if (seen >= rank && counts[b] != 0) return std::min(WaitHistogram::bucket_high(b), max);
  }
  return max;
}

struct Row {
  const MutexRecord* record;
  std::uint64_t acquisitions;
  std::uint64_t handoffs;
};

}  // namespace

void stats_set_output(const char* path, bool root_process, RunDescription description) noexcept {
  if (path == nullptr || *path == '\0') return;
  g_output = new (std::nothrow) Output{path, root_process ? ::getpid() : 0, description};
  if (g_output == nullptr) {
    std::fprintf(stderr, "libsynclab_interpose: no memory for the statistics of %s; none will be written\n", path);
    return;
  }
  std::atexit([] { (void)stats_write(); });
}

bool stats_write() noexcept {
  if (g_output == nullptr) return true;
  std::string path = g_output->path;
  if (g_output->root_pid != ::getpid()) path += "." + std::to_string(::getpid());
  // Per record: what its threads have not folded in yet.
  std::unordered_map<const MutexRecord*, Row> pending;
  std::uint64_t events[static_cast<int>(ThreadEvent::count)];
  for (int i = 0; i < static_cast<int>(ThreadEvent::count); ++i)
    events[i] = g_retired_events[i].load(std::memory_order_relaxed);
  for (ThreadStats* s = g_threads.load(std::memory_order_acquire); s != nullptr; s = s->next) {
    for (int i = 0; i < static_cast<int>(ThreadEvent::count); ++i)
      events[i] += s->events[i].load(std::memory_order_relaxed);
    for (ThreadEntry& e : s->entries) {
      const MutexRecord* r = e.record.load(std::memory_order_relaxed);
      if (r == nullptr) continue;
      Row& row = pending.try_emplace(r, Row{r, 0, 0}).first->second;
      row.acquisitions += e.acquisitions.load(std::memory_order_relaxed);
      row.handoffs += e.handoffs.load(std::memory_order_relaxed);
    }
  }
  std::vector<Row> rows;
  Totals totals;
  auto add = [&](const MutexRecord* r) {
    Row row{r, r->acquisitions.load(std::memory_order_relaxed), r->handoffs.load(std::memory_order_relaxed)};
    if (const auto it = pending.find(r); it != pending.end()) {
      row.acquisitions += it->second.acquisitions;
      row.handoffs += it->second.handoffs;
    }
    if (row.acquisitions == 0 && r->contended.load(std::memory_order_relaxed) == 0) return;
    totals.acquisitions += row.acquisitions;
    totals.handoffs += row.handoffs;
    totals.contended += r->contended.load(std::memory_order_relaxed);
    totals.wait_sum += r->wait_ns_sum.load(std::memory_order_relaxed);
    totals.wait_max = std::max(totals.wait_max, r->wait_ns_max.load(std::memory_order_relaxed));
    if (const WaitHistogram* h = r->waits.load(std::memory_order_acquire); h != nullptr) {
      for (int b = 0; b < WaitHistogram::kBuckets; ++b) {
        const std::uint64_t c = h->counts[b].load(std::memory_order_relaxed);
        totals.histogram[b] += c;
        totals.histogram_count += c;
      }
    }
    rows.push_back(row);
  };
  if (std::atomic<MutexRecord*>* t = g_table.load(std::memory_order_acquire); t != nullptr)
    for (std::size_t i = 0; i < kTableSlots; ++i)
      if (const MutexRecord* r = t[i].load(std::memory_order_acquire); r != nullptr) add(r);
  add(&g_overflow);
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    const std::uint64_t ca = a.record->contended.load(std::memory_order_relaxed);
    const std::uint64_t cb = b.record->contended.load(std::memory_order_relaxed);
    return ca != cb ? ca > cb : a.acquisitions > b.acquisitions;
  });

  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const RunDescription& d = g_output->description;
  std::fprintf(f, "{\n  \"format\": \"synclab-interpose-1\",\n  \"pid\": %d,\n  \"lock\": %s,\n", static_cast<int>(::getpid()),
               json_string(d.lock).c_str());
  std::fprintf(f, "  \"mode\": %s,\n  \"storage\": %s,\n  \"stats\": %s,\n  \"pinning\": %s,\n",
               json_string(d.mode).c_str(), json_string(d.storage).c_str(), stats_enabled() ? "true" : "false",
               d.pinning_json != nullptr ? d.pinning_json() : "null");
  std::fprintf(f,
               "  \"totals\": {\"mutexes\": %zu, \"acquisitions\": %llu, \"contended\": %llu, \"handoffs\": %llu, "
               "\"wait_ns_sum\": %llu, \"wait_p50_ns\": %llu, \"wait_p99_ns\": %llu, \"wait_max_ns\": %llu",
               rows.size(), static_cast<unsigned long long>(totals.acquisitions),
               static_cast<unsigned long long>(totals.contended), static_cast<unsigned long long>(totals.handoffs),
               static_cast<unsigned long long>(totals.wait_sum),
               static_cast<unsigned long long>(quantile(totals.histogram, totals.histogram_count, 0.5, totals.wait_max)),
               static_cast<unsigned long long>(quantile(totals.histogram, totals.histogram_count, 0.99, totals.wait_max)),
               static_cast<unsigned long long>(totals.wait_max));
  static constexpr const char* kEventNames[] = {"trylock_busy", "glibc_owned_acquisitions", "cond_waits",
                                                "cond_timeouts", "cond_wakes", "cond_signals_idle"};
  static_assert(std::size(kEventNames) == static_cast<std::size_t>(ThreadEvent::count));
  for (int i = 0; i < static_cast<int>(ThreadEvent::count); ++i)
    std::fprintf(f, ", \"%s\": %llu", kEventNames[i], static_cast<unsigned long long>(events[i]));
  std::fprintf(f, ", \"records\": %llu},\n",
               static_cast<unsigned long long>(g_records.load(std::memory_order_relaxed)));
  std::map<std::string, std::uint64_t> by_kind;
  for (const Row& row : rows) ++by_kind[kind_name(row.record->kind.load(std::memory_order_relaxed))];
  std::fprintf(f, "  \"mutexes_by_kind\": {");
  for (auto it = by_kind.begin(); it != by_kind.end(); ++it)
    std::fprintf(f, "%s\"%s\": %llu", it == by_kind.begin() ? "" : ", ", it->first.c_str(),
                 static_cast<unsigned long long>(it->second));
  std::fprintf(f, "},\n");
  std::fprintf(f, "  \"wait_histogram_ns\": [");
  bool first = true;
  for (int b = 0; b < WaitHistogram::kBuckets; ++b) {
    if (totals.histogram[b] == 0) continue;
    std::fprintf(f, "%s[%llu, %llu]", first ? "" : ", ", static_cast<unsigned long long>(WaitHistogram::bucket_high(b)),
                 static_cast<unsigned long long>(totals.histogram[b]));
    first = false;
  }
  std::fprintf(f, "],\n  \"mutexes\": [");
  for (std::size_t i = 0; i < rows.size() && i < kShownMutexes; ++i) {
    const Row& row = rows[i];
    const MutexRecord* r = row.record;
    std::uint64_t counts[WaitHistogram::kBuckets] = {};
    std::uint64_t n = 0;
    if (const WaitHistogram* h = r->waits.load(std::memory_order_acquire); h != nullptr)
      for (int b = 0; b < WaitHistogram::kBuckets; ++b) n += counts[b] = h->counts[b].load(std::memory_order_relaxed);
    const std::uint64_t max = r->wait_ns_max.load(std::memory_order_relaxed);
    std::fprintf(f,
                 "%s\n    {\"address\": \"%p\", \"call_site\": %s, \"kind\": \"%s\", \"acquisitions\": %llu, "
                 "\"contended\": %llu, \"handoffs\": %llu, \"wait_ns_sum\": %llu, \"wait_p50_ns\": %llu, "
                 "\"wait_p99_ns\": %llu, \"wait_max_ns\": %llu}",
                 i == 0 ? "" : ",", r == &g_overflow ? nullptr : r->address,
                 json_string(r == &g_overflow ? std::string("(mutexes beyond the record table)")
                                              : symbolize(r->call_site.load(std::memory_order_relaxed)))
                     .c_str(),
                 kind_name(r->kind.load(std::memory_order_relaxed)), static_cast<unsigned long long>(row.acquisitions),
                 static_cast<unsigned long long>(r->contended.load(std::memory_order_relaxed)),
                 static_cast<unsigned long long>(row.handoffs),
                 static_cast<unsigned long long>(r->wait_ns_sum.load(std::memory_order_relaxed)),
                 static_cast<unsigned long long>(quantile(counts, n, 0.5, max)),
                 static_cast<unsigned long long>(quantile(counts, n, 0.99, max)), static_cast<unsigned long long>(max));
  }
  std::fprintf(f, "\n  ]\n}\n");
  const bool ok = std::fflush(f) == 0;
  const int saved = errno;
  std::fclose(f);
  errno = saved;
  return ok;
}

}  // namespace synclab::interpose
