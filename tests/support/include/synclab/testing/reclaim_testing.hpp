// reclaim_testing.hpp — what the reclamation tests publish and how they
// count: an object that knows whether it has been destroyed, and a tally of
// every construction and destruction.
//
// Each object gets a fresh id when it is made (a publication copies the
// value it is given, so the id comes from the copy constructor); the tally
// keeps one `dead` flag per id, set by the destructor with an exchange, so a
// second destruction of the same object is seen (ASan sees it too, as a
// double free). The destructor poisons the canary: a reader that looks at a
// freed object finds the poison (and ASan reports the use after free). A
// reader can also ask the tally whether the object it holds died, without
// touching the object: the check a negative test uses, so a broken scheme is
// caught without undefined behaviour.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace synclab::testing {

class ReclaimTally {
 public:
  explicit ReclaimTally(std::size_t max_objects) : capacity_(max_objects), dead_(new std::atomic<std::uint8_t>[max_objects]) {
    for (std::size_t i = 0; i < capacity_; ++i) dead_[i].store(0, std::memory_order_relaxed);
  }

  std::uint64_t born() {
    made_.fetch_add(1, std::memory_order_relaxed);
    return next_id_.fetch_add(1, std::memory_order_relaxed);
  }
  void died(std::uint64_t id) {
    destroyed_.fetch_add(1, std::memory_order_relaxed);
    if (id >= capacity_) {
      untracked_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (dead_[id].exchange(1, std::memory_order_relaxed) != 0) twice_.fetch_add(1, std::memory_order_relaxed);
  }

  [[nodiscard]] bool is_dead(std::uint64_t id) const {
    return id < capacity_ && dead_[id].load(std::memory_order_relaxed) != 0;
  }
  [[nodiscard]] std::int64_t made() const { return made_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t destroyed() const { return destroyed_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t alive() const { return made() - destroyed(); }
  [[nodiscard]] std::int64_t destroyed_twice() const { return twice_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t untracked() const { return untracked_.load(std::memory_order_relaxed); }

 private:
  std::size_t capacity_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> dead_;
  std::atomic<std::uint64_t> next_id_{0};
  std::atomic<std::int64_t> made_{0};
  std::atomic<std::int64_t> destroyed_{0};
  std::atomic<std::int64_t> twice_{0};
  std::atomic<std::int64_t> untracked_{0};
};

struct TrackedObject {
  static constexpr std::uint64_t kCanary = 0xC0FF'EE00'1234'5678ull;
  static constexpr std::uint64_t kPoison = 0xDEAD'BEEF'DEAD'BEEFull;

  explicit TrackedObject(ReclaimTally* t) : tally(t), id(t->born()) {}
  TrackedObject(const TrackedObject& o) : tally(o.tally), id(o.tally->born()) {}
  TrackedObject& operator=(const TrackedObject&) = delete;
  ~TrackedObject() {
    tally->died(id);
    canary = kPoison;
    std::atomic_signal_fence(std::memory_order_seq_cst);  // keep the poisoning store
  }

  // A reader's check: the canary is intact and the tally does not list it dead.
  [[nodiscard]] bool looks_alive() const { return canary == kCanary && !tally->is_dead(id); }

  ReclaimTally* tally;
  std::uint64_t id;
  std::uint64_t canary = kCanary;
};

}  // namespace synclab::testing
