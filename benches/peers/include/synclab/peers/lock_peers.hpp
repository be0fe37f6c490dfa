// lock_peers.hpp — every standard, libc and third-party lock measured beside ours.
//
// Same contract as synclab::locks::OurLocks: a peer joins the typed tests and
// the benchmarks by appearing here once. A peer whose library is not available
// (or whose synchronisation a sanitizer cannot see) is left out of the list,
// not commented out, and kLockPeersMissing says which and why.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "synclab/peers/pthread_mutex.hpp"
#include "synclab/peers/pthread_spin.hpp"
#include "synclab/peers/std_mutex.hpp"
#include "synclab/type_list.hpp"

#if SYNCLAB_HAVE_ABSL
#include "synclab/peers/absl_mutex.hpp"
#endif
#if SYNCLAB_HAVE_TBB
#include "synclab/peers/tbb_mutexes.hpp"
#endif
#if SYNCLAB_HAVE_CK
#include "synclab/peers/ck_spinlocks.hpp"
#endif

#if defined(__SANITIZE_THREAD__)
#define SYNCLAB_LOCK_PEERS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNCLAB_LOCK_PEERS_TSAN 1
#endif
#endif
#ifndef SYNCLAB_LOCK_PEERS_TSAN
#define SYNCLAB_LOCK_PEERS_TSAN 0
#endif

namespace synclab::peers {

namespace lock_peers_detail {

using Libc = synclab::TypeList<StdMutex, PthreadMutex, PthreadMutexAdaptive, PthreadSpin>;

#if SYNCLAB_HAVE_ABSL
using Absl = synclab::TypeList<AbslMutex>;
#else
using Absl = synclab::TypeList<>;
#endif

#if SYNCLAB_HAVE_TBB
using Tbb = synclab::TypeList<TbbSpinMutex, TbbQueuingMutex, TbbMutex>;
#else
using Tbb = synclab::TypeList<>;
#endif

#if SYNCLAB_HAVE_CK
using Ck = synclab::TypeList<CkFas, CkCas, CkTicket, CkMcs, CkClh, CkAnderson, CkDec>;
using CkNode = synclab::TypeList<ck_detail::CkMcsQueue, ck_detail::CkClhQueue>;
#else
using Ck = synclab::TypeList<>;
using CkNode = synclab::TypeList<>;
#endif

// Why a library's peers are absent: a sanitizer build leaves out what it
// cannot see; otherwise the Debian package was not found at configure time.
constexpr std::string_view absent(bool present, bool tsan_excludes, std::string_view not_found) {
  if (present) return {};
  return tsan_excludes && SYNCLAB_LOCK_PEERS_TSAN ? std::string_view("(ThreadSanitizer build)") : not_found;
}

constexpr std::array<std::string_view, 3> kPeerNames = {
    "absl_mutex", "tbb_spin_mutex, tbb_queuing_mutex, tbb_mutex",
    "ck_fas, ck_cas, ck_ticket, ck_mcs, ck_clh, ck_anderson, ck_dec"};
constexpr std::array<std::string_view, 3> kReasons = {
    absent(SYNCLAB_HAVE_ABSL, true, "(libabsl-dev not installed)"),
    absent(SYNCLAB_HAVE_TBB, false, "(libtbb-dev not installed)"),
    absent(SYNCLAB_HAVE_CK, true, "(libck-dev not installed)")};

// "absl_mutex (ThreadSanitizer build); ck_fas, … (ThreadSanitizer build)",
// NUL-terminated, built at compile time.
consteval auto missing_text() {
  std::array<char, 512> out{};
  std::size_t n = 0;
  auto append = [&](std::string_view s) {
    for (char c : s) out[n++] = c;
  };
  for (std::size_t i = 0; i < kReasons.size(); ++i) {
    if (kReasons[i].empty()) continue;
    if (n > 0) append("; ");
    append(kPeerNames[i]);
    append(" ");
    append(kReasons[i]);
  }
  return out;
}

inline constexpr auto kMissingText = missing_text();

}  // namespace lock_peers_detail

using PeerLocks = synclab::Concat<synclab::Concat<lock_peers_detail::Libc, lock_peers_detail::Absl>,
                                  synclab::Concat<lock_peers_detail::Tbb, lock_peers_detail::Ck>>;

// The node-passing peers, driven with a node per thread (their Lockable
// forms above pay the thread-local node lookup).
using PeerNodeLocks = lock_peers_detail::CkNode;

// What was left out and why, for the results context ("" when nothing), e.g.
// "absl_mutex (ThreadSanitizer build); ck_fas, … (ThreadSanitizer build)".
inline constexpr const char* kLockPeersMissing = lock_peers_detail::kMissingText.data();

}  // namespace synclab::peers
