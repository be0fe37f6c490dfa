"""The shape of the synclab package: which parts may import which (read from the source)."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import SCRIPTS

PACKAGE = SCRIPTS / "synclab"
# The tools that only read results files: nothing that runs or builds anything.
READERS = ("synclab.compare", "synclab.report", "synclab.history", "synclab.load",
           "synclab.metrics")


def module_name(path: Path) -> str:
    parts = path.relative_to(SCRIPTS).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit(module: str) -> str:
    """synclab.x for a module or a package: the units whose imports must not go round."""
    return ".".join(module.split(".")[:2])


def imports(path: Path) -> set[str]:
    """Every synclab module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("synclab"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("synclab"))
    return found


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    known = {module_name(p) for p in PACKAGE.rglob("*.py")}
    for path in PACKAGE.rglob("*.py"):
        source = unit(module_name(path))
        targets = {unit(name) for name in imports(path) if name in known or unit(name) in known}
        edges.setdefault(source, set()).update(targets - {source})
    return edges


def cycles(edges: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Every import cycle between units, each as the path that closes it."""
    found: list[tuple[str, ...]] = []

    def visit(node: str, path: tuple[str, ...]) -> None:
        for target in sorted(edges.get(node, ())):
            if target in path:
                found.append(path[path.index(target):] + (target,))
            elif len(path) < len(edges):
                visit(target, path + (target,))

    for start in sorted(edges):
        visit(start, (start,))
    return found


def test_no_import_cycles_between_modules_and_packages() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    planted: dict[str, set[str]] = {"synclab.arch": {"synclab.census"},
               "synclab.census": {"synclab.arch"},
               "synclab.elf": set()}
    assert ("synclab.arch", "synclab.census", "synclab.arch") in cycles(planted)


def test_readers_of_results_never_run_anything() -> None:
    edges = graph()
    for reader in READERS:
        assert "synclab.runner" not in edges.get(reader, set()), reader
        assert "synclab.bench" not in edges.get(reader, set()), reader


def test_every_command_line_is_the_cli_module_of_its_package() -> None:
    wrappers = {"run_suite": "runner", "report": "report", "compare": "compare",
                "history": "history", "census": "census"}
    for wrapper, package in wrappers.items():
        text = (SCRIPTS / wrapper).read_text(encoding="utf-8")
        assert f'"$here/synclab/{package}/cli.py"' in text, wrapper
        assert (PACKAGE / package / "cli.py").read_text().startswith("#!/usr/bin/python3\n")
    assert not list(PACKAGE.glob("*_cli.py")) and not (PACKAGE / "run_suite.py").exists()
