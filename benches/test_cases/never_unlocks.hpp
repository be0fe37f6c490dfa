// never_unlocks.hpp — a lock whose unlock() does nothing. Registered only
// with --synclab_test_cases: its case hangs on purpose, so the suite can show
// that a hung case is stopped by the watchdog, reported, and skipped over.
#pragma once

#include <atomic>
#include <string_view>

#include "synclab/arch/cpu_relax.hpp"

namespace synclab::bench::test_cases {

class NeverUnlocks {
 public:
  static constexpr std::string_view name = "test_never_unlocks";
  void lock() {
    while (held_.exchange(true, std::memory_order_acquire)) cpu_relax();
  }
  void unlock() {}  // the defect under test
  bool try_lock() { return !held_.exchange(true, std::memory_order_acquire); }

 private:
  std::atomic<bool> held_{false};
};

}  // namespace synclab::bench::test_cases
