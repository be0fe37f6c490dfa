"""Pure statistics of a comparison: medians, quartiles, Mann-Whitney U, Benjamini-Hochberg.

Mann-Whitney U is rank based: it asks whether one side's repetitions tend to be larger than
the other's, without assuming a distribution, and one wild repetition moves it by one rank
only. Its p-value cannot be arbitrarily small with few repetitions: with n repetitions per
side the two-sided exact p is at least 2 / C(2n, n) (complete separation), so
`repetitions_needed` says how many it takes before a test can reach a given alpha at all.
"""
from __future__ import annotations

import math
import statistics
from typing import Sequence


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    """(Q1, Q3) by linear interpolation; a single value is its own quartiles."""
    data = sorted(values)
    if len(data) == 1:
        return data[0], data[0]
    q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return float(q1), float(q3)


def smallest_p(n: int, m: int) -> float:
    """The smallest two-sided p-value the exact U test can give with n and m repetitions."""
    if n < 1 or m < 1:
        return 1.0
    return min(1.0, 2.0 / math.comb(n + m, n))


def repetitions_needed(alpha: float) -> int:
    """The smallest n (per side, equal sizes) with 2 / C(2n, n) <= alpha."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), not {alpha}")
    n = 1
    while smallest_p(n, n) > alpha:
        n += 1
    return n


def mann_whitney_p(new: Sequence[float], base: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value (scipy); 1.0 when every value of both sides is equal."""
    if not new or not base:
        raise ValueError("mann_whitney_p needs repetitions on both sides")
    if len(set(new) | set(base)) == 1:
        return 1.0
    from scipy.stats import mannwhitneyu  # imported here: scipy is slow to import

    p = float(mannwhitneyu(list(new), list(base), alternative="two-sided").pvalue)
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
