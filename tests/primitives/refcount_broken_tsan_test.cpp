// Negative test for ThreadSanitizer: RelaxedDropArc counts correctly, but its
// relaxed decrement without an acquire lets the destructor race with another
// holder's last read. x86-64 hides it; TSan must report the data race. The
// test itself only checks that the run completes; it is registered only in the
// thread-sanitizer build, passing on TSan's report (tests/primitives/CMakeLists.txt).
// The same body with arc is part of the contract tests, where TSan stays quiet.
#include <gtest/gtest.h>

#include <barrier>
#include <cstdint>
#include <thread>

#include "broken_refcounts.hpp"

namespace {

struct Payload {
  std::uint64_t value = 1;  // plain: read by every holder, written by the destructor
  ~Payload() { value = 0; }
};

TEST(RelaxedDropArc, StressRunCompletes) {
  using H = synclab::testing::RelaxedDropArc<Payload>;
  std::uint64_t sum = 0;
  for (int round = 0; round < 2000; ++round) {
    H a = H::make();
    H b = a.clone();
    std::barrier go(2);
    std::thread other([&go, h = std::move(b)]() mutable {
      go.arrive_and_wait();
      volatile std::uint64_t v = h.get()->value;  // the holder's last use
      (void)v;
      h.reset();
    });
    go.arrive_and_wait();
    sum += a.get()->value;
    a.reset();  // whichever drop is last destroys the payload
    other.join();
  }
  EXPECT_GT(sum, 0u);
}

}  // namespace
