"""Whether a command's --out directory can be written, asked before any work is done."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from synclab.errors import UsageError


def check_out_dir(out: str | None) -> None:
    """Refuse an --out the run could not write, before anything is built or run.

    Permission bits do not answer this (root passes them; /proc and read-only mounts refuse
    anyway), so a scratch directory is made where the run's files will go, and removed."""
    if not out:
        return
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    existing = next(p for p in (target, *target.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} is not a directory")
    try:
        shutil.rmtree(tempfile.mkdtemp(prefix=".synclab-out-check-", dir=existing))
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write under {existing}: "
                         f"{exc.strerror or exc}") from None
