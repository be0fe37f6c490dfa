"""The power of the gate's test: the smallest effect a comparison could have detected (its
minimum detectable effect, MDE) and the repetitions an effect of a given size needs.

Model. On the log scale a repetition is  ln(value) = centre + noise,  with the robust spread
sigma of the run (stats.pooled_spread; for pairs, the spread of the pair differences), and a
change shifts NEW's centre by delta = ln(1 + effect). The test is the exact two-sided
Mann-Whitney U (independent sides) or Wilcoxon signed-rank (pairs) at the per-test level the
correction demands (judge.py: alpha / K for a lone change among K gated tests under
Benjamini-Hochberg).

Power without approximation of the test. U >= c exactly when the c-th smallest of the n*m
differences (base_j - new_i), in units of sigma, lies below the shift; W+ >= c exactly when the
c-th smallest of the n(n+1)/2 negated Walsh averages -(e_i + e_j)/2 does. So for each of DRAWS
seeded normal samples the shift at which that sample first rejects is one order statistic, and
the MDE at power P is the P-quantile of those shifts: one vectorised pass, no search. The exact
critical values come from stats.u_upper_tail and stats.signed_rank_upper_tail, the
distributions the p-values use. Beyond MC_LIMIT repetitions per side a normal approximation
takes over (Noether's power formula), which is accurate and slightly cautious there.

Validated in scripts/tests/test_compare_power.py: at the MDE the simulated detection rate of
the real verdict code is the target power, below it less, on normal and on heavy-tailed noise.
"""
from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from synclab.compare import stats

TARGET_POWER = 0.8  # "unchanged" promises that a change of the threshold's size had this chance
DRAWS = 2000
SEARCH_DRAWS = 500  # fewer while searching the repetitions an effect needs (an estimate)
SEED = 18_2024
MC_LIMIT = 50  # repetitions per side up to which the power is simulated
BLOCK = 2_000_000  # differences per vectorised block (bounds memory and cache misses)
MAX_REPETITIONS = 10_000


_NORMAL = NormalDist()


def _normal_quantile(p: float) -> float:
    return _NORMAL.inv_cdf(p)


def _normal_cdf(x: float) -> float:
    return _NORMAL.cdf(x)


@lru_cache(maxsize=512)
def rejection_shifts(n: int, m: int, level: float, draws: int = DRAWS) -> np.ndarray | None:
    """For each seeded draw, the smallest shift (in units of sigma) at which the exact U test of
    n NEW and m BASE repetitions rejects at `level` (sorted); None when it never can."""
    critical = stats.critical_u(n, m, level)
    if critical is None:
        return None
    rng = np.random.default_rng([SEED, n, m])
    shifts = []
    chunk = max(1, BLOCK // (n * m))
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        new = rng.standard_normal((size, n), dtype=np.float32)
        base = rng.standard_normal((size, m), dtype=np.float32)
        differences = (base[:, None, :] - new[:, :, None]).reshape(size, n * m)
        # U(shift) = #{differences < shift}: the critical-th smallest difference is where U
        # first reaches the critical value.
        shifts.append(np.partition(differences, critical - 1, axis=1)[:, critical - 1])
    return np.sort(np.concatenate(shifts))


@lru_cache(maxsize=512)
def paired_rejection_shifts(n: int, level: float, draws: int = DRAWS) -> np.ndarray | None:
    """The same for the exact signed-rank test of n pairs (shifts in units of the pair
    differences' sigma)."""
    critical = stats.critical_w(n, level)
    if critical is None:
        return None
    rng = np.random.default_rng([SEED, n, 0, 1])
    upper = np.triu_indices(n)
    shifts = []
    chunk = max(1, BLOCK // (n * n))
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        noise = rng.standard_normal((size, n), dtype=np.float32)
        # W+(shift) = #{i <= j: shift > -(e_i + e_j) / 2}
        walsh = -(noise[:, :, None] + noise[:, None, :])[:, upper[0], upper[1]] / 2
        shifts.append(np.partition(walsh, critical - 1, axis=1)[:, critical - 1])
    return np.sort(np.concatenate(shifts))


def smallest_p(n: int, m: int, paired: bool) -> float:
    return stats.smallest_p_paired(min(n, m)) if paired else stats.smallest_p(n, m)


def _quantile(shifts: np.ndarray, power: float) -> float:
    index = min(len(shifts) - 1, max(0, math.ceil(power * len(shifts)) - 1))
    return max(0.0, float(shifts[index]))


def mde_sigmas(n: int, m: int, level: float, power: float = TARGET_POWER,
               draws: int = DRAWS, paired: bool = False) -> float:
    """The smallest shift, in units of the noise sigma, that the test detects with `power`;
    math.inf when the repetitions cannot reach `level` at all. Paired: n pairs (m ignored)."""
    if n < 1 or m < 1 or smallest_p(n, m, paired) > level:
        return math.inf
    if max(n, m) > MC_LIMIT:
        return _noether_mde(n, m, level, power, paired)
    shifts = paired_rejection_shifts(n, level, draws) if paired else \
        rejection_shifts(n, m, level, draws)
    if shifts is None:
        return math.inf
    return _quantile(shifts, power)


def _noether_mde(n: int, m: int, level: float, power: float, paired: bool) -> float:
    """Large-sample MDE. Unpaired: the shift whose P(new > base) = Phi(shift / sqrt 2) moves
    U's mean by (z_level + z_power) null standard deviations. Paired: the same for W+, whose
    mean moves by about n(n+1)/2 (Phi(shift) - 1/2)."""
    z = _normal_quantile(1 - level / 2) + _normal_quantile(power)
    if paired:
        p_plus = 0.5 + z * math.sqrt((2 * n + 1) / (6.0 * n * (n + 1)))
        return math.inf if p_plus >= 1.0 else _normal_quantile(p_plus) / math.sqrt(2.0)
    p_plus = 0.5 + z * math.sqrt((n + m + 1) / (12.0 * n * m))
    if p_plus >= 1.0:
        return math.inf
    return math.sqrt(2.0) * _normal_quantile(p_plus)


def relative(shift: float) -> float:
    """A shift on the log scale as a relative change (0.1 = 10 %)."""
    return math.inf if math.isinf(shift) else math.expm1(shift)


def mde(n: int, m: int, level: float, sigma: float, paired: bool = False) -> float:
    """The relative effect (0.1 = 10 %) detectable with TARGET_POWER at noise sigma."""
    sigmas = mde_sigmas(n, m, level, paired=paired)
    if math.isinf(sigmas):
        return math.inf
    return relative(sigmas * sigma)


def repetitions_for(effect: float, sigma: float, level: float,
                    paired: bool = False) -> int | None:
    """Repetitions per side (equal sides; pairs when paired) that detect a relative `effect`
    with TARGET_POWER at noise sigma and `level`; None when even MAX_REPETITIONS would not."""
    if effect <= 0:
        return None
    target = math.log1p(effect)
    low = stats.repetitions_needed_paired(level) if paired else stats.repetitions_needed(level)

    def enough(n: int) -> bool:
        return mde_sigmas(n, n, level, draws=SEARCH_DRAWS, paired=paired) * sigma <= target

    if enough(low):
        return low
    high = low
    while not enough(high):
        if high >= MAX_REPETITIONS:
            return None
        high = min(MAX_REPETITIONS, high * 2)
    while high - low > 1:  # enough(high), not enough(low)
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle
    return high
