"""The dashboard's change points (windowed Welch t-test): a planted 10 % step is found where it
is and soon after it happens; flat noise, heavy-tailed or not, is not flagged; the study that
measures both runs. Vectorised: thousands of series in a fraction of a second."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_one_line_error, run_main
from synclab.history import changepoints, study
from test_history import CASE, OTHER, results_doc, write

QUIET = 0.015  # relative noise of a one-thread fast path on a quiet machine


def noisy(rng: np.random.Generator, count: int, runs: int, sd: float = QUIET) -> np.ndarray:
    return 100.0 * np.exp(rng.normal(0, sd, (count, runs)))


def test_a_planted_10_percent_step_is_found_where_it_is() -> None:
    rng = np.random.default_rng(11)
    x = noisy(rng, 200, 80)
    x[:, 40:] *= 1.10
    found = changepoints.detect_many(x)
    at_step = [[c for c in f if abs(c.index - 40) <= 1] for f in found]
    assert all(len(c) == 1 for c in at_step)
    assert all(c[0].step is not None and 0.07 < c[0].step < 0.13 for c in at_step)
    elsewhere = sum(len(f) for f in found) - len(found)
    assert 100.0 * elsewhere / x.size < 0.2  # the null's rate, below


def test_two_steps_and_their_levels() -> None:
    rng = np.random.default_rng(4)
    series = np.concatenate([rng.normal(100, 1, 30), rng.normal(110, 1, 30),
                             rng.normal(95, 1, 30)])
    found = changepoints.detect(series)
    assert [c.index for c in found] == [30, 60]
    assert found[0].before == pytest.approx(100, abs=1.5)
    assert found[0].after == pytest.approx(110, abs=1.5)


@pytest.mark.parametrize("shape", ["normal", "student-t 3 d.f."])
def test_flat_noise_is_not_flagged(shape: str) -> None:
    """Fewer than 0.2 false change points per 100 runs over 100,000 runs of flat noise."""
    rng = np.random.default_rng(5)
    count, runs = 500, 200
    if shape == "normal":
        x = noisy(rng, count, runs)
    else:
        x = 100.0 * np.exp(QUIET * rng.standard_t(3, (count, runs)))
    flagged = sum(len(f) for f in changepoints.detect_many(x))
    assert 100.0 * flagged / (count * runs) < 0.2, flagged


def test_a_step_is_flagged_a_few_runs_after_it_happens() -> None:
    """Replayed run by run, as `history add` meets it: flagged by the 6th run on the new
    level; before the step, fewer than 1 run in 100 is ever flagged, even for a while."""
    rng = np.random.default_rng(8)
    x = noisy(rng, 100, 60)
    x[:, 40:] *= 1.10
    _, _, history = study.replay(x, study.ttest_detector(changepoints.Settings()), 41)
    found = study.delays(history, 40, 41)
    assert all(d is not None and d <= 6 for d in found), found
    final, ever, _ = study.replay(x[:, :40], study.ttest_detector(changepoints.Settings()), 6)
    assert study.per_100(final, 40) < 0.2 and study.per_100(ever, 40) < 1.0


def test_constant_and_degenerate_series() -> None:
    assert changepoints.detect([5.0] * 30) == []
    assert changepoints.detect([0.0] * 30) == []
    [step] = changepoints.detect([5.0] * 15 + [6.0] * 15)
    assert step.index == 15 and step.p_value == 0.0 and step.step == pytest.approx(0.2)
    assert changepoints.detect([1.0, 2.0, 3.0]) == []  # too short for two sides
    assert changepoints.detect_many(np.empty((0, 10))) == []
    with pytest.raises(ValueError):
        changepoints.detect([1.0, float("nan")] * 10)
    for bad in ({"min_size": 1}, {"window": 2}, {"max_p": 1.5}, {"min_step": -0.1}):
        with pytest.raises(ValueError):
            changepoints.Settings(**bad)  # type: ignore[arg-type]


def test_min_step_hides_small_significant_steps() -> None:
    series = [100.0, 100.1, 99.9] * 10 + [101.0, 101.1, 100.9] * 10
    assert [c.index for c in changepoints.detect(series)] == [30]
    assert changepoints.detect(series, changepoints.Settings(min_step=0.02)) == []


def test_ragged_series_match_their_own_detection() -> None:
    rng = np.random.default_rng(2)
    a = np.concatenate([rng.normal(10, 0.1, 20), rng.normal(12, 0.1, 20)])
    b = rng.normal(10, 0.1, 33)
    ragged = changepoints.detect_ragged([a, b, a[:25]])
    assert ragged == [changepoints.detect(a), changepoints.detect(b), changepoints.detect(a[:25])]
    assert [c.index for c in ragged[0]] == [20] and ragged[1] == []


def test_series_scanned_in_blocks_match_their_own_detection(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """Many series are scanned a block at a time: the answer of every series, those with a
    step (every seventh, at its own run) and those without, is its answer alone."""
    rng = np.random.default_rng(11)
    x = 100 * np.exp(rng.normal(0, 0.01, (100, 60)))
    for row in range(0, 100, 7):
        x[row, 20 + row % 30:] *= 1.1
    monkeypatch.setattr(changepoints, "SCAN_VALUES", 61 * 8)  # blocks of 8 series
    together = changepoints.detect_many(x)
    assert together == [changepoints.detect(row) for row in x]
    assert all(together[row] for row in range(0, 100, 7))


def test_the_study_runs_on_an_aa_history(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    paths = [write(tmp_path / f"r{i}.json",
                   results_doc(f"run{i:02d}", "a", f"2024-01-{i + 1:02d}T00:00:00+00:00",
                               {CASE: 40 * float(np.exp(rng.normal(0, 0.02))),
                                OTHER.replace("t:1", "t:2"): 50 * float(np.exp(rng.normal(0, 0.2)))},
                               seed=i))
             for i in range(12)]
    out = tmp_path / "study.json"
    proc = run_main("changepoint_study", study.main, *paths, "--series", 4, "--step-series", 3,
                    "--runs", 40, "--json", out)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(out.read_text())
    assert set(figures["classes"]) == {"one thread", "contended"}
    quiet = figures["classes"]["one thread"]
    assert quiet["noise_samples"] == 12 and 0.5 < quiet["noise_sd_percent"] < 5
    assert figures["real_aa"]["runs"] == 12
    few = run_main("changepoint_study", study.main, *paths[:3])
    assert "an A/A history needs at least 10" in assert_one_line_error(few, "changepoint_study")
