// Negative test for AddressSanitizer: RacyCloneArc loses increments when two
// threads clone at once, so the count reaches zero while a handle still
// points to the object. Registered only in the address-sanitizer build,
// passing on ASan's heap-use-after-free or double-free report
// (tests/primitives/CMakeLists.txt). Without a report within the time budget
// the test fails.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <thread>
#include <vector>

#include "broken_refcounts.hpp"

namespace {

using namespace std::chrono_literals;

struct Payload {
  std::uint64_t value = 1;
};

TEST(RacyCloneArc, IsCaughtFreeingEarly) {
  using H = synclab::testing::RacyCloneArc<Payload>;
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  std::atomic<std::uint64_t> sum{0};
  while (std::chrono::steady_clock::now() < give_up) {
    H shared = H::make();
    std::vector<H> holders = {shared.clone(), shared.clone()};
    std::latch start(2);
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&, t] {
        H mine = std::move(holders[static_cast<std::size_t>(t)]);
        start.arrive_and_wait();
        std::uint64_t local = 0;
        for (int i = 0; i < 20'000; ++i) {
          H c = mine.clone();
          local += c.get()->value + mine.get()->value;  // reads a freed object once the count is wrong
        }
        sum.fetch_add(local, std::memory_order_relaxed);  // keeps the reads
      });
    for (auto& th : threads) th.join();
  }
  ADD_FAILURE() << "no early free detected in 20 s (sum " << sum.load() << ")";
}

}  // namespace
