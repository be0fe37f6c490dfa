"""Pure statistics of a comparison: medians, quartiles, the noise of a metric, Mann-Whitney U
(exact where it can be), Benjamini-Hochberg.

Mann-Whitney U is rank based: it asks whether one side's repetitions tend to be larger than
the other's, without assuming a distribution, and one wild repetition moves it by one rank
only. Its p-value cannot be arbitrarily small with few repetitions: with n and m repetitions
the two-sided exact p is at least 2 / C(n + m, n) (complete separation), so
`repetitions_needed` says how many it takes before a test can reach a given level at all.

Without ties and up to EXACT_LIMIT repetitions per side the p-value is the exact one, from the
null distribution of U (the same distribution the power computation uses, so the smallest p,
the critical values and the p-values agree); with ties or more repetitions it is the normal
approximation with tie and continuity correction (scipy).
"""
from __future__ import annotations

import math
import statistics
from functools import lru_cache
from typing import Sequence

import numpy as np

# Up to this many repetitions per side p-values are exact (the null distribution has n*m + 1
# points and is computed once per (n, m)).
EXACT_LIMIT = 60
# MAD of a normal sample x 1.4826 estimates its standard deviation.
MAD_TO_SIGMA = 1.482602218505602


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    """(Q1, Q3) by linear interpolation; a single value is its own quartiles."""
    data = sorted(values)
    if len(data) == 1:
        return data[0], data[0]
    q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return float(q1), float(q3)


def robust_sd(values: Sequence[float]) -> float | None:
    """1.4826 x the median absolute deviation: the standard deviation of normal data, which a
    preempted repetition does not inflate (the rank tests are just as indifferent to it).
    None with fewer than 2 values."""
    if len(values) < 2:
        return None
    centre = statistics.median(values)
    return MAD_TO_SIGMA * float(statistics.median(abs(x - centre) for x in values))


def log_spread(values: Sequence[float]) -> float | None:
    """Robust standard deviation of ln(value); None with fewer than 2 values or a value <= 0
    (no log scale)."""
    if len(values) < 2 or any(v <= 0 for v in values):
        return None
    return robust_sd([math.log(v) for v in values])


def pooled_spread(base: Sequence[float], new: Sequence[float]) -> float | None:
    """The noise of one repetition on the log scale, pooled over both sides (root mean square
    of the two sides' robust spreads, weighted by their degrees of freedom)."""
    parts = [(len(values) - 1, s) for values in (base, new)
             if (s := log_spread(values)) is not None]
    if not parts:
        return None
    weight = sum(w for w, _ in parts)
    return math.sqrt(sum(w * s * s for w, s in parts) / weight)


def smallest_p(n: int, m: int) -> float:
    """The smallest two-sided p-value the exact U test can give with n and m repetitions."""
    if n < 1 or m < 1:
        return 1.0
    orderings = math.comb(n + m, n)
    return 0.0 if orderings.bit_length() > 1000 else min(1.0, 2.0 / orderings)


def repetitions_needed(level: float) -> int:
    """The smallest n (per side, equal sizes) with 2 / C(2n, n) <= level."""
    if not 0 < level < 1:
        raise ValueError(f"the level must lie in (0, 1), not {level}")
    n = 1
    while smallest_p(n, n) > level:
        n += 1
    return n


@lru_cache(maxsize=256)
def u_counts(n: int, m: int) -> tuple[int, ...]:
    """How many of the C(n + m, n) orderings give U = 0, 1, ..., n*m (no ties): the
    coefficients of the Gaussian binomial [n + m choose n]_q, built as the product over
    i = 1..n of (1 - q^(m+i)) / (1 - q^i); exact integers (int64 while they fit)."""
    size = n * m + 1
    exact = math.comb(n + m, n) >= 2**62
    coeffs = np.zeros(size, dtype=object if exact else np.int64)
    coeffs[0] = 1
    for i in range(1, n + 1):
        shift = m + i
        if shift < size:  # times (1 - q^shift)
            coeffs[shift:] = coeffs[shift:] - coeffs[:size - shift]
        # divided by (1 - q^i): a running sum over every i-th coefficient
        rows = -(-size // i)
        padded = np.zeros(rows * i, dtype=coeffs.dtype)
        padded[:size] = coeffs
        coeffs = np.cumsum(padded.reshape(rows, i), axis=0).reshape(-1)[:size]
    return tuple(int(c) for c in coeffs)


@lru_cache(maxsize=256)
def u_upper_tail(n: int, m: int) -> tuple[float, ...]:
    """P(U >= u) for u = 0 .. n*m under the null hypothesis (exact, no ties)."""
    counts = u_counts(n, m)
    total = math.comb(n + m, n)
    tail = []
    running = 0
    for count in reversed(counts):
        running += count
        tail.append(running / total)
    return tuple(reversed(tail))


def exact_p(u: float, n: int, m: int) -> float:
    """Two-sided exact p of U = u (the distribution is symmetric about n*m/2)."""
    tail = u_upper_tail(n, m)
    extreme = max(u, n * m - u)
    return min(1.0, 2.0 * tail[int(math.ceil(extreme - 1e-9))])


def critical_u(n: int, m: int, level: float) -> int | None:
    """The smallest u with two-sided exact p(u) <= level; None when no u reaches it."""
    tail = u_upper_tail(n, m)
    for u in range((n * m + 1) // 2, n * m + 1):
        if 2.0 * tail[u] <= level:
            return u
    return None


def u_statistic(new: Sequence[float], base: Sequence[float]) -> float:
    """Pairs (x in NEW, y in BASE) with x > y, ties counted one half."""
    return sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in new for y in base)


def mann_whitney_p(new: Sequence[float], base: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value; 1.0 when every value of both sides is equal."""
    if not new or not base:
        raise ValueError("mann_whitney_p needs repetitions on both sides")
    if len(set(new) | set(base)) == 1:
        return 1.0
    n, m = len(new), len(base)
    if len(set(new) | set(base)) == n + m and max(n, m) <= EXACT_LIMIT:
        return exact_p(u_statistic(new, base), n, m)
    from scipy.stats import mannwhitneyu  # imported here: scipy is slow to import

    p = float(mannwhitneyu(list(new), list(base), alternative="two-sided",
                           method="asymptotic").pvalue)
    return 1.0 if math.isnan(p) else min(1.0, p)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Adjusted p-values (q-values) of the Benjamini-Hochberg step-up procedure, in input order.

    A test is a discovery at false-discovery rate alpha when its q-value is <= alpha.
    """
    k = len(p_values)
    order = sorted(range(k), key=lambda i: p_values[i])
    adjusted = [1.0] * k
    running = 1.0
    for rank in range(k, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * k / rank)
        adjusted[index] = min(1.0, running)
    return adjusted
