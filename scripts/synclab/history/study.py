#!/usr/bin/python3
"""changepoint_study: how often the history's change-point detectors raise false alarms, and
how many runs they need to see a 10 % step, on noise shaped like this machine's.

    scripts/changepoint_study A/A-RESULTS.json ... [--series N] [--runs N] [--seed N] [--json FILE]

The results files are repeated runs of the same cases on one machine and one binary (an A/A
history, in run order). Their run-to-run noise is the model: each series' log deviations from
its median are pooled, apart for one-thread and contended cases (t:1 and t:2+), and synthetic
series are drawn from those pools with replacement. The detectors replay each series run by
run, as `history add` would meet it, and are judged on:

  false alarms  change points per 100 runs on flat series: "final" what the page shows at the
                end, "ever" every run that was flagged at some point of the replay
  delay         runs on the new level when a planted 10 % step is first flagged (within one run
                of where it is), over --step-series series
  real A/A      change points per 100 runs on the A/A files' own series

Detectors: the windowed t-test (changepoints.py, what the dashboard uses) and E-divisive with a
permutation test (edivisive.py) over a sliding window of the latest 2 x window runs.
Nothing is timed; the figures go to docs/regressions.md.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

if __package__ in (None, ""):  # run as a file: make the synclab package importable
    sys.path[0] = str(Path(__file__).resolve().parents[2])

import numpy as np  # noqa: E402

from synclab.errors import EXIT_OK, EXIT_USAGE, ArgumentParser, UsageError  # noqa: E402
from synclab.errors import report_error  # noqa: E402
from synclab.history import changepoints, edivisive, store  # noqa: E402
from synclab.metrics import primary_metric  # noqa: E402
from synclab.names import parse_case_name  # noqa: E402

PROG = "changepoint_study"
STEP = 0.10

Detector = Callable[[np.ndarray], list[set[int]]]  # series x runs so far -> flagged positions


def aa_series(paths: Sequence[Path]) -> dict[tuple[str, str], np.ndarray]:
    """(case, metric) -> run medians, for series present in every file, in the files' order."""
    columns: list[dict[tuple[str, str], float]] = []
    for path in paths:
        run = store.read_results(path)
        columns.append({(case, metric): median for case, metric, median, *_ in run.rows})
    common = set.intersection(*(set(c) for c in columns))
    return {key: np.array([c[key] for c in columns]) for key in sorted(common)}


def noise_pools(series: dict[tuple[str, str], np.ndarray]) -> dict[str, np.ndarray]:
    """Log deviations of each run from its series' median, of each case's primary metric (the
    one the gate judges), pooled by class."""
    pools: dict[str, list[float]] = {"one thread": [], "contended": []}
    metrics_of: dict[str, set[str]] = {}
    for case, metric in series:
        metrics_of.setdefault(case, set()).add(metric)
    for (case, metric), values in series.items():
        name = parse_case_name(case)
        if name is None or np.any(values <= 0):
            continue
        if metric != primary_metric(metrics_of[case], name.threads):
            continue
        pool = pools["one thread" if name.threads == 1 else "contended"]
        pool.extend(np.log(values / np.median(values)))
    return {k: np.array(v) for k, v in pools.items() if len(v) >= 10}


def synthetic(pool: np.ndarray, count: int, runs: int, rng: np.random.Generator,
              step_at: int | None = None) -> np.ndarray:
    x = 100.0 * np.exp(rng.choice(pool, size=(count, runs)))
    if step_at is not None:
        x[:, step_at:] *= 1 + STEP
    return x


# ------------------------------------------------------------ detectors, replayed run by run

def ttest_detector(settings: changepoints.Settings) -> Detector:
    def flag(x: np.ndarray) -> list[set[int]]:
        return [{c.index for c in found} for found in changepoints.detect_many(x, settings)]
    return flag


def edivisive_detector(window: int, seed: int) -> Detector:
    def flag(x: np.ndarray) -> list[set[int]]:
        start = max(0, x.shape[1] - window)
        return [{start + c.index for c in edivisive.e_divisive(row[start:], seed=seed)}
                for row in x]
    return flag


def replay(x: np.ndarray, detect: Detector, first: int) -> tuple[list[set[int]], list[set[int]],
                                                                 list[list[set[int]]]]:
    """Runs the detector on x[:, :T] for T = first .. n. Returns, per series, the positions
    flagged at the end, those flagged at any time, and the flags after each T."""
    count, n = x.shape
    ever: list[set[int]] = [set() for _ in range(count)]
    history: list[list[set[int]]] = [[] for _ in range(count)]
    final: list[set[int]] = [set() for _ in range(count)]
    for t in range(first, n + 1):
        for row, flags in enumerate(detect(x[:, :t])):
            ever[row] |= flags
            history[row].append(flags)
            final[row] = flags
    return final, ever, history


def per_100(flags: list[set[int]], runs: int) -> float:
    return 100.0 * sum(len(f) for f in flags) / (len(flags) * runs)


def delays(history: list[list[set[int]]], step_at: int, first: int) -> list[int | None]:
    """Runs on the new level when the step is first flagged (within one run), per series."""
    out: list[int | None] = []
    for flags_by_t in history:
        found = None
        for offset, flags in enumerate(flags_by_t):
            t = first + offset
            if any(abs(f - step_at) <= 1 for f in flags):
                found = t - step_at
                break
        out.append(found)
    return out


def summarise_delays(found: list[int | None], horizon: int) -> dict[str, Any]:
    hit = sorted(d for d in found if d is not None)
    return {"series": len(found), "detected": len(hit), "horizon_runs": horizon,
            "median_runs": float(np.median(hit)) if hit else None,
            "p90_runs": float(np.percentile(hit, 90)) if hit else None}


def study(pools: dict[str, np.ndarray], real: dict[tuple[str, str], np.ndarray], *,
          series: int, runs: int, step_series: int, seed: int,
          settings: changepoints.Settings) -> dict[str, Any]:
    loose = changepoints.Settings(settings.window, settings.min_size, 0.01, settings.min_step)
    detectors = {f"windowed t-test, p <= {settings.max_p:g}": ttest_detector(settings),
                 f"windowed t-test, p <= {loose.max_p:g}": ttest_detector(loose),
                 f"E-divisive, last {2 * settings.window} runs": edivisive_detector(
                     2 * settings.window, seed)}
    out: dict[str, Any] = {"settings": settings.describe(), "runs": runs, "series": series,
                           "classes": {}}
    for label, pool in pools.items():
        rng = np.random.default_rng(seed)
        flat = synthetic(pool, series, runs, rng)
        step_at, horizon = 2 * settings.window, 20
        stepped = synthetic(pool, step_series, step_at + horizon, rng, step_at=step_at)
        row: dict[str, Any] = {"noise_sd_percent": float(np.std(pool) * 100),
                               "noise_samples": len(pool)}
        for name, detect in detectors.items():
            began = time.monotonic()
            final, ever, _ = replay(flat, detect, 2 * settings.min_size)
            _, _, history = replay(stepped, detect, step_at + 1)
            row[name] = {"false_per_100_runs_final": per_100(final, runs),
                         "false_per_100_runs_ever": per_100(ever, runs),
                         "delay": summarise_delays(delays(history, step_at, step_at + 1),
                                                   horizon),
                         "seconds": round(time.monotonic() - began, 1)}
        out["classes"][label] = row
    if real:
        keys = sorted(real)
        x = np.array([real[k] for k in keys])
        out["real_aa"] = {"series": len(keys), "runs": x.shape[1]}
        for name, detect in detectors.items():
            final, ever, _ = replay(x, detect, 2 * settings.min_size)
            out["real_aa"][name] = {"false_per_100_runs_final": per_100(final, x.shape[1]),
                                    "false_per_100_runs_ever": per_100(ever, x.shape[1]),
                                    "flagged": sorted(f"{keys[i][0]} {keys[i][1]} @{p}"
                                                      for i, f in enumerate(final) for p in f)}
    return out


def make_parser() -> ArgumentParser:
    parser = ArgumentParser(prog=PROG, description="False alarms and detection delay of the "
                            "history's change-point detectors on this machine's noise.")
    parser.add_argument("results", nargs="+", type=Path, metavar="A/A-RESULTS.json",
                        help="repeated runs of the same cases, in run order (at least 10)")
    parser.add_argument("--series", type=int, default=200, help="flat series per class")
    parser.add_argument("--step-series", type=int, default=100,
                        help="series with a planted 10 %% step per class")
    parser.add_argument("--runs", type=int, default=200, help="runs per flat series")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures there")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = make_parser().parse_args(argv)
        if len(args.results) < 10:
            raise UsageError(f"{len(args.results)} results files: an A/A history needs at "
                             "least 10")
        if min(args.series, args.step_series) < 1 or args.runs < 30:
            raise UsageError("--series and --step-series at least 1, --runs at least 30")
        real = aa_series(args.results)
        pools = noise_pools(real)
        if not pools:
            raise UsageError("no series of a primary metric common to every file to model "
                             "noise on")
        figures = study(pools, real, series=args.series, runs=args.runs,
                        step_series=args.step_series, seed=args.seed,
                        settings=changepoints.Settings())
    except (UsageError, store.HistoryError) as exc:
        report_error(PROG, str(exc))
        return EXIT_USAGE
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
