// stall_gate.hpp — holding a thread at a primitive's stall point
// (synclab/stall_point.hpp), and the tools that make what happens meanwhile
// visible: storage that tells whether anything wrote to a destroyed object,
// and a signal that makes a sleeping thread return from its futex call.
//
// StallGate: installs itself as the process's stall hook (one gate at a
//   time). After arm(object), the first thread that reaches the gate's stall
//   point on that object is held until open() or until `hold` has passed,
//   whichever comes first; every arrival is counted. A hold that runs out is
//   not an error: it is what happens when the primitive is right, e.g. a
//   lock whose last release comes after the stall point cannot be taken by
//   the thread that would destroy it, so that thread waits for the held one.
//   Only binaries compiled with SYNCLAB_TEST_STALL_POINTS reach the hook.
//
// CheckedStorage<T>: a heap block for one T. destroy() ends the T's life,
//   fills the block with a pattern and, under AddressSanitizer, poisons it;
//   untouched_since_destroy() says whether the pattern survived. So a thread
//   still inside a member function of the destroyed T that writes to it is
//   caught in every build, and one that reads or writes it is caught by ASan
//   (a report, and the process exits non-zero). ThreadSanitizer reports the
//   same write as a race with the fill.
//
// Nudging: install_nudge_handler() installs a no-op handler for SIGUSR1
//   without SA_RESTART, so nudge(thread) makes a thread blocked in a futex
//   call return from it (EINTR): the spurious wake-up every futex waiter must
//   tolerate. Tests use it to let a waiter that sleeps until the holder's
//   wake — a wake the held holder has not sent yet — look at the primitive
//   again while the holder is held.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

#include "synclab/stall_point.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#if !defined(SYNCLAB_TEST_STALL_POINTS)
#error "stall_gate.hpp is for test targets built with SYNCLAB_TEST_STALL_POINTS"
#endif

namespace synclab::testing {

class StallGate {
 public:
  StallGate(StallPoint point, std::chrono::milliseconds hold) : point_(point), hold_(hold) {
    StallGate* expected = nullptr;
    if (!current().compare_exchange_strong(expected, this)) {
      std::fputs("StallGate: another gate is installed\n", stderr);
      std::abort();
    }
    set_stall_hook(&StallGate::hook);
  }
  ~StallGate() {
    open();
    set_stall_hook(nullptr);
    current().store(nullptr);
  }
  StallGate(const StallGate&) = delete;
  StallGate& operator=(const StallGate&) = delete;

  // Targets `object` (any object if nullptr): the next arrival at the point
  // on it from thread `holds` (from any thread if it is the default id) is
  // held, and every arrival is counted.
  void arm(const void* object, std::thread::id holds = {}) {
    const std::lock_guard guard(mutex_);
    object_ = object;
    any_object_ = object == nullptr;
    holds_ = holds;
    hold_next_ = true;
    opened_ = false;
    held_now_ = false;
    arrivals_ = 0;
  }

  // Targets `object` and only counts the arrivals there.
  void count(const void* object) {
    arm(object);
    const std::lock_guard guard(mutex_);
    hold_next_ = false;
  }

  // Stops holding and counting.
  void disarm() {
    open();
    const std::lock_guard guard(mutex_);
    object_ = nullptr;
    any_object_ = false;
  }

  // Whether a thread is being held, waiting up to `limit` for one to arrive.
  bool wait_until_held(std::chrono::milliseconds limit) {
    std::unique_lock guard(mutex_);
    return changed_.wait_for(guard, limit, [this] { return held_now_; });
  }
  [[nodiscard]] bool holding() {
    const std::lock_guard guard(mutex_);
    return held_now_;
  }

  // Lets the held thread go (and any later arrival pass).
  void open() {
    {
      const std::lock_guard guard(mutex_);
      opened_ = true;
      hold_next_ = false;
    }
    changed_.notify_all();
  }

  [[nodiscard]] int arrivals() {
    const std::lock_guard guard(mutex_);
    return arrivals_;
  }
  // Whether a hold ended because `hold` ran out rather than by open().
  [[nodiscard]] bool hold_ran_out() {
    const std::lock_guard guard(mutex_);
    return ran_out_;
  }

 private:
  static std::atomic<StallGate*>& current() {
    static std::atomic<StallGate*> gate{nullptr};
    return gate;
  }

  static void hook(StallPoint point, const void* object) noexcept {
    if (StallGate* gate = current().load(std::memory_order_acquire)) gate->arrive(point, object);
  }

  void arrive(StallPoint point, const void* object) {
    std::unique_lock guard(mutex_);
    if (point != point_ || !(any_object_ || (object == object_ && object_ != nullptr))) return;
    ++arrivals_;
    if (!hold_next_ || (holds_ != std::thread::id{} && holds_ != std::this_thread::get_id())) return;
    hold_next_ = false;
    held_now_ = true;
    changed_.notify_all();
    ran_out_ = !changed_.wait_for(guard, hold_, [this] { return opened_; });
    held_now_ = false;
    changed_.notify_all();
  }

  const StallPoint point_;
  const std::chrono::milliseconds hold_;
  std::mutex mutex_;
  std::condition_variable changed_;
  const void* object_ = nullptr;
  bool any_object_ = false;
  std::thread::id holds_{};
  bool hold_next_ = false;
  bool held_now_ = false;
  bool opened_ = false;
  bool ran_out_ = false;
  int arrivals_ = 0;
};

template <class T>
class CheckedStorage {
 public:
  static constexpr unsigned char kFill = 0xA5;

  CheckedStorage() : bytes_(static_cast<unsigned char*>(::operator new(kSize, std::align_val_t{kAlign}))) {}
  ~CheckedStorage() {
    if (live_) get().~T();
    unpoison();
    ::operator delete(bytes_, kSize, std::align_val_t{kAlign});
  }
  CheckedStorage(const CheckedStorage&) = delete;
  CheckedStorage& operator=(const CheckedStorage&) = delete;

  template <class... Args>
  T& emplace(Args&&... args) {
    T* t = ::new (static_cast<void*>(bytes_)) T(std::forward<Args>(args)...);
    live_ = true;
    return *t;
  }
  [[nodiscard]] T& get() noexcept { return *std::launder(reinterpret_cast<T*>(bytes_)); }
  [[nodiscard]] const void* address() const noexcept { return bytes_; }

  // Ends the object's life; from here on nothing may touch the block.
  void destroy() {
    get().~T();
    live_ = false;
    std::memset(bytes_, kFill, kSize);
#if defined(__SANITIZE_ADDRESS__)
    ASAN_POISON_MEMORY_REGION(bytes_, kSize);
#endif
  }

  // Whether the block still holds only the fill written by destroy(). Call
  // once every thread that used the object has been joined.
  [[nodiscard]] bool untouched_since_destroy() {
    unpoison();
    for (std::size_t i = 0; i < kSize; ++i)
      if (bytes_[i] != kFill) return false;
    return true;
  }

 private:
  static constexpr std::size_t kAlign = alignof(T) > 64 ? alignof(T) : 64;
  static constexpr std::size_t kSize = (sizeof(T) + kAlign - 1) / kAlign * kAlign;

  void unpoison() noexcept {
#if defined(__SANITIZE_ADDRESS__)
    ASAN_UNPOISON_MEMORY_REGION(bytes_, kSize);
#endif
  }

  unsigned char* bytes_;
  bool live_ = false;
};

inline void install_nudge_handler() {
  struct sigaction action {};
  action.sa_handler = [](int) {};
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a futex wait returns EINTR
  sigaction(SIGUSR1, &action, nullptr);
}

inline void nudge(std::thread& t) { pthread_kill(t.native_handle(), SIGUSR1); }

}  // namespace synclab::testing
