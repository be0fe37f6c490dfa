// reclaim_canary.hpp — a payload that reports how it is freed, for the tests
// of our reclamation schemes (hazard_pointer_test, qsbr_test).
//
// Every Canary has an id and a ledger. Its destructor counts the free of its
// id (exactly once is checked after the publication is gone), poisons the
// canary word, and looks at the ledger's "held" slots: a reader stores the
// address of the object it is looking at there for as long as its read
// section lasts, so a destructor that finds its own address in a slot is an
// early free — caught without anybody touching freed memory (the reader
// never dereferences the object after it clears its slot).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace synclab::testing {

class CanaryLedger {
 public:
  static constexpr std::size_t kSlots = 16;
  explicit CanaryLedger(std::size_t max_ids) : max_ids_(max_ids), frees_(new std::atomic<std::uint32_t>[max_ids]) {
    for (std::size_t i = 0; i < max_ids; ++i) frees_[i].store(0, std::memory_order_relaxed);
  }

  std::uint64_t next_id() { return made_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t made() const { return made_.load(std::memory_order_relaxed); }
  std::size_t max_ids() const { return max_ids_; }

  void hold(std::size_t slot, const void* p) { held_[slot].store(p, std::memory_order_relaxed); }
  void unhold(std::size_t slot) { held_[slot].store(nullptr, std::memory_order_relaxed); }

  void on_free(std::uint64_t id, const void* self) {
    for (auto& h : held_)
      if (h.load(std::memory_order_relaxed) == self) early_.fetch_add(1, std::memory_order_relaxed);
    if (id < max_ids_) frees_[id].fetch_add(1, std::memory_order_relaxed);
  }
  void on_bad_read() { bad_reads_.fetch_add(1, std::memory_order_relaxed); }

  std::uint64_t early_frees() const { return early_.load(std::memory_order_relaxed); }
  std::uint64_t bad_reads() const { return bad_reads_.load(std::memory_order_relaxed); }
  std::uint32_t frees_of(std::uint64_t id) const { return frees_[id].load(std::memory_order_relaxed); }
  std::uint64_t freed() const {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < max_ids_; ++i) n += frees_[i].load(std::memory_order_relaxed);
    return n;
  }
  // "" when every id made so far was freed exactly once, else the first
  // offender.
  std::string exactly_once() const {
    const std::uint64_t made = this->made();
    if (made > max_ids_) return "more ids than the ledger holds";
    for (std::uint64_t id = 0; id < made; ++id) {
      const std::uint32_t n = frees_of(id);
      if (n != 1) return "object " + std::to_string(id) + " freed " + std::to_string(n) + " times";
    }
    return "";
  }

 private:
  std::size_t max_ids_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> frees_;
  std::atomic<std::uint64_t> made_{0};
  std::atomic<std::uint64_t> early_{0};
  std::atomic<std::uint64_t> bad_reads_{0};
  std::atomic<const void*> held_[kSlots]{};
};

struct Canary {
  static constexpr std::uint64_t kAlive = 0xC0FFEE11A11FE000ULL;
  static constexpr std::uint64_t kDead = 0xDEADDEADDEADDEADULL;

  Canary(CanaryLedger& l, std::uint64_t i) : ledger(&l), id(i) {}
  Canary(const Canary&) = delete;
  Canary& operator=(const Canary&) = delete;
  ~Canary() {
    ledger->on_free(id, this);
    magic = kDead;
  }
  // In a read section: the object is intact.
  bool intact() const { return magic == kAlive; }

  CanaryLedger* ledger;
  std::uint64_t id;
  std::uint64_t magic = kAlive;
};

// Spins (yielding) until pred() holds.
template <class Pred>
void wait_until(Pred pred) {
  while (!pred()) std::this_thread::yield();
}

struct HeldReadResult {
  std::uint64_t early_frees;
  std::string exactly_once;
};

// A reader inside read(f) holds the object current at the start while a
// writer (another thread, another handle) makes `updates` updates, enough to
// retire it and scan many times; then the read ends and everything is torn
// down. A correct scheme frees nothing the reader holds (early_frees 0); the
// reader never touches the object after it clears its slot, so a twin that
// frees it is caught by the count, not by touching freed memory.
template <class P>
HeldReadResult free_while_reading(std::size_t updates) {
  CanaryLedger ledger(updates + 8);
  std::atomic<int> phase{0};
  {
    P p(ledger, ledger.next_id());
    std::thread reader([&] {
      typename P::handle h(p);
      h.read([&](const Canary& c) {
        ledger.hold(0, &c);
        if (!c.intact()) ledger.on_bad_read();
        phase.store(1, std::memory_order_release);
        wait_until([&] { return phase.load(std::memory_order_acquire) == 2; });
        ledger.unhold(0);
        return 0;
      });
    });
    {
      wait_until([&] { return phase.load(std::memory_order_acquire) == 1; });
      typename P::handle h(p);
      for (std::size_t i = 0; i < updates; ++i) h.update(ledger, ledger.next_id());
    }
    phase.store(2, std::memory_order_release);
    reader.join();
  }
  return {ledger.early_frees(), ledger.exactly_once()};
}

}  // namespace synclab::testing
