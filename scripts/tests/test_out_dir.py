"""run_suite refuses an --out it could not write before it builds or runs anything."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_suite


@pytest.mark.parametrize("out", ["/proc/synclab-results", "/dev/null/results"])
def test_an_out_directory_that_cannot_be_written_is_refused_first(out: str) -> None:
    # --no-build with no build directory would fail later with another message: the refusal
    # must come first, as one line with exit status 2.
    proc = run_suite("--no-build", "--preset", "nonexistent", "--out", out, bench=None)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and f"--out {out}" in proc.stderr
    assert not Path(out).exists()


def test_an_out_file_is_refused(tmp_path: Path) -> None:
    afile = tmp_path / "results"
    afile.write_text("")
    proc = run_suite("--out", str(afile))
    assert proc.returncode == 2 and "exists and is not a directory" in proc.stderr


def test_a_writable_out_leaves_no_trace_of_the_check(tmp_path: Path) -> None:
    proc = run_suite("--out", str(tmp_path / "new" / "run"), "--list")
    assert proc.returncode == 0, proc.stderr
    assert list(tmp_path.iterdir()) == []
