"""The repetitions of one case on several sides, alternating: every side's repetition 0, then
every side's repetition 1, ..., so slow drifts of a shared machine hit all sides alike (--ab).
The order within a round turns on odd rounds (base, new, new, base, base, new, ...), so
neither side is always the one that runs second (right after the other, in a warmer or a
busier machine). A side stops at its first repetition that does not
finish; the others go on."""
from __future__ import annotations

import sys
import time
from typing import Callable, Protocol, Sequence, TypeVar

from synclab.numfmt import clock


class Outcome(Protocol):
    status: str  # "ok", "stopped", or why the repetition did not finish


R = TypeVar("R", bound=Outcome)


def alternate(sides: Sequence[str], repetitions: int, run: Callable[[str, int], R],
              should_stop: Callable[[], bool]) -> tuple[dict[str, list[R]], dict[str, R]] | None:
    """({side: its finished repetitions}, {side: the repetition that failed}); None when stopped.

    run(side, repetition) measures one repetition of one side."""
    finished: dict[str, list[R]] = {side: [] for side in sides}
    failed: dict[str, R] = {}
    for repetition in range(repetitions):
        for side in (sides if repetition % 2 == 0 else list(reversed(sides))):
            if side in failed:
                continue
            if should_stop():
                return None
            outcome = run(side, repetition)
            if outcome.status == "stopped":
                return None
            if outcome.status == "ok":
                finished[side].append(outcome)
            else:
                failed[side] = outcome
    return finished, failed


def run_cases(names: Sequence[str], sides: Sequence[str], repetitions: int | Callable[[str], int],
              run: Callable[[str, str, int], R],
              record: Callable[[str, dict[str, list[R]], dict[str, R]], str],
              should_stop: Callable[[], bool]) -> bool:
    """Every case in turn, its sides alternating; False when interrupted.

    `repetitions` per side: a number, or the number for a case's name. run(case, side,
    repetition) measures one repetition; record(case, finished, failed) keeps a case's outcomes
    and returns its part of the progress line on stderr."""
    start = time.monotonic()
    for index, name in enumerate(names, 1):
        print(f"[{index}/{len(names)}] {name} ... ", end="", file=sys.stderr, flush=True)
        count = repetitions(name) if callable(repetitions) else repetitions
        result = alternate(sides, count, lambda side, rep: run(name, side, rep), should_stop)
        if result is None:
            print("interrupted", file=sys.stderr, flush=True)
            return False
        summary = record(name, *result)
        elapsed = time.monotonic() - start
        eta = elapsed / index * (len(names) - index)
        print(f"{summary}  (elapsed {clock(elapsed)}, eta {clock(eta)})", file=sys.stderr,
              flush=True)
    return True
