"""Windowed t-test change points: deterministic, vectorised over many series at once.

The manner of Apache Otava (formerly Hunter): a change point is a split where the runs just
before and just after it differ by Welch's t-test, judged only on a window of recent runs
around it, so its cost is linear in the history's length and its answer never depends on a
random draw. Two passes:

  1. scan: for every split t (the first run of a new level), the `window` runs before and the
     `window` runs after it (fewer at either end, never fewer than `min_size`) are compared by
     Welch's t-test; splits with p <= max_p whose step is at least min_step are candidates, and
     of candidates closer than min_size the most significant is kept. Running sums make the
     scan of every split of every series a handful of array operations.
  2. merge: each candidate is tested again between its neighbouring candidates (at most
     `window` runs on either side); the least significant one above max_p is dropped, and the
     rest are tested again, until every one left is significant.

Why this and not E-divisive over the whole history (edivisive.py, `history trend`): E-divisive
builds an n x n distance matrix and runs 199 permutations per series, seeded but random,
which no dashboard over tens of thousands of series and a thousand runs can afford; this is
O(n) per series, vectorised, and gives the same answer every time. docs/regressions.md has the
measured false alarms and detection delays of both.

Values are the series' run medians; no transformation, so a metric that is 0 or constant is
fine (a constant series has no change; a step between two constant levels is a change, p = 0).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

DEFAULT_WINDOW = 12
DEFAULT_MIN_SIZE = 3
DEFAULT_MAX_P = 1e-3
DEFAULT_MIN_STEP = 0.0
# Values one scan takes at once: series are scanned in blocks of this many values, so that the
# scan's dozen temporary arrays stay a few MiB each (20,000 series x 1,000 runs at once would
# make each 160 MB, and the scan would spend its time faulting fresh memory in).
SCAN_VALUES = 1 << 18


@dataclass(frozen=True)
class Settings:
    window: int = DEFAULT_WINDOW  # runs on each side a split is judged on
    min_size: int = DEFAULT_MIN_SIZE  # fewest runs on either side of a split
    max_p: float = DEFAULT_MAX_P  # Welch's t-test level a change must reach
    min_step: float = DEFAULT_MIN_STEP  # smallest |after / before - 1| that is reported

    def __post_init__(self) -> None:
        if self.min_size < 2:
            raise ValueError("min_size must be at least 2 (a variance needs two runs)")
        if self.window < self.min_size:
            raise ValueError("window must be at least min_size")
        if not 0 < self.max_p < 1:
            raise ValueError("max_p must lie in (0, 1)")
        if self.min_step < 0:
            raise ValueError("min_step must not be negative")

    def describe(self) -> str:
        step = f", steps of at least {self.min_step:.0%}" if self.min_step else ""
        return (f"Welch's t-test over at most {self.window} runs either side, at least "
                f"{self.min_size}, p <= {self.max_p:g}{step}")


@dataclass(frozen=True)
class ChangePoint:
    index: int  # first run of the new level
    p_value: float
    before: float  # median of the runs since the previous change point (at most `window`)
    after: float  # median of the runs up to the next change point (at most `window`)

    @property
    def step(self) -> float | None:
        """after / before - 1; None when before is 0."""
        return self.after / self.before - 1 if self.before else None


def _scipy_stats() -> Any:
    """scipy.stats, imported when a test is first run: importing it takes half a second, which
    every command line that names this module's defaults (`history add` among them) would pay."""
    from scipy import stats
    return stats


def _welch(n1: np.ndarray, s1: np.ndarray, q1: np.ndarray, n2: np.ndarray, s2: np.ndarray,
           q2: np.ndarray, max_p: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Welch's test from counts, sums and sums of squares: (log p, mean1, mean2).
    Two constant sides: p = 1 when equal, 0 when not. Where |t| is below the normal quantile
    of max_p (below which no t distribution reaches max_p either) log p is left at 0: the
    t distribution's tail is the costly part of a scan, and those splits are not candidates."""
    stats = _scipy_stats()
    with np.errstate(divide="ignore", invalid="ignore"):
        m1, m2 = s1 / n1, s2 / n2
        v1 = np.maximum(q1 - s1 * m1, 0.0) / (n1 - 1)
        v2 = np.maximum(q2 - s2 * m2, 0.0) / (n2 - 1)
        a, b = v1 / n1, v2 / n2
        se2 = a + b
        scale = np.maximum(np.abs(m1), np.abs(m2))
        # Variances below rounding noise of the means are none at all.
        flat = se2 <= (1e-12 * np.where(scale > 0, scale, 1.0)) ** 2
        t = np.abs(m2 - m1) / np.sqrt(np.where(flat, 1.0, se2))
        df = se2 ** 2 / (a ** 2 / (n1 - 1) + b ** 2 / (n2 - 1))
        logp = np.zeros(np.broadcast(t, df).shape)
        near = ~flat & (t >= stats.norm.isf(max_p / 2)) if max_p < 1 else ~flat
        near = np.broadcast_to(near, logp.shape)
        logp[near] = np.log(2.0) + stats.t.logsf(np.broadcast_to(t, logp.shape)[near],
                                                 np.broadcast_to(df, logp.shape)[near])
        differs = ~np.isclose(m1, m2, rtol=1e-12, atol=0.0)
        logp = np.where(flat, np.where(differs, -np.inf, 0.0), np.minimum(logp, 0.0))
    return logp, m1, m2


def _scan(x: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """(log p, step) of every split 0..n of every row of x (S x n); splits that leave fewer than
    min_size runs on a side get log p = 0."""
    count, n = x.shape
    centre = np.median(x, axis=1, keepdims=True)  # running sums of small numbers: less rounding
    y = x - centre
    zero = np.zeros((count, 1))
    c1 = np.concatenate([zero, np.cumsum(y, axis=1)], axis=1)
    c2 = np.concatenate([zero, np.cumsum(y * y, axis=1)], axis=1)
    t = np.arange(n + 1)
    lo = np.maximum(t - settings.window, 0)
    hi = np.minimum(t + settings.window, n)
    n1, n2 = (t - lo).astype(float), (hi - t).astype(float)
    valid = (n1 >= settings.min_size) & (n2 >= settings.min_size)
    n1, n2 = np.where(valid, n1, 2.0), np.where(valid, n2, 2.0)  # placeholders, masked below
    logp, m1, m2 = _welch(n1, c1[:, t] - c1[:, lo], c2[:, t] - c2[:, lo],
                          n2, c1[:, hi] - c1[:, t], c2[:, hi] - c2[:, t], settings.max_p)
    before, after = m1 + centre, m2 + centre
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(before != 0, after / before - 1.0, np.inf)
    logp = np.where(valid[None, :], logp, 0.0)
    return logp, step


def _peaks(logp: np.ndarray, step: np.ndarray, settings: Settings) -> list[int]:
    """Candidate splits of one series: significant, large enough, and the most significant
    within min_size - 1 runs either side (ties: the earliest)."""
    limit = np.log(settings.max_p)
    ok = (logp <= limit) & (np.abs(step) >= settings.min_step)
    out: list[int] = []
    reach = settings.min_size - 1
    for t in np.flatnonzero(ok):
        near = logp[max(0, t - reach):t + reach + 1]
        first_best = max(0, t - reach) + int(np.argmin(near))
        if first_best == t:
            out.append(int(t))
    return out


def _test(x: np.ndarray, start: int, at: int, end: int, settings: Settings) -> float:
    """log p of the split `at` of x[start:end], at most `window` runs either side."""
    stats = _scipy_stats()
    left = x[max(start, at - settings.window):at]
    right = x[at:min(end, at + settings.window)]
    if len(left) < settings.min_size or len(right) < settings.min_size:
        return 0.0
    m1, m2 = float(left.mean()), float(right.mean())
    a, b = float(left.var(ddof=1)) / len(left), float(right.var(ddof=1)) / len(right)
    scale = max(abs(m1), abs(m2), 1e-300)
    if a + b <= (1e-12 * scale) ** 2:  # two constant sides
        return 0.0 if math.isclose(m1, m2, rel_tol=1e-12, abs_tol=0.0) else -math.inf
    t = abs(m2 - m1) / math.sqrt(a + b)
    df = (a + b) ** 2 / (a * a / (len(left) - 1) + b * b / (len(right) - 1))
    return min(0.0, math.log(2.0) + float(stats.t.logsf(t, df)))


def _merge(x: np.ndarray, candidates: list[int], settings: Settings) -> list[tuple[int, float]]:
    """Drops the least significant candidate until every one left passes between its
    neighbours; (index, log p) of the survivors."""
    kept = list(candidates)
    limit = np.log(settings.max_p)
    while kept:
        bounds = [0] + kept + [len(x)]
        y = x - np.median(x)
        scores = [_test(y, bounds[i], bounds[i + 1], bounds[i + 2], settings)
                  for i in range(len(kept))]
        worst = int(np.argmax(scores))
        if scores[worst] <= limit:
            return list(zip(kept, scores))
        del kept[worst]
    return []


def _levels(x: np.ndarray, found: list[tuple[int, float]], settings: Settings
            ) -> list[ChangePoint]:
    bounds = [0] + [at for at, _ in found] + [len(x)]
    out = []
    for i, (at, logp) in enumerate(found):
        before = x[max(bounds[i], at - settings.window):at]
        after = x[at:min(bounds[i + 2], at + settings.window)]
        out.append(ChangePoint(at, float(np.exp(logp)), float(np.median(before)),
                               float(np.median(after))))
    return out


def detect_many(x: np.ndarray, settings: Settings = Settings()) -> list[list[ChangePoint]]:
    """Change points of each row of x (series x runs, finite values), in index order."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError("detect_many takes a two-dimensional array (series x runs)")
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    count, n = x.shape
    if n < 2 * settings.min_size or count == 0:
        return [[] for _ in range(count)]
    limit = np.log(settings.max_p)
    out: list[list[ChangePoint]] = [[] for _ in range(count)]
    rows = max(1, SCAN_VALUES // (n + 1))
    for first in range(0, count, rows):
        block = x[first:first + rows]
        logp, step = _scan(block, settings)
        hit = np.flatnonzero(np.any((logp <= limit) & (np.abs(step) >= settings.min_step),
                                    axis=1))
        for row in hit:  # only series with a candidate go on, one at a time
            candidates = _peaks(logp[row], step[row], settings)
            out[first + row] = _levels(block[row], _merge(block[row], candidates, settings),
                                       settings)
    return out


def detect(values: Sequence[float] | np.ndarray, settings: Settings = Settings()) -> list[ChangePoint]:
    """Change points of one series."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError("values must be one-dimensional")
    return detect_many(x[None, :], settings)[0]


def detect_ragged(series: Sequence[Sequence[float] | np.ndarray], settings: Settings = Settings()
                  ) -> list[list[ChangePoint]]:
    """Change points of series of different lengths: those of one length go through
    detect_many together."""
    by_length: dict[int, list[int]] = {}
    for i, values in enumerate(series):
        by_length.setdefault(len(values), []).append(i)
    out: list[list[ChangePoint]] = [[] for _ in series]
    for length, rows in by_length.items():
        if length == 0:
            continue
        found = detect_many(np.array([series[i] for i in rows], dtype=float), settings)
        for i, points in zip(rows, found):
            out[i] = points
    return out
