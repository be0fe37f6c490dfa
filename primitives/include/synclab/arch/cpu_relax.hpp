// cpu_relax.hpp — the one spin-loop hint every busy-wait in synclab goes through.
//
// What it emits:
//   x86-64 / x86: PAUSE. It tells the core that this is a spin-wait loop, which
//     avoids the memory-order mis-speculation pipeline flush when the awaited
//     line finally changes, and gives the sibling hyperthread the issue slots.
//     Its latency varies a lot between generations (about 10 cycles before
//     Skylake, about 140 on Skylake and later), so loops that count pauses
//     (ttas_backoff, futex_mutex3_spin) are measured, not assumed.
//   aarch64: YIELD, the architectural hint with the same intent. (ISB and WFE
//     are other possible relax policies; they would be separate variants.)
//   anything else: only a compiler barrier, so the loop still re-reads memory
//     through its atomic loads and is not collapsed by the optimiser.
//
// It never calls into the OS: a thread that relaxes keeps its CPU. Locks that
// must not burn a CPU under oversubscription sleep in synclab/wait/futex.hpp.
//
// Keeping the hint in one function means the relax policy can be changed and
// measured in one place.
#pragma once

namespace synclab {

[[gnu::always_inline]] inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

}  // namespace synclab
