"""SIGINT / SIGTERM while a suite runs: the first stops the running child, the second at once."""
from __future__ import annotations

import contextlib
import signal
from types import FrameType
from typing import Iterator


class StopFlag:
    """Set by the first SIGINT/SIGTERM; the running child is then stopped by run_process.

    A second signal raises KeyboardInterrupt at once.
    """

    def __init__(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._set:
            raise KeyboardInterrupt
        self._set = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
