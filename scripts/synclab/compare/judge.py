"""Two runs -> a Comparison: compatible contexts, optional normalisation, one verdict per
case and metric.

A row is
  regressed / improved  the Benjamini-Hochberg adjusted p-value of its U test is <= alpha AND the
                        medians differ by at least the threshold, in the metric's bad / good
                        direction;
  unchanged             otherwise;
  inconclusive          the test cannot reach alpha with these repetitions (2 / C(n+m, n) > alpha),
                        a metric or a whole case is missing on one side, or the case failed in BASE.
A case that ran in BASE and failed (timed out, crashed) in NEW is a regression of its `status`.
Instruction counts (run_suite --mode instructions) are deterministic: they are judged by the
threshold alone, without a test.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

from synclab.compare import stats
from synclab.metrics import LOWER, Metric, describe
from synclab.load import CaseSamples, Run



class InputError(Exception):
    """Two results files that cannot be compared, or an option that does not fit them: one
    line, exit status 2."""


# Context fields that must agree for numbers to be comparable (see docs/regressions.md).
COMPATIBILITY_KEYS: tuple[str, ...] = ("arch", "cpu_model", "emulated", "compiler", "cxx_flags",
                                       "build_type")
VERDICTS: tuple[str, ...] = ("regressed", "improved", "unchanged", "inconclusive")
# The row of a case that ran in BASE and did not finish in NEW (or the other way round).
STATUS = Metric("status", "", LOWER, "whether the case ran to its end")
# What is judged when --metrics does not say: per mode of the files (context 'mode').
DEFAULT_METRICS: tuple[str, ...] = ("ns_per_op", "ops_per_sec", "lat_p99_ns", "fairness_jain")
INSTRUCTION_METRICS: tuple[str, ...] = ("instructions_per_op",)


def default_metrics(mode: str) -> tuple[Metric, ...]:
    names = INSTRUCTION_METRICS if mode == "instructions" else DEFAULT_METRICS
    return tuple(describe(name) for name in names)


@dataclass(frozen=True)
class Options:
    metrics: tuple[Metric, ...] | None = None  # None: the defaults of the files' mode
    threshold: float = 0.05  # minimum relative effect, 0.05 = 5 %
    alpha: float = 0.05  # false-discovery rate across all tests
    normalize_to: str | None = None  # a case name, or a primitive at the same level
    force: bool = False  # compare even when the contexts differ


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
    q_value: float | None  # Benjamini-Hochberg adjusted
    verdict: str
    note: str = ""

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
    tests: int = 0  # U tests that entered the Benjamini-Hochberg procedure
    deterministic: bool = False
    context_differences: list[str] = field(default_factory=list)  # accepted with --force

    @property
    def regressed(self) -> bool:
        return any(row.verdict == "regressed" for row in self.rows)

    def case_verdicts(self) -> dict[str, str]:
        """One verdict per compared case: regressed > improved > inconclusive > unchanged."""
        rank = {"regressed": 3, "improved": 2, "inconclusive": 1, "unchanged": 0}
        verdicts: dict[str, str] = {}
        for row in self.rows:
            current = verdicts.get(row.case)
            if current is None or rank[row.verdict] > rank[current]:
                verdicts[row.case] = row.verdict
        return verdicts

    def counts(self, per_case: bool = False) -> dict[str, int]:
        items: Iterable[str] = (self.case_verdicts().values() if per_case
                                else (row.verdict for row in self.rows))
        counts = dict.fromkeys(VERDICTS, 0)
        for verdict in items:
            counts[verdict] += 1
        return counts

    @property
    def repetitions_needed(self) -> int:
        """Repetitions per side before any single test can reach alpha."""
        return stats.repetitions_needed(self.options.alpha)

    @property
    def repetitions_for_a_lone_change(self) -> int:
        """Repetitions per side a single change among all the tests needs (p <= alpha / tests)."""
        return stats.repetitions_needed(self.options.alpha / max(1, self.tests))


def context_differences(base: Run, new: Run) -> list[str]:
    """'key: BASE value vs NEW value' for every compatibility field that differs."""
    out = []
    for key in COMPATIBILITY_KEYS:
        b, n = base.context.get(key), new.context.get(key)
        if b is None and n is None:
            continue
        if str(b) != str(n):
            out.append(f"{key} {_shown(b)} vs {_shown(n)}")
    return out


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


def _normalised(case: CaseSamples, reference: CaseSamples, metric: str) -> list[float]:
    """The metric divided by the reference's, repetition by repetition (same repetition index)."""
    ref = reference.by_repetition(metric)
    return [value / ref[index] for index, value in case.by_repetition(metric).items()
            if index in ref and ref[index] not in (0, 0.0)]


def _ratio(base: float, new: float) -> float:
    if base == 0:
        return 1.0 if new == 0 else math.inf
    return new / base


def _big_enough(ratio: float, threshold: float) -> bool:
    if ratio == 0 or math.isinf(ratio):
        return True
    return abs(math.log(ratio)) >= math.log1p(threshold) - 1e-12


def compare(base: Run, new: Run, options: Options) -> Comparison:
    """Judges every case present in both files; raises InputError on unusable input."""
    if base.mode != new.mode:
        raise InputError(f"BASE is a {base.mode!r} run and NEW an {new.mode!r} run "
                         "(context 'mode'); they measure different things")
    common = [name for name in base.cases if name in new.cases]
    only_base = [name for name in base.cases if name not in new.cases]
    only_new = [name for name in new.cases if name not in base.cases]
    if not common:
        raise InputError(f"no common cases: BASE has {len(base.cases)}, NEW has {len(new.cases)}, "
                         "none with the same name")
    differences = context_differences(base, new)
    if differences and not options.force:
        raise InputError("incompatible contexts (" + "; ".join(differences) +
                         "); --force compares anyway")
    deterministic = base.mode == "instructions"
    metrics = options.metrics or default_metrics(base.mode)

    references: dict[str, str] = {}
    not_normalized: list[str] = []
    spec = options.normalize_to
    if spec:
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

    present = {m.name: False for m in metrics}
    pending: list[tuple[int, float]] = []  # (row index, p) of the tests that can reach alpha
    drafts: list[dict] = []
    for name in common:
        if spec and name not in references:
            continue
        b_case, n_case = base.cases[name], new.cases[name]
        if n_case.status != "ok" or b_case.status != "ok":
            drafts.append(_failure_row(name, b_case, n_case))
            continue
        for metric in metrics:
            if spec:
                ref = references[name]
                b_vals = _normalised(b_case, base.cases[ref], metric.name)
                n_vals = _normalised(n_case, new.cases[ref], metric.name)
            else:
                b_vals, n_vals = b_case.values(metric.name), n_case.values(metric.name)
            if b_vals or n_vals:
                present[metric.name] = True
            if not b_vals and not n_vals:
                continue
            draft = _measure(name, metric, b_vals, n_vals)
            if b_vals and n_vals and not deterministic:
                if stats.smallest_p(len(b_vals), len(n_vals)) <= options.alpha:
                    pending.append((len(drafts), stats.mann_whitney_p(n_vals, b_vals)))
                else:
                    need = stats.repetitions_needed(options.alpha)
                    draft["verdict"] = "inconclusive"
                    draft["note"] = (f"needs {need} repetitions per side to reach alpha "
                                     f"{options.alpha:g} (has {len(b_vals)} and {len(n_vals)})")
            drafts.append(draft)
    missing = [name for name, seen in present.items() if not seen]
    # A metric asked for by name must exist; a default one may be absent (e.g. no latency
    # sampling), as long as something is compared.
    if missing and (options.metrics is not None or not drafts):
        raise InputError(f"metric(s) {', '.join(missing)}: present in none of the compared cases")

    judged_cases = {d["case"] for d in drafts}
    no_metrics = [name for name in common if name not in judged_cases
                  and not (spec and name not in references)]
    q_values = stats.benjamini_hochberg([p for _, p in pending])
    for (index, p), q in zip(pending, q_values):
        drafts[index]["p_value"], drafts[index]["q_value"] = p, q
    rows = [_decide(d, options, deterministic) for d in drafts]
    return Comparison(base, new, options, tuple(metrics), rows, only_base, only_new,
                      not_normalized if spec else [], no_metrics, len(pending), deterministic,
                      differences)


def _measure(name: str, metric: Metric, b_vals: list[float], n_vals: list[float]) -> dict:
    draft: dict = {"case": name, "metric": metric, "base": None, "new": None,
                   "base_quartiles": None, "new_quartiles": None, "n_base": len(b_vals),
                   "n_new": len(n_vals), "ratio": None, "p_value": None, "q_value": None,
                   "verdict": None, "note": ""}
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


def _failure_row(name: str, b_case: CaseSamples, n_case: CaseSamples) -> dict:
    if b_case.status == "ok":
        verdict, note = "regressed", _why(n_case, "NEW")
    elif n_case.status == "ok":
        verdict, note = "inconclusive", _why(b_case, "BASE")
    else:
        verdict, note = "inconclusive", "failed in BASE and NEW"
    return {"case": name, "metric": STATUS, "base": None, "new": None, "base_quartiles": None,
            "new_quartiles": None, "n_base": len(b_case.reps), "n_new": len(n_case.reps),
            "ratio": None, "p_value": None, "q_value": None, "verdict": verdict,
            "note": " ".join(note.split())[:300]}


def _decide(draft: dict, options: Options, deterministic: bool) -> Row:
    if draft["verdict"] is None:
        ratio = draft["ratio"]
        big = _big_enough(ratio, options.threshold)
        significant = deterministic or (draft["q_value"] is not None
                                        and draft["q_value"] <= options.alpha)
        if big and significant:
            metric: Metric = draft["metric"]
            worse = ratio > 1 if metric.lower_is_better else ratio < 1
            draft["verdict"] = "regressed" if worse else "improved"
        else:
            draft["verdict"] = "unchanged"
            if big:
                draft["note"] = "moved beyond the threshold, but within the noise"
        if deterministic:
            draft["note"] = draft["note"] or "instruction count: judged by the threshold alone"
    return Row(**draft)
