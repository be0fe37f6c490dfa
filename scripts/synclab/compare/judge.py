"""Two runs -> a Comparison: compatible contexts, optional normalisation, one verdict per
case and metric, and the power behind every verdict.

The gate judges one metric per case, its primary (synclab/metrics.py: time per operation);
the other metrics are reported beside it and judged in a family of their own, never failing
the gate, unless `gate_metrics="all"` gates them too. Within each family:

  regressed / improved  the Benjamini-Hochberg adjusted p-value of its Mann-Whitney U test is
                        <= alpha AND the
                        medians differ by at least the threshold, in the metric's bad / good
                        direction;
  inconclusive          not that, and the data could not have shown an effect of the
                        threshold's size: its minimum detectable effect (MDE: the effect the exact
                        test detects with 80 % power at this run's own noise, resampled, and at
                        alpha / K, the
                        level Benjamini-Hochberg demands of a lone change among the family's K
                        tests) is larger than the threshold; the note says how many repetitions
                        would do. Also: a metric or a whole case missing on one side, or the case
                        failed in BASE;
  unchanged             otherwise: a change of the threshold's size would have been seen.
A case that ran in BASE and failed (timed out, crashed) in NEW is a regression of its `status`.
Instruction counts (run_suite --mode instructions) are deterministic: they are judged by the
threshold alone, without a test.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from synclab.compare import power, stats
from synclab.load import CaseSamples, Run
from synclab.metrics import LOWER, Metric, describe, primary_metric
from synclab.names import parse_case_name


class InputError(Exception):
    """Two results files that cannot be compared, or an option that does not fit them: one
    line, exit status 2."""


# Context fields that must agree for numbers to be comparable (see docs/regressions.md).
COMPATIBILITY_KEYS: tuple[str, ...] = ("arch", "cpu_model", "emulated", "compiler", "cxx_flags",
                                       "build_type", "harness_padding_bytes")
# Of those, the ones results files carry only since a given change: a file without one is older,
# compared all the same, with a note (its layout may differ).
RECENT_KEYS: dict[str, str] = {
    "harness_padding_bytes": "the distance the harness keeps between contended words"}
VERDICTS: tuple[str, ...] = ("regressed", "improved", "unchanged", "inconclusive")
GATE_CHOICES: tuple[str, ...] = ("primary", "all")
# The row of a case that ran in BASE and did not finish in NEW (or the other way round).
STATUS = Metric("status", "", LOWER, "whether the case ran to its end")
# What is compared when --metrics does not say: per mode of the files (context 'mode'). The
# gate adds each case's primary metric where it is not among them.
DEFAULT_METRICS: tuple[str, ...] = ("ns_per_op", "ops_per_sec", "lat_p99_ns", "fairness_jain")
INSTRUCTION_METRICS: tuple[str, ...] = ("instructions_per_op",)
OLDER_FILE = ("written before results recorded harness_padding_bytes: its repetitions were "
              "fewer and longer and its workloads' layout may differ, so verdicts against it "
              "are less powerful (see each case's minimum detectable effect) and a layout change "
              "can show up as a change")


def default_metrics(mode: str) -> tuple[Metric, ...]:
    names = INSTRUCTION_METRICS if mode == "instructions" else DEFAULT_METRICS
    return tuple(describe(name) for name in names)


@dataclass(frozen=True)
class Options:
    metrics: tuple[Metric, ...] | None = None  # None: the defaults of the files' mode
    threshold: float = 0.05  # minimum relative effect, 0.05 = 5 %
    alpha: float = 0.05  # false-discovery rate across the gated tests
    normalize_to: str | None = None  # a case name, or a primitive at the same level
    force: bool = False  # compare even when the contexts differ
    gate_metrics: str = "primary"  # "primary": one metric per case is gated; "all": every one
    fail_on_inconclusive: bool = False  # an inconclusive gated case fails the gate too


@dataclass(frozen=True)
class Row:
    case: str
    metric: Metric
    base: float | None  # median of the repetitions (normalised when asked)
    new: float | None
    base_quartiles: tuple[float, float] | None
    new_quartiles: tuple[float, float] | None
    n_base: int
    n_new: int
    ratio: float | None  # new / base
    p_value: float | None
    q_value: float | None  # Benjamini-Hochberg adjusted, within the row's family
    verdict: str
    note: str = ""
    gated: bool = True  # counts for the gate (its case's verdict, the exit status)
    spread: float | None = None  # noise of one repetition, robust sd of ln(value)
    mde: float | None = None  # minimum detectable effect (0.1 = 10 %); inf: none detectable
    repetitions_needed: int | None = None  # per side, for an effect of the threshold's size

    @property
    def badness(self) -> float:
        """log(ratio) oriented so that positive is worse; 0 without a ratio."""
        if self.ratio is None:
            return math.inf if self.verdict == "regressed" else 0.0
        if self.ratio == 0:
            log = -math.inf
        elif math.isinf(self.ratio):
            log = math.inf
        else:
            log = math.log(self.ratio)
        return log if self.metric.lower_is_better else -log


@dataclass
class Comparison:
    base: Run
    new: Run
    options: Options
    metrics: tuple[Metric, ...]
    rows: list[Row]
    only_base: list[str]
    only_new: list[str]
    not_normalized: list[str] = field(default_factory=list)
    no_metrics: list[str] = field(default_factory=list)  # ran on both sides, none of the metrics
    tests: int = 0  # gated U tests: the Benjamini-Hochberg family of the gate
    reported_tests: int = 0  # U tests of the metrics reported beside the gate
    deterministic: bool = False
    context_differences: list[str] = field(default_factory=list)  # accepted with --force
    notes: list[str] = field(default_factory=list)  # about the files (older layout, ...)
    not_gated: list[str] = field(default_factory=list)  # cases without a primary metric

    @property
    def gated_rows(self) -> list[Row]:
        return [row for row in self.rows if row.gated]

    @property
    def reported_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.gated]

    @property
    def regressed(self) -> bool:
        return any(row.verdict == "regressed" for row in self.gated_rows)

    @property
    def failed(self) -> bool:
        """Whether the gate fails: a regression, or with fail_on_inconclusive an inconclusive
        gated case."""
        if self.regressed:
            return True
        return self.options.fail_on_inconclusive and \
            any(row.verdict == "inconclusive" for row in self.gated_rows)

    def case_verdicts(self) -> dict[str, str]:
        """One verdict per gated case: regressed > improved > inconclusive > unchanged."""
        rank = {"regressed": 3, "improved": 2, "inconclusive": 1, "unchanged": 0}
        verdicts: dict[str, str] = {}
        for row in self.gated_rows:
            current = verdicts.get(row.case)
            if current is None or rank[row.verdict] > rank[current]:
                verdicts[row.case] = row.verdict
        return verdicts

    def counts(self, per_case: bool = False, gated: bool = True) -> dict[str, int]:
        """Verdicts of the gated rows (per case or per row), or of the reported rows."""
        items: Iterable[str]
        if per_case:
            items = self.case_verdicts().values()
        else:
            items = (row.verdict for row in (self.gated_rows if gated else self.reported_rows))
        counts = dict.fromkeys(VERDICTS, 0)
        for verdict in items:
            counts[verdict] += 1
        return counts

    @property
    def level(self) -> float:
        """The p-value a lone gated change must reach: alpha / K under Benjamini-Hochberg."""
        return self.options.alpha / max(1, self.tests)

    @property
    def repetitions_for_a_lone_change(self) -> int:
        """Repetitions per side before a lone gated change can reach the level at all."""
        return stats.repetitions_needed(self.level)


def context_differences(base: Run, new: Run) -> tuple[list[str], list[str]]:
    """('key: BASE value vs NEW value' for every compatibility field that differs,
    notes on fields one file is too old to carry)."""
    out: list[str] = []
    notes: list[str] = []
    for key in COMPATIBILITY_KEYS:
        b, n = base.context.get(key), new.context.get(key)
        if b is None and n is None:
            continue
        if key in RECENT_KEYS and (b is None or n is None):
            old, other = ("BASE", n) if b is None else ("NEW", b)
            notes.append(f"{key} ({RECENT_KEYS[key]}) is missing in {old} and {other} in the "
                         "other file: the two may differ in layout")
            continue
        if str(b) != str(n):
            out.append(f"{key} {_shown(b)} vs {_shown(n)}")
    return out, notes


def older_file_notes(base: Run, new: Run) -> list[str]:
    """Notes on files from before the gate's sampling and the harness's padding record."""
    return [f"{side} {run.source}: {OLDER_FILE}" for side, run in (("BASE", base), ("NEW", new))
            if "harness_padding_bytes" not in run.context and run.mode == "time"]


def _shown(value: object) -> str:
    return "missing" if value is None else repr(str(value))


def reference_name(case: str, spec: str) -> str:
    """The reference case of `case`: `spec` itself when it is a case name (has a '/'), else the
    case with its primitive replaced by `spec` (same family, scenario, threads, placement)."""
    if "/" in spec:
        return spec
    parts = case.split("/")
    if len(parts) < 2:
        return ""
    parts[1] = spec
    return "/".join(parts)


def _normalised(case: CaseSamples, reference: CaseSamples, metric: str) -> dict[int, float]:
    """The metric divided by the reference's, repetition by repetition (same repetition index)."""
    ref = reference.by_repetition(metric)
    return {index: value / ref[index] for index, value in case.by_repetition(metric).items()
            if index in ref and ref[index] not in (0, 0.0)}


def _ratio(base: float, new: float) -> float:
    if base == 0:
        return 1.0 if new == 0 else math.inf
    return new / base


def _big_enough(ratio: float, threshold: float) -> bool:
    if ratio == 0 or math.isinf(ratio):
        return True
    return abs(math.log(ratio)) >= math.log1p(threshold) - 1e-12


def _references(base: Run, new: Run, common: list[str],
                spec: str | None) -> tuple[dict[str, str], list[str]]:
    """({case: its reference case}, cases left unnormalised) for --normalize-to."""
    references: dict[str, str] = {}
    not_normalized: list[str] = []
    if not spec:
        return references, not_normalized
    for name in common:
        ref = reference_name(name, spec)
        if ref == name:
            not_normalized.append(name)  # the reference itself: always 1.0
        elif ref in base.cases and ref in new.cases and base.cases[ref].reps \
                and new.cases[ref].reps:
            references[name] = ref
        else:
            not_normalized.append(name)
    if not references:
        where = "in both files" if "/" in spec else "at the same family/level/threads/placement"
        raise InputError(f"--normalize-to {spec}: no compared case has that reference {where}")
    return references, not_normalized


def _case_metrics(metrics: tuple[Metric, ...], b_case: CaseSamples, n_case: CaseSamples,
                  gate: str) -> tuple[list[Metric], str | None]:
    """(the metrics a case is compared on, the one gated when only the primary is)."""
    if gate == "all":
        return list(metrics), None
    names = {key for case in (b_case, n_case) for _, values in case.reps for key in values}
    parsed = parse_case_name(b_case.name)
    primary = primary_metric(names, parsed.threads if parsed else None)
    chosen = list(metrics)
    if primary is not None and primary not in {m.name for m in chosen}:
        chosen.insert(0, describe(primary))
    return chosen, primary


def _case_drafts(base: Run, new: Run, name: str, metrics: tuple[Metric, ...], options: Options,
                 references: dict[str, str]) -> tuple[list[dict[str, Any]], str | None]:
    """(one draft row per metric the case carries on either side, the case's primary metric)."""
    b_case, n_case = base.cases[name], new.cases[name]
    chosen, primary = _case_metrics(metrics, b_case, n_case, options.gate_metrics)
    drafts = []
    for metric in chosen:
        if options.normalize_to:
            ref = references[name]
            b_map = _normalised(b_case, base.cases[ref], metric.name)
            n_map = _normalised(n_case, new.cases[ref], metric.name)
        else:
            b_map, n_map = b_case.by_repetition(metric.name), n_case.by_repetition(metric.name)
        if b_map or n_map:
            gated = options.gate_metrics == "all" or metric.name == primary
            drafts.append(_measure(name, metric, list(b_map.values()), list(n_map.values()),
                                   gated))
    return drafts, primary


def compare(base: Run, new: Run, options: Options) -> Comparison:
    """Judges every case present in both files; raises InputError on unusable input."""
    if base.mode != new.mode:
        raise InputError(f"BASE is a {base.mode!r} run and NEW an {new.mode!r} run "
                         "(context 'mode'); they measure different things")
    if options.gate_metrics not in GATE_CHOICES:
        raise InputError(f"gate metrics {options.gate_metrics!r}: choose from "
                         f"{', '.join(GATE_CHOICES)}")
    common = [name for name in base.cases if name in new.cases]
    only_base = [name for name in base.cases if name not in new.cases]
    only_new = [name for name in new.cases if name not in base.cases]
    if not common:
        raise InputError(f"no common cases: BASE has {len(base.cases)}, NEW has {len(new.cases)}, "
                         "none with the same name")
    differences, notes = context_differences(base, new)
    if differences and not options.force:
        raise InputError("incompatible contexts (" + "; ".join(differences) +
                         "); --force compares anyway")
    deterministic = base.mode == "instructions"
    metrics = options.metrics or default_metrics(base.mode)
    references, not_normalized = _references(base, new, common, options.normalize_to)

    drafts: list[dict[str, Any]] = []
    not_gated: list[str] = []
    for name in common:
        if options.normalize_to and name not in references:
            continue
        b_case, n_case = base.cases[name], new.cases[name]
        if n_case.status != "ok" or b_case.status != "ok":
            drafts.append(_failure_row(name, b_case, n_case))
            continue
        case_drafts, primary = _case_drafts(base, new, name, metrics, options, references)
        drafts += case_drafts
        if options.gate_metrics == "primary" and primary is None:
            not_gated.append(name)
    present = {d["metric"].name for d in drafts}
    missing = [m.name for m in metrics if m.name not in present]
    # A metric asked for by name must exist; a default one may be absent (e.g. no latency
    # sampling), as long as something is compared.
    if missing and (options.metrics is not None or not drafts):
        raise InputError(f"metric(s) {', '.join(missing)}: present in none of the compared cases")
    if not deterministic:
        _test(drafts, options)
    judged_cases = {d["case"] for d in drafts}
    no_metrics = [name for name in common if name not in judged_cases
                  and not (options.normalize_to and name not in references)]
    rows = [_decide(d, options, deterministic) for d in drafts]
    tests = sum(1 for d in drafts if d["gated"] and d["p_value"] is not None)
    reported = sum(1 for d in drafts if not d["gated"] and d["p_value"] is not None)
    comparison = Comparison(base, new, options, tuple(metrics), rows, only_base, only_new,
                            not_normalized, no_metrics, tests, reported, deterministic,
                            differences, notes + older_file_notes(base, new), not_gated)
    _check_contradictions(comparison)
    return comparison


def _test(drafts: list[dict[str, Any]], options: Options) -> None:
    """U tests, Benjamini-Hochberg within the gated and within the reported family, and the
    power of each test at the level its family demands of a lone change."""
    for gated in (True, False):
        family = [d for d in drafts if d["gated"] == gated and d["metric"] is not STATUS
                  and d["n_base"] and d["n_new"] and d["verdict"] is None]
        if not family:
            continue
        level = options.alpha / len(family)
        p_values = [_p_value(d) for d in family]
        for draft, p, q in zip(family, p_values, stats.benjamini_hochberg(p_values)):
            draft["p_value"], draft["q_value"] = p, q
            _add_power(draft, level, options.threshold)


def _p_value(draft: dict[str, Any]) -> float:
    return stats.mann_whitney_p(draft["new_values"], draft["base_values"])


def _add_power(draft: dict[str, Any], level: float, threshold: float) -> None:
    """The row's noise, its MDE at this run's noise (resampled) and, when that exceeds the
    threshold, the repetitions per side that would bring it within."""
    base, new = draft["base_values"], draft["new_values"]
    n_base, n_new = len(base), len(new)
    draft["level"] = level
    draft["spread"] = stats.pooled_spread(base, new)
    if stats.smallest_p(n_new, n_base) > level:
        draft["mde"] = math.inf
    elif all(v > 0 for v in base + new):
        shift = power.observed_mde_shift([math.log(v) for v in base],
                                         [math.log(v) for v in new], level)
        draft["mde"] = power.relative(shift)
        draft["equivalent_sigma"] = power.equivalent_sigma(shift, n_new, n_base, level)
    if not _underpowered(draft, threshold):
        return
    sigma = draft.get("equivalent_sigma")
    if sigma is not None and threshold > 0:
        draft["repetitions_needed"] = power.repetitions_for(threshold, sigma, level)
    else:
        draft["repetitions_needed"] = stats.repetitions_needed(level)


def _measure(name: str, metric: Metric, b_vals: list[float], n_vals: list[float],
             gated: bool) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "case": name, "metric": metric, "base": None, "new": None, "base_quartiles": None,
        "new_quartiles": None, "n_base": len(b_vals), "n_new": len(n_vals), "ratio": None,
        "p_value": None, "q_value": None, "verdict": None, "note": "", "gated": gated,
        "spread": None, "mde": None, "repetitions_needed": None,
        "base_values": b_vals, "new_values": n_vals}
    if b_vals:
        draft["base"], draft["base_quartiles"] = stats.median(b_vals), stats.quartiles(b_vals)
    if n_vals:
        draft["new"], draft["new_quartiles"] = stats.median(n_vals), stats.quartiles(n_vals)
    if b_vals and n_vals:
        draft["ratio"] = _ratio(draft["base"], draft["new"])
    else:
        draft["verdict"] = "inconclusive"
        draft["note"] = f"{metric.name} missing in {'BASE' if not b_vals else 'NEW'}"
    return draft


def _why(case: CaseSamples, side: str) -> str:
    status = case.status.replace("_", " ")
    message = case.message.removeprefix(f"{status}:").strip()
    return f"{status} in {side}: {message}" if message else f"{status} in {side}"


def _failure_row(name: str, b_case: CaseSamples, n_case: CaseSamples) -> dict[str, Any]:
    if b_case.status == "ok":
        verdict, note = "regressed", _why(n_case, "NEW")
    elif n_case.status == "ok":
        verdict, note = "inconclusive", _why(b_case, "BASE")
    else:
        verdict, note = "inconclusive", "failed in BASE and NEW"
    return {"case": name, "metric": STATUS, "base": None, "new": None, "base_quartiles": None,
            "new_quartiles": None, "n_base": len(b_case.reps), "n_new": len(n_case.reps),
            "ratio": None, "p_value": None, "q_value": None, "verdict": verdict,
            "note": " ".join(note.split())[:300], "gated": True}


ROW_FIELDS = frozenset(Row.__dataclass_fields__)


def _decide(draft: dict[str, Any], options: Options, deterministic: bool) -> Row:
    if draft["verdict"] is None:
        ratio = draft["ratio"]
        big = _big_enough(ratio, options.threshold)
        significant = deterministic or (draft["q_value"] is not None
                                        and draft["q_value"] <= options.alpha)
        if big and significant:
            metric: Metric = draft["metric"]
            worse = ratio > 1 if metric.lower_is_better else ratio < 1
            draft["verdict"] = "regressed" if worse else "improved"
        elif not deterministic and not significant and _underpowered(draft, options.threshold):
            draft["verdict"] = "inconclusive"
            draft["note"] = power_shortfall(draft, options.threshold)
        else:
            draft["verdict"] = "unchanged"
            if big:
                draft["note"] = "moved beyond the threshold, but within the noise"
        if deterministic:
            draft["note"] = draft["note"] or "instruction count: judged by the threshold alone"
    return Row(**{key: value for key, value in draft.items() if key in ROW_FIELDS})


def _underpowered(draft: dict[str, Any], threshold: float) -> bool:
    """Whether an effect of the threshold's size could have gone unseen (MDE > threshold)."""
    mde = draft.get("mde")
    return mde is not None and mde > threshold + 1e-12


def power_shortfall(draft: dict[str, Any], threshold: float) -> str:
    """Why a row is inconclusive for want of power, and what would do."""
    n_base, n_new, level = draft["n_base"], draft["n_new"], draft["level"]
    need = draft.get("repetitions_needed")
    wanted = (f"needs {need} repetitions per side" if need is not None
              else f"needs more than {power.MAX_REPETITIONS} repetitions per side")
    if math.isinf(draft["mde"]):
        return (f"{wanted}: with {n_base} and {n_new} repetitions no test can reach "
                f"p <= {level:.2g} (alpha over the family's tests)")
    spread = draft.get("spread") or 0.0
    return (f"{wanted}: at this noise ({power.relative(spread) * 100:.1f} % per repetition) "
            f"the smallest detectable change is {draft['mde'] * 100:.1f} %, more than the "
            f"{threshold * 100:g} % threshold")


def _check_contradictions(c: Comparison) -> None:
    """--fail-on-inconclusive with data that cannot pass it by construction: one line."""
    if not c.options.fail_on_inconclusive or c.deterministic or c.tests == 0:
        return
    if c.options.threshold <= 0:
        raise InputError("--fail-on-inconclusive with --threshold 0: no finite number of "
                         "repetitions can show that nothing moved by 0 %")
    testable = [r for r in c.gated_rows if r.p_value is not None]
    if testable and all(stats.smallest_p(r.n_new, r.n_base) > c.level for r in testable):
        fewest = min(min(r.n_base, r.n_new) for r in testable)
        raise InputError(f"--fail-on-inconclusive: with {fewest} repetition"
                         f"{'s' if fewest != 1 else ''} per side no gated test can reach "
                         f"p <= {c.level:.2g} (alpha {c.options.alpha:g} over {c.tests} "
                         f"tests); it needs at least {c.repetitions_for_a_lone_change} per side")
