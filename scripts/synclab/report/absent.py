"""Why a metric is absent: what the report writes where a number is missing, never a 0 or a blank.

The reasons, first found wins:
  1. the results context's `not_measured` ({metric: why}), the family's own (schema version 2)
  2. the counters the harness could not open (`counters_unavailable`) for `<event>_per_op`
  3. latency sampling switched off, for the latency percentiles
  4. the metric registry's reason a case may lack it (synclab/metrics.py, `absent`), after
     saying so when no case of the file has the metric at all
A primitive missing altogether because its peer library was not built is named by the
context's `*_peers_missing` keys, one of ours that this build or machine cannot run (a
double-width CAS it lacks) by its `*_primitives_left_out` keys (peers_missing below).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from synclab.load import Run
from synclab.metrics import LATENCY, SAMPLING_OFF, describe
from synclab.report.counters import PER_OP, STANDARD_PER_OP, counter_status, event_name

PEERS_MISSING_SUFFIX = "_peers_missing"
LEFT_OUT_SUFFIX = "_primitives_left_out"
NOT_REPORTED = "the case did not report it"
NO_SAMPLES = "latency sampling was on, but the case reported no latency percentiles"
NOWHERE = ("no case of this results file reports it (a file written before the metric existed, "
           "or by a binary without it)")


def sampling_off(context: Mapping[str, Any]) -> bool:
    return str(context.get("latency_sampling", "")).lower().startswith(("off", "false"))


def why_absent(run: Run, family: str, metric: str) -> str:
    """Why `metric` is absent from cases of `family` in `run`, in words."""
    said = run.why_absent(metric, family)
    if said:
        return said
    context = run.context_of(family)
    if metric.endswith(PER_OP) and metric not in STANDARD_PER_OP:
        unavailable = dict(counter_status(context).unavailable)
        reason = unavailable.get(event_name(metric))
        if reason:
            return f"{event_name(metric)} could not be counted: {reason}"
    if metric in LATENCY:
        if sampling_off(context):
            return SAMPLING_OFF
        if metric in run.metric_names:  # the registry's one reason does not hold here
            return NO_SAMPLES
    registry = describe(metric).absent
    if metric not in run.metric_names:
        return NOWHERE + (f"; {registry}" if registry else "")
    return registry or NOT_REPORTED


def _named(context: Mapping[str, Any], suffix: str) -> list[tuple[str, str]]:
    return [(key[:-len(suffix)], str(value).strip().rstrip(";").strip()) for key, value in sorted(context.items())
            if key.endswith(suffix) and str(value).strip().rstrip(";").strip()]


def peers_missing(context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(family, what) for each `<family>_peers_missing` key: peer primitives not built, and why."""
    return _named(context, PEERS_MISSING_SUFFIX)


def primitives_left_out(context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(family, what) for each `<family>_primitives_left_out` key: ours not run here, and why."""
    return _named(context, LEFT_OUT_SUFFIX)


def _over_run(run: Run, named: Callable[[Mapping[str, Any]], list[tuple[str, str]]]
              ) -> list[tuple[str, str]]:
    found: dict[tuple[str, str], None] = dict.fromkeys(named(run.context))
    for family in run.families.values():
        found.update(dict.fromkeys(named(family.own)))
        for key, values in family.varies.items():
            for value in values:
                if value is not None:
                    found.update(dict.fromkeys(named({key: value})))
    return list(found)


def run_peers_missing(run: Run) -> list[tuple[str, str]]:
    """peers_missing over the flat context and every family's (values that differ included)."""
    return _over_run(run, peers_missing)


def run_primitives_left_out(run: Run) -> list[tuple[str, str]]:
    """primitives_left_out over the flat context and every family's."""
    return _over_run(run, primitives_left_out)
