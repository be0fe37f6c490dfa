"""Profiles, option parsing and planning (synclab.cases) and the case-name grammar."""
from __future__ import annotations

import pytest

from synclab import cases
from synclab.names import CONTENTION_LEVELS, CaseName, parse_case_name


@pytest.mark.parametrize("text, ms", [("200ms", 200), ("1s", 1000), ("0.5s", 500), (" 2s ", 2000),
                                      ("1.25s", 1250), ("1ms", 1)])
def test_parse_duration_accepts_ms_and_s(text: str, ms: int) -> None:
    assert cases.parse_duration(text) == ms


@pytest.mark.parametrize("text", ["", "fast", "200", "0ms", "0s", "1.5ms", "-1s", "1m", "1e3ms", "s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        cases.parse_duration(text)


def test_parse_threads_sorts_and_dedups() -> None:
    assert cases.parse_threads("4,1,2,2") == (1, 2, 4)


@pytest.mark.parametrize("text", ["0", "x", "", "1,", "-1", "1.5", "1,0"])
def test_parse_threads_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        cases.parse_threads(text)


def test_parse_contention_keeps_the_natural_order() -> None:
    assert cases.parse_contention("high,uncontended") == ("uncontended", "high")
    with pytest.raises(ValueError, match="extreme"):
        cases.parse_contention("high,extreme")


@pytest.mark.parametrize("text", ["compact", "scatter", "cpus:0", "cpus:0,1", "cpus:0-3", "cpus:0,2-3"])
def test_parse_placement_accepts(text: str) -> None:
    assert cases.parse_placement(text) == text


@pytest.mark.parametrize("text", ["", "everywhere", "cpus:", "cpus:a", "cpus:3-1", "cpus:0,,1"])
def test_parse_placement_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        cases.parse_placement(text)


def test_profiles_table() -> None:
    smoke, quick, full = (cases.PROFILES[name] for name in ("smoke", "quick", "full"))
    assert (smoke.contention, smoke.threads, smoke.repetitions, smoke.duration_ms) == \
        (("uncontended", "high"), (1, 2), 1, 100)
    # Many short windows: the samples the gate's tests need (docs/regressions.md, "Samples").
    # The default plan is kept short by its cases: the key levels at every PU, no sweeps; its
    # contended cases get fewer, longer windows ("Contended cases").
    assert (quick.contention, quick.threads, quick.repetitions, quick.duration_ms,
            quick.sweeps, quick.contended) == (("uncontended", "high", "oversubscribed"),
                                               cases.PUS_ONLY, 40, 20, False, cases.Sampling(10, 40))
    assert (full.contention, full.threads, full.repetitions, full.duration_ms, full.sweeps,
            full.contended) == (CONTENTION_LEVELS, None, 40, 100, True, None)
    gate = cases.PROFILES["gate"]
    assert (gate.contention, gate.threads, gate.repetitions, gate.duration_ms) == \
        (("uncontended",), (1,), 40, 20)
    assert cases.DEFAULT_PROFILE == "quick"
    text = cases.profiles_help()
    assert all(name in text for name in cases.PROFILES)


@pytest.mark.parametrize("pus, placement, threads", [(1, "compact", (1,)), (8, "compact", (1, 2)),
                                                     (8, "cpus:3", (1,)), (8, "cpus:0-1", (1, 2))])
def test_smoke_threads_are_capped_to_the_placement(pus: int, placement: str,
                                                   threads: tuple[int, ...]) -> None:
    assert cases.make_plan("smoke", placement=placement, pus=pus).threads == threads


def test_contended_cases_are_sampled_by_the_profile_unless_asked_otherwise() -> None:
    one, two = "locks/ticket/uncontended/t:1/place:compact", "locks/ticket/high/t:2/place:compact"
    quick = cases.make_plan("quick", pus=2)
    assert (quick.sampling(one), quick.sampling(two)) == (cases.Sampling(40, 20),
                                                          cases.Sampling(10, 40))
    assert quick.case_timeout(two) == cases.default_case_timeout(10, 40)
    assert quick.case_timeout(one) == cases.default_case_timeout(40, 20)
    assert quick.expected_seconds([one, two]) == pytest.approx(
        cases.expected_case_seconds(40, 20) + cases.expected_case_seconds(10, 40, threads=2))
    assert quick.samplings() == "40 x 20ms (one thread), 10 x 40ms (more threads)"
    # Repetitions or a window asked for apply to every case.
    for plan in (cases.make_plan("quick", pus=2, repetitions=5),
                 cases.make_plan("quick", pus=2, duration_ms=30)):
        assert plan.sampling(two) == plan.sampling(one) and plan.contended is None
    assert cases.make_plan("full", pus=2).sampling(two) == cases.Sampling(40, 100)
    # A name that is not a case's (apps, test cases) is measured like a one-thread case.
    assert quick.sampling("not/a/case") == cases.Sampling(40, 20)


def test_with_window_replaces_the_window() -> None:
    flags = ["--synclab_threads=2", "--synclab_duration_ms=20", "--synclab_sweeps=off"]
    assert cases.with_window(flags, 50) == ["--synclab_threads=2", "--synclab_sweeps=off",
                                            "--synclab_duration_ms=50"]


def test_plan_defaults_and_overrides() -> None:
    quick = cases.make_plan("quick", pus=2)
    assert quick.threads == (2,) and quick.repetitions == 40 and quick.duration_ms == 20
    assert cases.make_plan("quick", pus=8, placement="cpus:0-2").threads == (3,)
    assert cases.make_plan("quick", pus=8, threads=(1, 4)).threads == (1, 4)
    assert quick.case_timeout_s == pytest.approx(40 * (0.02 + 1) + cases.WATCHDOG_GRACE_S + 30)
    custom = cases.make_plan("full", threads=(1, 3), repetitions=2, duration_ms=50,
                             case_timeout_s=7.0, contention=("high",))
    assert (custom.threads, custom.repetitions, custom.duration_ms, custom.case_timeout_s,
            custom.contention) == ((1, 3), 2, 50, 7.0, ("high",))


def test_synclab_flags() -> None:
    flags = cases.synclab_flags(cases.make_plan("smoke", pus=2, test_cases=True))
    assert flags == ["--synclab_threads=1,2", "--synclab_contention=uncontended,high",
                     "--synclab_placement=compact", "--synclab_duration_ms=100",
                     f"--synclab_watchdog_s={cases.WATCHDOG_GRACE_S}", "--synclab_test_cases"]
    assert not any(f.startswith("--synclab_threads") for f in
                   cases.synclab_flags(cases.make_plan("full", pus=2)))


def test_sweeps_follow_the_profile_unless_asked() -> None:
    quick = cases.synclab_flags(cases.make_plan("quick", pus=2))
    assert "--synclab_threads=2" in quick and "--synclab_sweeps=off" in quick
    assert "--synclab_sweeps=off" not in cases.synclab_flags(cases.make_plan("full", pus=2))
    assert "--synclab_sweeps=off" not in cases.synclab_flags(
        cases.make_plan("quick", pus=2, sweeps=True))
    assert "--synclab_sweeps=off" in cases.synclab_flags(
        cases.make_plan("full", pus=2, sweeps=False))


def test_latency_sampling_off_reaches_the_binary() -> None:
    assert "--synclab_sampling=off" in cases.synclab_flags(
        cases.make_plan("smoke", pus=2, latency_sampling=False))
    assert not any(f.startswith("--synclab_sampling") for f in
                   cases.synclab_flags(cases.make_plan("smoke", pus=2)))


def test_filter_cases_uses_re_search() -> None:
    names = ["locks/std_mutex/high/t:1/place:compact", "locks/tas_spin/high/t:2/place:compact"]
    assert cases.filter_cases(names, "tas") == names[1:]
    assert cases.filter_cases(names, r"t:\d") == names
    assert cases.filter_cases(names, None) == names


def test_parse_case_name() -> None:
    assert parse_case_name("locks/futex_mutex3_spin/high/t:2/place:scatter/cs:50ns") == \
        CaseName("locks", "futex_mutex3_spin", "high", 2, "scatter", (("cs", "50ns"),))
    parsed = parse_case_name("locks/std_mutex/low/t:4/place:cpus:0,1/iterations:1/manual_time")
    assert parsed is not None and parsed.placement == "cpus:0,1" and parsed.params == ()
    for bad in ("BM_memcpy/8", "locks/std_mutex/high/t:x/place:compact",
                "locks/std_mutex/high/t:0/place:compact", "locks/std_mutex/high/t:1/compact",
                "locks/std_mutex/high/t:1/place:", "locks/std_mutex/high/t:1/place:compact/oops"):
        assert parse_case_name(bad) is None, bad


def test_counter_request_reaches_the_binary_unless_default() -> None:
    assert "--synclab_counters=os" in cases.synclab_flags(cases.make_plan("smoke", pus=2, counters="os"))
    assert not any(f.startswith("--synclab_counters") for f in
                   cases.synclab_flags(cases.make_plan("smoke", pus=2)))


def test_counter_request_form_is_checked() -> None:
    assert cases.parse_counters("cycles,L1-dcache-load-misses") == "cycles,L1-dcache-load-misses"
    for bad in ("", "a,,b", "x y", "cycles;rm"):
        with pytest.raises(ValueError):
            cases.parse_counters(bad)
