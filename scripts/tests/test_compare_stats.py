"""compare's pure parts: statistics, metric directions, verdict rules (synclab.compare)."""
from __future__ import annotations

import math

import pytest

from synclab.compare import cli, stats


def test_smallest_p_is_two_over_the_binomial_coefficient() -> None:
    assert stats.smallest_p(3, 3) == pytest.approx(2 / 20)
    assert stats.smallest_p(4, 4) == pytest.approx(2 / 70)
    assert stats.smallest_p(5, 3) == pytest.approx(2 / math.comb(8, 3))
    assert stats.smallest_p(1, 1) == 1.0 and stats.smallest_p(0, 5) == 1.0


@pytest.mark.parametrize("alpha, needed", [(0.05, 4), (0.01, 5), (0.001, 7), (0.0001, 9)])
def test_repetitions_needed(alpha: float, needed: int) -> None:
    assert stats.repetitions_needed(alpha) == needed
    assert stats.smallest_p(needed, needed) <= alpha < stats.smallest_p(needed - 1, needed - 1)


def test_mann_whitney_matches_the_exact_extreme() -> None:
    base = [10.0, 10.1, 10.2, 10.3, 10.4]
    slower = [11.0, 11.1, 11.2, 11.3, 11.4]
    assert stats.mann_whitney_p(slower, base) == pytest.approx(stats.smallest_p(5, 5))
    assert stats.mann_whitney_p([1.0, 1.0], [1.0, 1.0]) == 1.0  # all tied: no evidence


def test_benjamini_hochberg() -> None:
    # Textbook example: sorted p 0.01, 0.02, 0.03, 0.04, 0.05 over 5 tests -> all q = 0.05.
    assert stats.benjamini_hochberg([0.05, 0.01, 0.03, 0.02, 0.04]) == pytest.approx([0.05] * 5)
    q = stats.benjamini_hochberg([0.001, 0.2, 0.9])
    assert q == pytest.approx([0.003, 0.3, 0.9])
    assert stats.benjamini_hochberg([]) == []


def test_quartiles_and_median() -> None:
    assert stats.median([3.0, 1.0, 2.0]) == 2.0
    assert stats.quartiles([5.0]) == (5.0, 5.0)
    assert stats.quartiles([1.0, 2.0, 3.0, 4.0, 5.0]) == (2.0, 4.0)


def test_metric_directions() -> None:
    assert cli.judged_metric("ns_per_op").lower_is_better
    assert not cli.judged_metric("ops_per_sec").lower_is_better
    assert not cli.judged_metric("fairness_jain").lower_is_better
    assert cli.judged_metric("lat_p99_ns").lower_is_better
    assert cli.judged_metric("cycles_per_op").lower_is_better  # by its pattern
    assert not cli.judged_metric("handoffs_per_sec:higher").lower_is_better
    assert cli.judged_metric("share_min:lower").lower_is_better  # stated direction wins
    assert cli.judged_metric("payload_bytes:higher").better == "higher"
    assert [m.name for m in cli.parse_metrics("ns_per_op, ops_per_sec,ns_per_op")] == \
        ["ns_per_op", "ops_per_sec"]
    for bad in ("weird_metric", "ns_per_op:sideways", "", "payload_bytes"):
        with pytest.raises(ValueError):
            cli.parse_metrics(bad)
