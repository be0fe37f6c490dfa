// cas2.hpp — double-width compare-and-swap: two adjacent 64-bit words, 16-byte
// aligned, compared and replaced as one atomic step.
//
// Why not std::atomic<__int128>: GCC's is not lock-free (is_always_lock_free
// is false: its operations are calls into libatomic, which on x86-64 takes a
// lock unless the whole program is built with -mcx16), so the instruction is
// written here in inline assembly, x86-64 and arm64 only.
//
// cas2(pair, e0, e1, d0, d1): if pair[0] == e0 and pair[1] == e1, store d0 and
//   d1 and return true; else leave the memory as it is, set e0 and e1 to the
//   pair it holds (one atomic snapshot of both words) and return false. pair
//   must be 16-byte aligned (all three instructions fault otherwise); word 0 is
//   the one at the lower address.
// cas2_missing(): "" when this machine can run cas2, else the reason. The
//   environment variable SYNCLAB_ASSUME_NO_CAS2=1 makes it report the
//   instruction absent on any machine, for the tests of a caller's left-out
//   path. Calling cas2 where cas2_missing() is not "" is undefined (on x86-64,
//   an illegal instruction).
// cas2_method(): which instruction cas2 uses here, for tests and reports.
// SYNCLAB_HAVE_CAS2: 1 on x86-64 and arm64, where the above exist; 0 elsewhere.
//
// x86-64: `lock cmpxchg16b`, checked at run time (CPUID.01H:ECX bit 13, CX16:
//   the first x86-64 CPUs lack it). A locked instruction is a full barrier,
//   and the asm clobbers memory, so nothing moves across it either way.
// arm64: every ARMv8-A core has a double-width CAS, so cas2_missing() is ""
//   (but for SYNCLAB_ASSUME_NO_CAS2). Two ways, chosen once at run time:
//   - LSE (ARMv8.1, HWCAP_ATOMICS in getauxval(AT_HWCAP)): one `caspal`, the
//     pair CAS with acquire and release semantics. The assembler is told
//     `.arch_extension lse` inside the asm, so the same code assembles in
//     builds for plain ARMv8.0 (the arm64 and arm64-llsc presets) and is
//     reached only where the CPU has it.
//   - otherwise (ARMv8.0): an exclusive-pair loop, `ldaxp` / compare /
//     `stlxp`. An LDXP of two 64-bit registers is single-copy atomic only when
//     the STXP paired with it succeeds (otherwise the architecture does not
//     promise the two loads are one snapshot). So when the compare
//     fails the loop still stores back the pair it loaded, with a store-
//     exclusive, and retries until that succeeds: the store writes the same
//     values (no observer can tell), and its success proves the pair it
//     returns in e0/e1 was one atomic snapshot. A CLREX instead would end the
//     exclusive access without that proof: the reported pair could be torn
//     (one word from before another thread's CAS2, one from after), and a
//     caller's retry would then compare against a pair that never existed.
//     (A successful compare needs no such care: the STXP of d0/d1 succeeds
//     only if nothing wrote the pair since the LDAXP.)
//   Ordering on arm64: both are acquire (the load half) and release (the
//   store half), not a full barrier as on x86-64. What a caller needs from a
//   CAS2 that hands data over is release then acquire: whatever the writer
//   wrote before its CAS2 is visible to the thread whose later CAS2 (or
//   acquire load) read the pair it stored. And Armv8's acquire and release
//   are RCsc: an LDAR (what GCC emits for every seq_cst load, whatever
//   -march) is never satisfied before an earlier STLR / STLXP / CASPAL's
//   store in program order, and nothing after an acquire moves before it
//   nor anything before a release after it. So a seq_cst load after cas2 is
//   ordered after it, and a seq_cst RMW or load before cas2 is ordered
//   before it, as with x86-64's full barrier. A failed caspal / compare is
//   still an acquire load of the pair (the stlxp store-back a release of it).
//   SYNCLAB_CAS2_FORCE_LLSC=1 (test only) takes the exclusive-pair loop on a
//   CPU with LSE, so both ways are exercised where only one would be chosen
//   (qemu-aarch64's default CPU has LSE).
// ThreadSanitizer and AddressSanitizer do not see inside the asm: TSan sees
//   neither the access nor the ordering (callers leave it out under TSan).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string_view>

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ATOMICS
#define HWCAP_ATOMICS (1UL << 8)  // <asm/hwcap.h>: LSE atomics (ARMv8.1)
#endif
#endif

#if defined(__x86_64__) || defined(__aarch64__)
#define SYNCLAB_HAVE_CAS2 1
#else
#define SYNCLAB_HAVE_CAS2 0
#endif

namespace synclab {

#if SYNCLAB_HAVE_CAS2

namespace cas2_detail {

// Read once each, in static initialisers; nothing in the process sets the environment.
inline bool env_flag(const char* name) noexcept {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return v != nullptr && v[0] != '\0' && std::string_view(v) != "0";
}

struct alignas(16) Pair {
  std::uint64_t w[2];
};

#if defined(__aarch64__)
inline bool use_casp() noexcept {
  static const bool yes = (getauxval(AT_HWCAP) & HWCAP_ATOMICS) != 0 && !env_flag("SYNCLAB_CAS2_FORCE_LLSC");
  return yes;
}

inline bool casp(Pair& p, std::uint64_t& e0, std::uint64_t& e1, std::uint64_t d0, std::uint64_t d1) noexcept {
  // CASP wants the compare pair and the new pair each in an even-odd register pair.
  register std::uint64_t s0 __asm__("x0") = e0;
  register std::uint64_t s1 __asm__("x1") = e1;
  register std::uint64_t n0 __asm__("x2") = d0;
  register std::uint64_t n1 __asm__("x3") = d1;
  __asm__ __volatile__(
      ".arch_extension lse\n\t"
      "caspal %[s0], %[s1], %[n0], %[n1], %[mem]"
      : [s0] "+r"(s0), [s1] "+r"(s1), [mem] "+Q"(p)
      : [n0] "r"(n0), [n1] "r"(n1)
      : "memory");
  const bool ok = s0 == e0 && s1 == e1;
  e0 = s0;
  e1 = s1;
  return ok;
}

inline bool llsc(Pair& p, std::uint64_t& e0, std::uint64_t& e1, std::uint64_t d0, std::uint64_t d1) noexcept {
  std::uint64_t l0, l1;
  std::uint32_t status;
  __asm__ __volatile__(
      "1:\n\t"
      "ldaxp %[l0], %[l1], %[mem]\n\t"
      "cmp %[l0], %[e0]\n\t"
      "ccmp %[l1], %[e1], #0, eq\n\t"
      "b.ne 2f\n\t"
      "stlxp %w[st], %[d0], %[d1], %[mem]\n\t"
      "cbnz %w[st], 1b\n\t"
      "b 3f\n"
      "2:\n\t"  // compare failed: store back what was loaded (see the top)
      "stlxp %w[st], %[l0], %[l1], %[mem]\n\t"
      "cbnz %w[st], 1b\n"
      "3:"
      : [l0] "=&r"(l0), [l1] "=&r"(l1), [st] "=&r"(status), [mem] "+Q"(p)
      : [e0] "r"(e0), [e1] "r"(e1), [d0] "r"(d0), [d1] "r"(d1)
      : "cc", "memory");
  const bool ok = l0 == e0 && l1 == e1;
  e0 = l0;
  e1 = l1;
  return ok;
}
#endif

}  // namespace cas2_detail

// "" when this machine has a double-width CAS (and the tests did not ask to
// pretend it has not), else the reason.
inline std::string_view cas2_missing() noexcept {
  static const std::string_view why = [] {
    if (cas2_detail::env_flag("SYNCLAB_ASSUME_NO_CAS2"))
      return std::string_view("double-width CAS treated as absent (SYNCLAB_ASSUME_NO_CAS2)");
#if defined(__x86_64__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid(1, &a, &b, &c, &d) == 0 || (c & bit_CMPXCHG16B) == 0)
      return std::string_view("this CPU has no cmpxchg16b (CPUID.01H:ECX.CX16 = 0): no double-width CAS");
#endif
    return std::string_view();  // arm64: LDAXP/STLXP are ARMv8.0
  }();
  return why;
}

// The instruction cas2 uses on this machine.
inline std::string_view cas2_method() noexcept {
#if defined(__x86_64__)
  return "cmpxchg16b";
#else
  return cas2_detail::use_casp() ? "caspal" : "ldaxp/stlxp";
#endif
}

// See the top. pair: 16 bytes, 16-byte aligned.
inline bool cas2(void* pair, std::uint64_t& e0, std::uint64_t& e1, std::uint64_t d0, std::uint64_t d1) noexcept {
  auto& p = *static_cast<cas2_detail::Pair*>(pair);
#if defined(__x86_64__)
  bool ok;
  __asm__ __volatile__("lock cmpxchg16b %1"
                       : "=@ccz"(ok), "+m"(p), "+a"(e0), "+d"(e1)
                       : "b"(d0), "c"(d1)
                       : "memory");
  return ok;
#else
  if (cas2_detail::use_casp()) return cas2_detail::casp(p, e0, e1, d0, d1);
  return cas2_detail::llsc(p, e0, e1, d0, d1);
#endif
}

#endif  // SYNCLAB_HAVE_CAS2

}  // namespace synclab
