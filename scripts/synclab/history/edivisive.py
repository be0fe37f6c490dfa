"""E-divisive with means: change points of a series by energy statistics (Matteson & James,
"A Nonparametric Approach for Multiple Change Point Analysis of Multivariate Data", JASA 2014).

For a split of a segment into X = x[s:t] and Y = x[t:e] (sizes m, k), the energy distance

    E = 2/(m k) * sum |x_i - y_j|^a  -  1/C(m,2) * sum |x_i - x_i'|^a  -  1/C(k,2) * sum |y_j - y_j'|^a

is zero when the two parts come from one distribution and grows when they differ in location
(or, for a < 2, in any way). The statistic Q = m k / (m + k) * E is maximised over the split
point t. Bisection: the best split of all current segments is proposed, and kept if a
permutation test finds it significant: the observations are shuffled within each current
segment, the best statistic recomputed, R times; p = (#{Q_perm >= Q} + 1) / (R + 1). The search
stops at the first proposal with p above the significance level.

Pure numpy; the random permutations come from a seeded generator, so a result is repeatable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

DEFAULT_SIGNIFICANCE = 0.01
DEFAULT_PERMUTATIONS = 199
DEFAULT_MIN_SIZE = 3
DEFAULT_ALPHA = 1.0


@dataclass(frozen=True)
class ChangePoint:
    index: int  # first index of the new segment
    statistic: float
    p_value: float


def _split_statistics(x: np.ndarray, min_size: int, alpha: float) -> np.ndarray:
    """Q for every split t of x (index t = size of the left part); -inf where not allowed."""
    n = len(x)
    q = np.full(n + 1, -np.inf)
    if n < 2 * min_size:
        return q
    d = np.abs(x[:, None] - x[None, :]) ** alpha
    p = np.zeros((n + 1, n + 1))
    p[1:, 1:] = d.cumsum(axis=0).cumsum(axis=1)
    t = np.arange(min_size, n - min_size + 1)
    m, k = t.astype(float), (n - t).astype(float)
    left = p[t, t]  # sum of d[:t, :t]
    right = p[n, n] - p[t, n] - p[n, t] + p[t, t]  # d[t:, t:]
    between = p[t, n] - p[t, t]  # d[:t, t:]
    energy = 2.0 * between / (m * k) - left / (m * (m - 1)) - right / (k * (k - 1))
    q[t] = m * k / (m + k) * energy
    return q


def _best(x: np.ndarray, bounds: list[int], min_size: int, alpha: float) -> tuple[float, int]:
    """The largest Q over all segments between consecutive bounds, and its absolute index."""
    best_q, best_at = -np.inf, -1
    for start, end in zip(bounds[:-1], bounds[1:]):
        q = _split_statistics(x[start:end], min_size, alpha)
        t = int(np.argmax(q))
        if q[t] > best_q:
            best_q, best_at = float(q[t]), start + t
    return best_q, best_at


def e_divisive(values: Sequence[float], *, significance: float = DEFAULT_SIGNIFICANCE,
               permutations: int = DEFAULT_PERMUTATIONS, min_size: int = DEFAULT_MIN_SIZE,
               alpha: float = DEFAULT_ALPHA, seed: int = 0) -> list[ChangePoint]:
    """Change points of `values`, in index order."""
    if min_size < 2:
        raise ValueError("min_size must be at least 2")
    if not 0 < alpha < 2:
        raise ValueError("alpha must lie in (0, 2)")
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or not np.all(np.isfinite(x)):
        raise ValueError("values must be a finite one-dimensional series")
    rng = np.random.default_rng(seed)
    found: list[ChangePoint] = []
    bounds = [0, len(x)]
    # Stop early once so many permutations beat the proposal that p cannot reach significance.
    limit = int(np.floor(significance * (permutations + 1)))
    while True:
        q, at = _best(x, bounds, min_size, alpha)
        if at < 0 or not np.isfinite(q) or q <= 0:
            break
        beaten = 0
        for _ in range(permutations):
            shuffled = x.copy()
            for start, end in zip(bounds[:-1], bounds[1:]):
                shuffled[start:end] = rng.permutation(x[start:end])
            if _best(shuffled, bounds, min_size, alpha)[0] >= q:
                beaten += 1
                if beaten >= limit:
                    break
        p = (beaten + 1) / (permutations + 1)
        if p > significance:
            break
        found.append(ChangePoint(at, q, p))
        bounds = sorted(bounds + [at])
    return sorted(found, key=lambda c: c.index)


def segments(n: int, points: Sequence[ChangePoint]) -> list[tuple[int, int]]:
    """[start, end) of the segments the change points cut 0..n into."""
    cuts = [0] + [c.index for c in points] + [n]
    return list(zip(cuts[:-1], cuts[1:]))
