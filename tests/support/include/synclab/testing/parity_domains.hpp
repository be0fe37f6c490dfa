// parity_domains.hpp — a synthetic two-domain machine for the tests of the
// domain-aware locks (cohort, cna): domain = CPU number mod 2, for every CPU
// up to the highest allowed one, so one even and one odd CPU stand for two
// sockets on any machine with two CPUs. Skips where the affinity mask has no
// even or no odd CPU.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <vector>

#include "synclab/locks/cohort_domains.hpp"
#include "synclab/testing/cpu_affinity.hpp"

namespace synclab::testing {

// Pins the calling thread to `cpu` and drops its cached domain: pinning
// changes the CPU a thread runs on, so the next lookup must ask again.
inline void pin_and_refresh_domain(int cpu) {
  ASSERT_TRUE(pin_current_thread(cpu)) << "cannot pin to CPU " << cpu;
  locks::cohort_domains::refresh_current_domain();
}

class ParityDomainsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<int> cpus = allowed_cpus();
    for (const int c : cpus) {
      if (c % 2 == 0 && !even_) even_ = c;
      if (c % 2 == 1 && !odd_) odd_ = c;
    }
    if (!even_ || !odd_) GTEST_SKIP() << "needs an even and an odd CPU in the affinity mask";
    std::vector<int> map(static_cast<std::size_t>(cpus.back() + 1));
    for (std::size_t c = 0; c < map.size(); ++c) map[c] = static_cast<int>(c % 2);
    locks::cohort_domains::install_domain_map(map, "2 domains by CPU parity (test)");
  }
  void TearDown() override { locks::cohort_domains::reset_domain_map(); }

  // One CPU of domain 0 (even) or 1 (odd).
  [[nodiscard]] int cpu_of_domain(int d) const { return d == 0 ? *even_ : *odd_; }

 private:
  std::optional<int> even_;
  std::optional<int> odd_;
};

}  // namespace synclab::testing
