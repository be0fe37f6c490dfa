// refcount_testing.hpp — what the reference-count tests share: a payload
// that notices being used after its destruction, and the GoogleTest type
// lists built from the catalogues.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "synclab/peers/refcount_peers.hpp"
#include "synclab/refcount/catalog.hpp"
#include "synclab/testing/typed_tests.hpp"
#include "synclab/type_list.hpp"

namespace synclab::testing {

// Counts live instances, and poisons itself on destruction: check() on a
// destroyed object (an early free that the allocator has not reused yet, or
// a second destruction) aborts with a message. Under AddressSanitizer the
// same access is reported as heap-use-after-free first.
struct Tracked {
  static constexpr std::uint64_t kAlive = 0xA11CE0FA11CE0FULL;
  static constexpr std::uint64_t kDead = 0xDEADDEADDEADDEADULL;
  static inline std::atomic<long> live{0};

  std::uint64_t magic = kAlive;
  std::uint64_t value = 0;  // plain: written only while the writer knows it is the sole owner

  Tracked() { live.fetch_add(1, std::memory_order_relaxed); }
  explicit Tracked(std::uint64_t v) : value(v) { live.fetch_add(1, std::memory_order_relaxed); }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() {
    check();
    magic = kDead;
    live.fetch_sub(1, std::memory_order_relaxed);
  }

  void check() const {
    if (magic != kAlive) {
      std::fprintf(stderr, "Tracked object used after destruction (magic %llx)\n",
                   static_cast<unsigned long long>(magic));
      std::abort();
    }
  }
};

// Lets a count that defers work to its owner's safe points (biased_rc) do it
// now on the calling thread; a no-op for the others.
template <class H>
void reach_safe_point() {
  if constexpr (requires { H::merge_pending(); }) H::merge_pending();
}

// Every thread-safe count, ours and the peers'.
using SharedRefCounts = GTestTypes<synclab::Concat<refcount::OurRefCounts<Tracked>, peers::PeerRefCounts<Tracked>>>::type;
// Every count, the single-thread one included.
using AllRefCounts = GTestTypes<synclab::Concat<synclab::Concat<refcount::OurSingleThreadRefCounts<Tracked>,
                                                                  refcount::OurRefCounts<Tracked>>,
                                                peers::PeerRefCounts<Tracked>>>::type;
// Counts with weak references (the shared_ptr peer is listed as weak_ptr).
using WeakRefCounts =
    GTestTypes<synclab::Concat<refcount::OurWeakRefCounts<Tracked>, peers::PeerWeakRefCounts<Tracked>>>::type;

}  // namespace synclab::testing
