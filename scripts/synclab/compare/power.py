"""The power of the gate's test: the smallest effect a comparison could have detected (its
minimum detectable effect, MDE) and the repetitions an effect of a given size needs.

Model. On the log scale a repetition is  ln(value) = centre + noise,  and a change shifts NEW's
centre by delta = ln(1 + effect). The test is the exact two-sided Mann-Whitney U at the per-test
level the correction demands (judge.py: alpha / K for a lone change among K gated tests under
Benjamini-Hochberg).

Power without approximating the test. U >= c exactly when the c-th smallest of the n*m
differences (base_j - new_i) lies below the shift. So for each simulated pair of samples the
shift at which it first rejects is one order statistic, and the MDE at power P is the
P-quantile of those shifts: one vectorised pass, no search. The exact critical value c comes
from stats.u_upper_tail, the distribution the p-values use.

Where the noise comes from:
  * a row's MDE is simulated from the run's own noise: each side's residuals (ln value minus
    its median) resampled with replacement, smoothed (`observed_mde_shift`). A shared
    machine's noise has heavy tails (a preempted window, a neighbour's burst); resampling keeps
    them, so the MDE is what the test really could see. Checked on the real binary: MDEs
    measured in one interleaved A/A of the gate profile, a shift of that size added to another,
    independent A/A was detected in 72-79 % of the cases (target 80 %); plain resampling gave
    70-71 %, a normal model of the robust spread 50-56 % (docs/regressions.md);
  * the repetitions an effect needs are solved in a normal model (`mde_sigmas`, seeded standard
    normal draws; Noether's approximation beyond MC_LIMIT repetitions), at the noise that gives
    the run's MDE at its own size (`equivalent_sigma`).
Validated in scripts/tests/test_compare_power.py: at the MDE the simulated detection rate of
the exact test is the target power, below it less, on normal and on heavy-tailed noise.
"""
from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist
from typing import Sequence

import numpy as np

from synclab.compare import stats

TARGET_POWER = 0.8  # "unchanged" promises that a change of the threshold's size had this chance
DRAWS = 2000  # normal model
OBSERVED_DRAWS = 1000  # resampled residuals of one row
SEARCH_DRAWS = 500  # normal model, while searching the repetitions an effect needs
SEED = 18_2024
SMOOTHING = 0.5  # jitter of the resampled residuals, in robust standard deviations
MC_LIMIT = 50  # repetitions per side up to which the normal model is simulated
BLOCK = 2_000_000  # differences per vectorised block (bounds memory)
MAX_REPETITIONS = 10_000
_NORMAL = NormalDist()


def _rejection_shifts(new: np.ndarray, base: np.ndarray, critical: int) -> np.ndarray:
    """Per row of the (draws, n) and (draws, m) samples: the smallest shift of NEW at which U
    reaches `critical` (U(shift) = #{base_j - new_i < shift}), sorted."""
    draws, n = new.shape
    m = base.shape[1]
    chunk = max(1, BLOCK // (n * m))
    shifts = []
    for start in range(0, draws, chunk):
        stop = min(draws, start + chunk)
        differences = (base[start:stop, None, :] - new[start:stop, :, None]).reshape(
            stop - start, n * m)
        shifts.append(np.partition(differences, critical - 1, axis=1)[:, critical - 1])
    return np.sort(np.concatenate(shifts))


def _quantile(shifts: np.ndarray, power: float) -> float:
    index = min(len(shifts) - 1, max(0, math.ceil(power * len(shifts)) - 1))
    return max(0.0, float(shifts[index]))


@lru_cache(maxsize=512)
def _normal_shifts(n: int, m: int, level: float, draws: int) -> np.ndarray | None:
    critical = stats.critical_u(n, m, level)
    if critical is None:
        return None
    rng = np.random.default_rng([SEED, n, m, draws])
    new = rng.standard_normal((draws, n), dtype=np.float32)
    base = rng.standard_normal((draws, m), dtype=np.float32)
    return _rejection_shifts(new, base, critical)


def mde_sigmas(n: int, m: int, level: float, power: float = TARGET_POWER,
               draws: int = DRAWS) -> float:
    """The smallest shift, in units of the noise sigma, that the test detects with `power` when
    the noise is normal; math.inf when the repetitions cannot reach `level` at all."""
    if n < 1 or m < 1 or stats.smallest_p(n, m) > level:
        return math.inf
    if max(n, m) > MC_LIMIT:
        return _noether_mde(n, m, level, power)
    shifts = _normal_shifts(n, m, level, draws)
    return math.inf if shifts is None else _quantile(shifts, power)


def _noether_mde(n: int, m: int, level: float, power: float) -> float:
    """Large-sample MDE: the shift whose P(new > base) = Phi(shift / sqrt 2) moves U's mean by
    (z_level + z_power) null standard deviations (slightly cautious: the spread of U under the
    alternative is smaller than under the null)."""
    z = _NORMAL.inv_cdf(1 - level / 2) + _NORMAL.inv_cdf(power)
    p_plus = 0.5 + z * math.sqrt((n + m + 1) / (12.0 * n * m))
    if p_plus >= 1.0:
        return math.inf
    return math.sqrt(2.0) * _NORMAL.inv_cdf(p_plus)


def observed_mde_shift(base_logs: Sequence[float], new_logs: Sequence[float], level: float,
                       power: float = TARGET_POWER, draws: int = OBSERVED_DRAWS) -> float:
    """The smallest shift on the log scale the test detects with `power` when each side's
    noise is its own residuals, resampled (seeded); math.inf when the level is out of reach."""
    n, m = len(new_logs), len(base_logs)
    critical = stats.critical_u(n, m, level) if n and m else None
    if critical is None:
        return math.inf
    rng = np.random.default_rng([SEED, n, m, 7])
    sides = []
    for values in (new_logs, base_logs):
        size = len(values)
        # A smoothed bootstrap: residuals scaled to the sample's degrees of freedom, plus a
        # jitter of half the robust spread, so a dozen windows stand for a noise that can also
        # fall between them (plain resampling promises too much: 67-70 % instead of 80 %).
        residuals = (np.asarray(values, dtype=np.float64) - float(np.median(values))) * \
            math.sqrt(size / max(1, size - 1))
        jitter = SMOOTHING * (stats.robust_sd(values) or 0.0)
        sides.append(rng.choice(residuals, size=(draws, size)) +
                     rng.normal(0.0, jitter, size=(draws, size)))
    return _quantile(_rejection_shifts(sides[0], sides[1], critical), power)


def relative(shift: float) -> float:
    """A shift on the log scale as a relative change (0.1 = 10 %)."""
    return math.inf if math.isinf(shift) else math.expm1(shift)


def mde(n: int, m: int, level: float, sigma: float) -> float:
    """The relative effect (0.1 = 10 %) detectable with TARGET_POWER at normal noise sigma."""
    return relative(mde_sigmas(n, m, level) * sigma)


def equivalent_sigma(shift: float, n: int, m: int, level: float) -> float | None:
    """The normal noise at which n and m repetitions give an MDE of `shift` (None when the level
    is out of reach): what the search for the repetitions an effect needs works with."""
    sigmas = mde_sigmas(n, m, level)
    if math.isinf(sigmas) or math.isinf(shift) or sigmas <= 0:
        return None
    return shift / sigmas


def repetitions_for(effect: float, sigma: float, level: float) -> int | None:
    """Repetitions per side (equal sides) that detect a relative `effect` with TARGET_POWER at
    normal noise sigma and `level`; None when even MAX_REPETITIONS would not."""
    if effect <= 0:
        return None
    target = math.log1p(effect)
    low = stats.repetitions_needed(level)

    def enough(n: int) -> bool:
        return mde_sigmas(n, n, level, draws=SEARCH_DRAWS) * sigma <= target

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
