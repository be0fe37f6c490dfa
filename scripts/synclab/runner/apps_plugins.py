"""Lock plugins of a run: run_suite --plugin PATH (repeatable) and SYNCLAB_PLUGINS (paths joined
by ':'), plus the control the lab builds (docs/apps.md, "Bring your own lock").

Every plugin runs in every lock scenario of the microbenchmarks (the bench binary's
--synclab_plugin, which checks and loads it) and, with --family apps, as one more lock of the
apps family through the interposer. Whenever a plugin is given, the control plugin
(libsynclab_control_plugin.so: the catalogue's futex_mutex3 behind the same ABI, named
futex_mutex3_abi) runs beside it, so the cost of calling a lock through function pointers is
measured, not assumed.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from synclab.errors import UsageError

ENV = "SYNCLAB_PLUGINS"
CONTROL_IN_BUILD = Path("harness") / "interpose" / "libsynclab_control_plugin.so"


def requested(options: Sequence[str] | None, environ: dict[str, str] | os._Environ[str] = os.environ) -> tuple[str, ...]:
    """--plugin paths, then SYNCLAB_PLUGINS', each once, as absolute paths; UsageError for a path
    that is not a file (the binary checks what is inside)."""
    paths = list(options or ()) + [p for p in environ.get(ENV, "").split(":") if p.strip()]
    out = []
    for path in paths:
        where = "--plugin" if path in (options or ()) else ENV
        if not Path(path).is_file():
            raise UsageError(f"{where} {path}: no such file (a lock plugin is a shared library; "
                             "see harness/include/synclab/harness/lock_plugin.h)")
        out.append(str(Path(path).resolve()))
    return tuple(dict.fromkeys(out))


def control_beside(binary: Path) -> Path:
    """The control plugin of the build the bench binary comes from (build/<preset>/...)."""
    return binary.resolve().parent.parent / CONTROL_IN_BUILD


def with_control(plugins: tuple[str, ...], binary: Path) -> tuple[tuple[str, ...], str]:
    """The plugins and the control (when there are plugins), and a note when the control is
    missing ("" otherwise)."""
    if not plugins:
        return plugins, ""
    control = control_beside(binary)
    if not control.is_file():
        return plugins, (f"no control plugin at {control}: the plugins run without futex_mutex3_abi "
                         "beside them")
    return tuple(dict.fromkeys((*plugins, str(control)))), ""
