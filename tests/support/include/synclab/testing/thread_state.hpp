// thread_state.hpp — what another thread of this process is doing right now,
// read from /proc: whether it is blocked in the futex syscall, and on which
// address. Tests use it to know that a waiter is asleep (rather than guess
// with a sleep) and where it sleeps (on a condition variable's word or, once
// requeued, still inside that call but queued on the mutex's).
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

namespace synclab::testing {

[[nodiscard]] inline long this_thread_tid() noexcept { return ::syscall(SYS_gettid); }

// The first argument of the futex call thread `tid` is blocked in (the
// word's address, as the thread passed it), or nullopt if it is running or
// in another syscall. /proc/self/task/<tid>/syscall holds the number of the
// syscall a blocked thread is in and its arguments in hex ("running" for a
// thread that is runnable, woken or not).
[[nodiscard]] inline std::optional<std::uintptr_t> blocked_futex_address(long tid) {
  std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/syscall");
  std::string number, first_argument;
  if (!(file >> number >> first_argument) || number != std::to_string(SYS_futex)) return std::nullopt;
  return static_cast<std::uintptr_t>(std::stoull(first_argument, nullptr, 16));
}

// Whether thread `tid` is blocked in the futex syscall right now. Where the
// syscall file cannot be read, falls back to the scheduler state in
// .../stat being 'S' (sleeping).
[[nodiscard]] inline bool blocked_in_futex(long tid) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  std::ifstream syscall_file(task + "/syscall");
  std::string first;
  if (syscall_file >> first) return first == std::to_string(SYS_futex);
  std::ifstream stat_file(task + "/stat");
  std::string line;
  std::getline(stat_file, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'S';
}

// Waits until `tid` (0 until the thread has published it) has been seen
// blocked in a futex on three polls in a row, 1 ms apart (a single sighting
// could be a passing internal lock). False after `limit`.
inline bool wait_until_asleep(const std::atomic<long>& tid, std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  int in_a_row = 0;
  while (std::chrono::steady_clock::now() < give_up) {
    const long t = tid.load(std::memory_order_acquire);
    in_a_row = (t != 0 && blocked_in_futex(t)) ? in_a_row + 1 : 0;
    if (in_a_row == 3) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace synclab::testing
