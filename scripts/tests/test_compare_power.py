"""The gate's statistics on generated data: exact null distributions, the power behind every
verdict (minimum detectable effect), a planted effect detected, a null not flagged, and
`inconclusive` exactly when the data could not have shown an effect of the threshold's size.
Simulations are vectorised with numpy and seeded, independently of the seeds of power.py."""
from __future__ import annotations

import math
import random
import statistics
from typing import Any

import numpy as np
import pytest

from conftest import INPUTS, assert_one_line_error, run_main
from synclab import load
from synclab.compare import cli, judge, power, stats
from synclab.metrics import describe, primary_metric

CONTEXT = {"arch": "x86_64", "cpu_model": "Test CPU", "emulated": "false", "compiler": "g++ 12.2.0",
           "cxx_flags": "-O2 -g -DNDEBUG", "build_type": "RelWithDebInfo", "git_sha": "aaaaaaa",
           "harness_padding_bytes": "128"}


# ---------------------------------------------------------------- exact distributions

def test_exact_u_agrees_with_scipy_and_the_counting_formula() -> None:
    from scipy.stats import mannwhitneyu

    rng = random.Random(1)
    for n, m in ((3, 3), (5, 7), (8, 8), (12, 9)):
        assert sum(stats.u_counts(n, m)) == math.comb(n + m, n)
        new = [rng.gauss(0.5, 1) for _ in range(n)]
        base = [rng.gauss(0, 1) for _ in range(m)]
        exact = float(mannwhitneyu(new, base, method="exact").pvalue)
        assert stats.mann_whitney_p(new, base) == pytest.approx(exact, rel=1e-9)
    assert stats.mann_whitney_p([float(i) for i in range(10, 20)], [float(i) for i in range(10)]) \
        == pytest.approx(stats.smallest_p(10, 10))


@pytest.mark.parametrize("n, m, level", [(6, 6, 0.05), (10, 10, 5e-4), (9, 12, 1e-3)])
def test_critical_u_is_where_the_exact_p_crosses_the_level(n: int, m: int, level: float) -> None:
    critical = stats.critical_u(n, m, level)
    assert critical is not None
    assert stats.exact_p(critical, n, m) <= level < stats.exact_p(critical - 1, n, m)
    assert stats.critical_u(3, 3, 0.05) is None  # 2/20 > 0.05: no U can reach it


def test_robust_spread_ignores_one_wild_repetition() -> None:
    calm = [100.0 * math.exp(0.03 * z) for z in (-1.2, -0.5, -0.1, 0.0, 0.2, 0.6, 1.1, 0.3)]
    wild = calm[:-1] + [250.0]
    spread_calm, spread_wild = stats.log_spread(calm), stats.log_spread(wild)
    assert spread_calm is not None and spread_wild is not None
    plain = statistics.stdev(math.log(v) for v in wild)
    assert spread_wild < 2 * spread_calm and plain > 10 * spread_wild
    assert stats.log_spread([1.0]) is None and stats.log_spread([0.0, 1.0]) is None


# ---------------------------------------------------------------- power, simulated

def u_rejection_rate(n: int, m: int, level: float, shift: float, draws: int,
                     rng: np.random.Generator) -> float:
    """Share of simulated A/B pairs of sizes n, m (unit normal noise, NEW shifted) that the
    exact U test rejects at `level` (upper tail; the lower one is negligible here)."""
    new = rng.standard_normal((draws, n)) + shift
    base = rng.standard_normal((draws, m))
    u = (new[:, :, None] > base[:, None, :]).sum(axis=(1, 2))
    critical = stats.critical_u(n, m, level)
    assert critical is not None
    return float(np.mean(u >= critical))


@pytest.mark.parametrize("n, m, level", [(10, 10, 5e-4), (20, 20, 5e-4), (8, 12, 0.01)])
def test_at_the_mde_the_u_test_detects_with_the_target_power(n: int, m: int, level: float) -> None:
    rng = np.random.default_rng(101)
    mde = power.mde_sigmas(n, m, level)
    assert u_rejection_rate(n, m, level, mde, 4000, rng) == pytest.approx(power.TARGET_POWER,
                                                                          abs=0.035)
    assert u_rejection_rate(n, m, level, mde / 2, 4000, rng) < 0.35


def heavy_tailed(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Noise of a shared machine: mostly 3 %, one window in ten a burst of 3-30 %."""
    burst = rng.random(shape) < 0.1
    return rng.normal(0, 0.03, shape) + burst * rng.uniform(0.03, 0.3, shape) * \
        rng.choice([-1, 1], shape)


@pytest.mark.parametrize("noise", ["normal", "heavy"])
def test_the_observed_mde_is_the_power_of_the_data_it_came_from(noise: str) -> None:
    """An MDE measured on one A/B's own repetitions, then fresh A/Bs from the same noise shifted
    by it: on average they are detected with the target power, with normal noise and with the
    bursts a shared machine has (where a normal model of the robust spread promises too much)."""
    rng = np.random.default_rng(404)
    n, level, replications, fresh = 20, 3.5e-4, 40, 400
    def draw(shape: tuple[int, ...]) -> np.ndarray:
        return rng.normal(0, 0.03, shape) if noise == "normal" else heavy_tailed(rng, shape)

    critical = stats.critical_u(n, n, level)
    assert critical is not None
    rates = []
    for _ in range(replications):
        base, new = draw((n,)), draw((n,))
        shift = power.observed_mde_shift(list(base), list(new), level)
        fresh_new = draw((fresh, n)) + shift
        fresh_base = draw((fresh, n))
        u = (fresh_new[:, :, None] > fresh_base[:, None, :]).sum(axis=(1, 2))
        rates.append(float(np.mean(u >= critical)))
    assert statistics.mean(rates) == pytest.approx(power.TARGET_POWER, abs=0.08)


def test_large_samples_use_a_cautious_approximation() -> None:
    """Beyond the simulated sizes the normal approximation takes over: its MDE gives at least
    the target power, and not much more."""
    n = power.MC_LIMIT + 10
    rng = np.random.default_rng(303)
    rate = u_rejection_rate(n, n, 1e-3, power.mde_sigmas(n, n, 1e-3), 1500, rng)
    assert power.TARGET_POWER - 0.03 <= rate <= 0.97


def test_no_mde_when_the_level_cannot_be_reached() -> None:
    assert power.mde_sigmas(5, 5, 1e-3) == math.inf  # 2/252 > 1e-3
    assert power.mde(5, 5, 1e-3, 0.01) == math.inf
    assert power.observed_mde_shift([1.0] * 5, [1.0] * 5, 1e-3) == math.inf


def test_repetitions_for_an_effect_are_the_fewest_that_suffice() -> None:
    level, sigma, effect = 5e-4, 0.04, 0.05
    n = power.repetitions_for(effect, sigma, level)
    assert n is not None
    target = math.log1p(effect)
    draws = power.SEARCH_DRAWS
    assert power.mde_sigmas(n, n, level, draws=draws) * sigma <= target
    assert power.mde_sigmas(n - 1, n - 1, level, draws=draws) * sigma > target
    assert power.repetitions_for(0.0, sigma, level) is None


# ---------------------------------------------------------------- verdicts of the gate

NAMES = [f"locks/p{i}/uncontended/t:1/place:compact" for i in range(19)] + \
        ["locks/futex_mutex3/uncontended/t:1/place:compact"]
PLANTED = NAMES[-1]


def runs(seed: int, *, reps: int, sigma: float, slow: dict[str, float] | None = None,
         names: list[str] = NAMES, interleaved: bool = True,
         context: dict[str, Any] | None = None) -> tuple[load.Run, load.Run]:
    """BASE and NEW of one run: lognormal noise per repetition, a drift of the machine shared by
    the two members of each pair (as the interleaved A/B sees it), slowdowns in NEW."""
    rng = np.random.default_rng(seed)
    docs: list[dict[str, Any]] = []
    drift = rng.normal(0, sigma, size=(len(names), reps))
    for side in ("base", "new"):
        benchmarks = []
        for i, name in enumerate(names):
            factor = (slow or {}).get(name, 1.0) if side == "new" else 1.0
            noise = np.exp(drift[i] + rng.normal(0, sigma, size=reps))
            for rep in range(reps):
                cpu = 20.0 * (1 + i / 10) * factor * float(noise[rep])
                benchmarks.append({"name": name, "run_name": name, "run_type": "iteration",
                                   "repetition_index": rep, "repetitions": reps,
                                   "cpu_ns_per_op": cpu, "ns_per_op": cpu * 1.1,
                                   "ops_per_sec": 1e9 / (cpu * 1.1), "fairness_jain": 1.0})
        info: dict[str, Any] = {"run_id": f"run-{seed}"}
        if interleaved:
            info["ab"] = {"interleaved": True, "side": side}
        else:
            info["run_id"] = f"run-{seed}-{side}"
        docs.append({"context": {**CONTEXT, **(context or {}), "synclab_run": info},
                     "benchmarks": benchmarks})
    return load.parse(docs[0], "base.json"), load.parse(docs[1], "new.json")


def judge_runs(pair: tuple[load.Run, load.Run], **options: Any) -> judge.Comparison:
    return judge.compare(pair[0], pair[1], judge.Options(**options))


def test_a_planted_ten_percent_is_regressed_and_nothing_else_is_flagged() -> None:
    c = judge_runs(runs(1, reps=20, sigma=0.03, slow={PLANTED: 1.10}))
    assert c.tests == len(NAMES)
    verdicts = c.case_verdicts()
    assert verdicts[PLANTED] == "regressed"
    assert [n for n, v in verdicts.items() if v in ("regressed", "improved")] == [PLANTED]
    row = next(r for r in c.gated_rows if r.case == PLANTED)
    assert row.metric.name == "cpu_ns_per_op"  # one thread: CPU time per operation
    assert {r.metric.name for r in c.reported_rows} == {"ns_per_op", "ops_per_sec",
                                                        "fairness_jain"}


def test_aa_flags_at_most_five_percent() -> None:
    flagged = total = 0
    only_ns = (describe("ns_per_op"),)  # besides the primary: keeps the test short
    for seed in range(12):
        verdicts = judge_runs(runs(100 + seed, reps=20, sigma=0.03),
                              metrics=only_ns).case_verdicts()
        flagged += sum(v in ("regressed", "improved") for v in verdicts.values())
        total += len(verdicts)
    assert flagged / total <= 0.05, f"{flagged} of {total}"


def test_the_mde_of_a_row_is_the_power_of_its_own_data() -> None:
    base, new = runs(3, reps=20, sigma=0.03)
    c = judge.compare(base, new, judge.Options())
    level = 0.05 / len(NAMES)
    for row in c.gated_rows:
        base_logs, new_logs = ([math.log(v) for v in run.cases[row.case].values(row.metric.name)]
                               for run in (base, new))
        shift = power.observed_mde_shift(base_logs, new_logs, level)
        assert row.mde == pytest.approx(power.relative(shift))
        # normal noise: near the normal model's figure, a little above it (the smoothing)
        assert row.spread is not None and row.mde is not None
        assert 0.8 <= row.mde / power.mde(20, 20, level, row.spread) <= 1.6


def test_underpowered_is_inconclusive_with_the_repetitions_that_would_do() -> None:
    c = judge_runs(runs(4, reps=12, sigma=0.08), threshold=0.05)
    rows = [r for r in c.gated_rows if r.verdict == "inconclusive"]
    assert len(rows) >= len(NAMES) - 2  # 8 % noise: a 5 % change is out of reach at 12 pairs
    for row in rows:
        assert row.mde is not None and row.mde > 0.05
        assert row.repetitions_needed is not None and row.repetitions_needed > 12
        assert f"needs {row.repetitions_needed} repetitions per side" in row.note
        # ... and that many would have done, at the noise that was measured
        sigma = power.equivalent_sigma(math.log1p(row.mde), 12, 12, 0.05 / len(NAMES))
        assert sigma is not None
        assert power.mde(row.repetitions_needed, row.repetitions_needed, 0.05 / len(NAMES),
                         sigma) <= 0.05 * 1.08
    assert c.counts(per_case=True)["inconclusive"] == len(rows)


def test_a_planted_effect_is_found_even_where_its_case_is_underpowered() -> None:
    """Significance settles it: a large enough change is regressed even when the case's MDE
    exceeds the threshold."""
    c = judge_runs(runs(5, reps=16, sigma=0.08, slow={PLANTED: 1.6}))
    assert c.case_verdicts()[PLANTED] == "regressed"


def test_detection_rate_at_the_mde_through_the_verdict_code() -> None:
    """One gated case, 10 independent repetitions a side: at the MDE the real verdict code says
    `regressed` about 80 % of the time (an effect well above the threshold)."""
    sigma, n = 0.05, 10
    shift = power.mde_sigmas(n, n, 0.05) * sigma
    name = [NAMES[0]]
    rng = random.Random(7)
    hits = 0
    trials = 300
    for _ in range(trials):
        docs = []
        for side, move in (("base", 0.0), ("new", shift)):
            benchmarks = [{"name": name[0], "run_type": "iteration", "repetition_index": r,
                           "cpu_ns_per_op": 20.0 * math.exp(move + rng.gauss(0, sigma)),
                           "ns_per_op": 21.0}
                          for r in range(n)]
            docs.append(load.parse({"context": CONTEXT, "benchmarks": benchmarks}, side))
        c = judge.compare(docs[0], docs[1], judge.Options(threshold=0.0))
        hits += c.case_verdicts()[name[0]] == "regressed"
    assert hits / trials == pytest.approx(power.TARGET_POWER, abs=0.08)


def test_gate_all_metrics_widens_the_family() -> None:
    pair = runs(6, reps=20, sigma=0.03)
    primary = judge_runs(pair)
    every = judge_runs(pair, gate_metrics="all")
    assert primary.tests == len(NAMES) and primary.reported_tests > 0
    assert every.tests == len(every.rows) and not every.reported_rows
    assert every.level < primary.level


def test_primary_metric_rule() -> None:
    both = {"ns_per_op", "cpu_ns_per_op", "ops_per_sec"}
    assert primary_metric(both, threads=1) == "cpu_ns_per_op"
    assert primary_metric(both, threads=2) == "ns_per_op"
    assert primary_metric({"ns_per_msg", "cpu_ns_per_op"}, threads=2) == "ns_per_msg"
    assert primary_metric({"instructions_per_op", "real_time"}, threads=1) == "instructions_per_op"
    assert primary_metric({"real_time", "cpu_time"}) == "real_time"
    assert primary_metric({"slowdown_pad_64", "max_slowdown"}) is None


def test_a_case_without_a_primary_metric_is_reported_not_gated() -> None:
    names = NAMES[:3]
    base, new = runs(8, reps=12, sigma=0.02, names=names)
    for run in (base, new):
        for record in run.records:
            if record.run_name == names[0]:
                for key in ("cpu_ns_per_op", "ns_per_op"):
                    record.values.pop(key)  # type: ignore[attr-defined]
    c = judge.compare(base, new, judge.Options())
    assert c.not_gated == [names[0]] and names[0] not in c.case_verdicts()


# ---------------------------------------------------------------- files and options

def write_pair(tmp_path: Any, pair: tuple[load.Run, load.Run], name: str = "") -> list[str]:
    import json

    paths = []
    for run in pair:
        doc: dict[str, Any] = {"context": dict(run.context), "benchmarks": [
            {"name": r.name, "run_name": r.run_name, "run_type": r.run_type,
             "repetition_index": r.repetition_index, **r.values} for r in run.records]}
        path = tmp_path / f"{name}{run.source}"
        path.write_text(json.dumps(doc))
        paths.append(str(path))
    return paths


def test_fail_on_inconclusive_changes_the_exit_status(tmp_path: Any) -> None:
    base, new = write_pair(tmp_path, runs(9, reps=12, sigma=0.08))
    assert run_main("compare", cli.main, base, new).returncode == 0
    failing = run_main("compare", cli.main, base, new, "--fail-on-inconclusive")
    assert failing.returncode == 1 and "inconclusive (each fails the gate" in failing.stdout
    markdown = run_main("compare", cli.main, base, new, "--format", "markdown").stdout
    counts = next(line for line in markdown.splitlines() if line.startswith("| inconclusive |"))
    assert int(counts.split("|")[2]) >= len(NAMES) - 2
    assert "Inconclusive (" in markdown and "repetitions per side" in markdown
    junit = run_main("compare", cli.main, base, new, "--format", "junit").stdout
    assert f'skipped="{counts.split("|")[2].strip()}"' in junit


@pytest.mark.parametrize("args, reps, needle", [
    (["--fail-on-inconclusive"], 1, "no gated test can reach"),
    (["--fail-on-inconclusive", "--threshold", "0"], 12, "--threshold 0"),
    (["--gate-metrics", "some"], 12, "--gate-metrics"),
])
def test_contradictory_options_are_one_line(args: list[str], reps: int, needle: str,
                                            tmp_path: Any) -> None:
    base, new = write_pair(tmp_path, runs(10, reps=reps, sigma=0.02))
    assert needle in assert_one_line_error(run_main("compare", cli.main, base, new, *args),
                                           "compare")


def test_a_file_from_before_the_gate_still_compares_with_a_note() -> None:
    proc = run_main("compare", cli.main, INPUTS / "complete.json", INPUTS / "complete.json")
    assert proc.returncode == 0
    assert "verdicts against it are less powerful" in proc.stdout


def test_the_harness_layout_is_part_of_the_fingerprint(tmp_path: Any) -> None:
    before = runs(11, reps=12, sigma=0.02, context={"harness_padding_bytes": "64"})
    after = runs(11, reps=12, sigma=0.02)
    base, _ = write_pair(tmp_path, before, "before-")
    _, new = write_pair(tmp_path, after, "after-")
    line = assert_one_line_error(run_main("compare", cli.main, base, new), "compare")
    assert "harness_padding_bytes '64' vs '128'" in line
    forced = run_main("compare", cli.main, base, new, "--force")
    assert forced.returncode in (0, 1) and "contexts differ (--force)" in forced.stdout
    old = runs(11, reps=12, sigma=0.02, context={"harness_padding_bytes": None})
    for run in old:
        run.context.pop("harness_padding_bytes")  # type: ignore[attr-defined]
    c = judge.compare(old[0], after[1], judge.Options())
    assert any("may differ in layout" in note for note in c.notes)


# ---------------------------------------------------------------- scripts/power_study

def test_power_study_summarises_runs_it_judges_again(tmp_path: Any) -> None:
    """The study's reading side on generated runs: the planted case's detection, the other
    cases' false flags in the A/B and the A/A runs, the MDEs, study.md and study.json."""
    import json

    from synclab.compare import study

    for kind, seed, slow in (("aa", 21, None), ("ab", 22, {PLANTED: 1.10}),
                             ("aa", 23, None), ("ab", 24, {PLANTED: 1.10})):
        index = 1 if seed < 23 else 2
        run_dir = tmp_path / f"{kind}-{index}"
        run_dir.mkdir()
        write_pair(run_dir, runs(seed, reps=20, sigma=0.03, slow=slow))  # base.json, new.json
    proc = run_main("power_study", study.main, "--summarise", tmp_path, "--rejudge",
                    "--planted", "futex_mutex3")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "study.json").read_text())
    assert (doc["detected"], doc["planted_total"]) == (2, 2)
    assert doc["aa_total"] == 2 * len(NAMES) and doc["aa_flagged"] == 0
    assert doc["ab_other"] == 2 * (len(NAMES) - 1) and doc["ab_flagged"] <= 1
    assert set(doc["case_mde"]) == set(NAMES)
    assert "| planted cases judged regressed (detection rate) | 2/2 (100%) |" in proc.stdout
    assert (tmp_path / "study.md").read_text() == proc.stdout


@pytest.mark.parametrize("args, needle", [
    ([], "--bench is needed"),
    (["--bench", "/nonexistent", "--slow-bench", "/nonexistent", "--out", "x"], "no such file"),
    (["--summarise", "/nonexistent"], "not a directory"),
    (["--summarise", ".", "--threshold", "3"], "go with --rejudge"),
])
def test_power_study_bad_input(args: list[str], needle: str) -> None:
    from synclab.compare import study

    assert needle in assert_one_line_error(run_main("power_study", study.main, *args),
                                           "power_study")
