// std_counting_semaphore.hpp — std::counting_semaphore behind synclab's
// semaphore interface.
//
// Peer: the C++20 standard semaphore, the baseline of futex_semaphore. In
//   libstdc++ 12 it is one atomic count with the atomic-wait machinery behind
//   it (a futex on Linux, reached through libstdc++'s waiter pool: the
//   syscalls are its own, not counted by synclab's wait layer).
// Max: the template's least maximum is 65535, futex_semaphore's max(), so both
//   are asked for the same range; libstdc++ may report a larger max().
// Guarantees (standard): acquire blocks while the count is 0; try_acquire may
//   fail spuriously only in the sense the standard allows (libstdc++ 12 does not
//   fail while a permit is available); release above max() is undefined.
// Memory ordering (standard): release() strongly happens before an acquire
//   that observes its effect.
// Layout: sizeof(std::counting_semaphore<65535>) (4 bytes with libstdc++ 12 on x86-64).
#pragma once

#include <cstddef>
#include <semaphore>
#include <string_view>

#include "synclab/semaphores/concepts.hpp"

namespace synclab::peers {

class StdCountingSemaphore {
 public:
  static constexpr std::string_view name = "std_counting_semaphore";

  static constexpr std::ptrdiff_t max() noexcept { return Impl::max(); }

  explicit StdCountingSemaphore(std::ptrdiff_t initial) : sem_(initial) {}
  StdCountingSemaphore(const StdCountingSemaphore&) = delete;
  StdCountingSemaphore& operator=(const StdCountingSemaphore&) = delete;
  StdCountingSemaphore(StdCountingSemaphore&&) = delete;
  StdCountingSemaphore& operator=(StdCountingSemaphore&&) = delete;

  void acquire() { sem_.acquire(); }
  [[nodiscard]] bool try_acquire() noexcept { return sem_.try_acquire(); }
  void release() { sem_.release(); }

 private:
  using Impl = std::counting_semaphore<65535>;
  Impl sem_;
};

static_assert(synclab::semaphores::CountingSemaphore<StdCountingSemaphore>);

}  // namespace synclab::peers
