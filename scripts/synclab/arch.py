"""Target architectures: which build a run uses, and whether it runs natively or under qemu.

    --arch native   the host's architecture, preset release (the default)
    --arch x86_64   on an x86_64 host: native
    --arch arm64    on an arm64 host: native (release; the llsc / lse variants use the arm64-llsc /
                    arm64-lse presets, which build natively there too); on an x86_64 host: the
                    arm64 presets cross-build with cmake/toolchains/aarch64-linux-gnu.cmake and the
                    binary runs under qemu-aarch64 (user-mode emulation), with SYNCLAB_EMULATED=true
                    so its results say "emulated": "true"

Under emulation the timings are not hardware numbers (qemu translates every instruction, and its
atomics are host atomics), but correctness and the generated code are the target's.
"""
from __future__ import annotations

import atexit
import os
import platform
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from synclab.elf import elf_arch

ARCH_CHOICES = ("native", "x86_64", "arm64")
ARM64_VARIANTS = ("default", "llsc", "lse")
ARM64_PRESETS = {"default": "arm64", "llsc": "arm64-llsc", "lse": "arm64-lse"}
NATIVE_PRESET = "release"
INSTALL_HINT = {"arm64": "scripts/install-deps.sh --arch=arm64"}
# qemu-user's dynamic loader search: -L / makes the guest use Debian's multiarch libc6:arm64
# (/lib/ld-linux-aarch64.so.1, /lib/aarch64-linux-gnu), the tree the :arm64 libraries belong to.
QEMU = {"arm64": ("qemu-aarch64", "qemu-aarch64-static")}
QEMU_ARGS = ("-L", "/")
CROSS_COMPILER = {"arm64": "aarch64-linux-gnu-g++"}
EMULATED_ENV = "SYNCLAB_EMULATED"


class ArchError(Exception):
    """The architecture cannot be run here; the message names what to install."""


def normalise(name: str) -> str:
    """aarch64 -> arm64, amd64 -> x86_64; other names unchanged."""
    return {"aarch64": "arm64", "arm64": "arm64", "amd64": "x86_64", "x86_64": "x86_64",
            "x86-64": "x86_64"}.get(name.lower(), name.lower())


def host_arch() -> str:
    return normalise(platform.machine())


@dataclass(frozen=True)
class Target:
    arch: str                     # x86_64 or arm64
    variant: str                  # default, llsc or lse (arm64); default (x86_64)
    preset: str                   # the CMake preset that builds it
    emulator: tuple[str, ...] = ()  # command prefix that runs its binaries here; () when native

    @property
    def emulated(self) -> bool:
        return bool(self.emulator)

    def run_id_suffix(self, *, explicit: bool) -> str:
        """'-arm64', '-arm64-llsc': for an architecture asked for by name, an emulated run or a
        non-default variant; '' for a plain native run (whose run id stays as it always was)."""
        if not (explicit or self.emulated or self.variant != "default"):
            return ""
        return f"-{self.arch}" + (f"-{self.variant}" if self.variant != "default" else "")


def find_emulator(arch: str, which: Callable[[str], str | None] = shutil.which) -> tuple[str, ...] | None:
    for name in QEMU.get(arch, ()):
        path = which(name)
        if path:
            return (path, *QEMU_ARGS)
    return None


def resolve(requested: str, variant: str = "default", *, host: str | None = None,
            need_toolchain: bool = True,
            which: Callable[[str], str | None] = shutil.which) -> Target:
    """The target for --arch / --arm64-variant on this host; ArchError when it cannot run here.

    need_toolchain: False when a binary is already built (only the emulator is needed then)."""
    host = host or host_arch()
    arch = host if requested == "native" else normalise(requested)
    if arch not in ("x86_64", "arm64"):
        raise ArchError(f"--arch={requested} is not supported (choose {', '.join(ARCH_CHOICES)})")
    if variant not in ARM64_VARIANTS:
        raise ArchError(f"--arm64-variant {variant!r} is not one of {', '.join(ARM64_VARIANTS)}")
    if arch != "arm64" and variant != "default":
        raise ArchError(f"--arm64-variant {variant} applies to --arch=arm64 only")
    if arch == host:
        preset = NATIVE_PRESET if variant == "default" else ARM64_PRESETS[variant]
        return Target(arch, variant, preset)
    if arch == "arm64" and host == "x86_64":
        emulator = find_emulator(arch, which)
        compiler = which(CROSS_COMPILER[arch]) if need_toolchain else "not needed"
        if emulator is None or compiler is None:
            raise ArchError(f"--arch={arch} needs qemu-aarch64 and the arm64 toolchain: run "
                            f"{INSTALL_HINT[arch]}")
        return Target(arch, variant, ARM64_PRESETS[variant], emulator)
    raise ArchError(f"--arch={arch} cannot run on this {host} host (neither natively nor emulated; "
                    "only arm64 is cross-built, from x86_64)")


def emulator_for_binary(binary: Path, *, host: str | None = None,
                        which: Callable[[str], str | None] = shutil.which) -> tuple[str, ...]:
    """The command prefix a given binary needs here: () for the host's own, qemu for arm64."""
    host = host or host_arch()
    arch = elf_arch(binary)
    if arch is None or arch == host:
        return ()
    emulator = find_emulator(arch, which)
    if emulator is None:
        hint = INSTALL_HINT.get(arch, f"qemu-user for {arch}")
        raise ArchError(f"{binary} is an {arch} binary; running it here needs qemu: run {hint}")
    return emulator


def wrapper_text(binary: Path, emulator: tuple[str, ...]) -> str:
    """A shell script that runs `binary` under `emulator`, marked emulated, with its arguments."""
    quoted = " ".join(_sh_quote(a) for a in (*emulator, str(binary)))
    return ("#!/bin/sh\n"
            "# Runs the benchmark binary under user-mode emulation (written by run_suite).\n"
            f"{EMULATED_ENV}=true\nexport {EMULATED_ENV}\n"
            f"exec {quoted} \"$@\"\n")


def _sh_quote(text: str) -> str:
    if text and all(c.isalnum() or c in "/._-+=:," for c in text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def write_wrapper(binary: Path, emulator: tuple[str, ...], directory: Path | None = None) -> Path:
    """Writes `<binary>.emulated` (or into `directory`): a drop-in for the binary itself, so every
    way the suite starts the binary (listing, calibration, each case) goes through qemu."""
    folder = directory or binary.parent
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{binary.name}.emulated"
    text = wrapper_text(binary.resolve(), emulator)
    try:
        if path.read_text() == text and os.access(path, os.X_OK):
            return path
    except OSError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.chmod(tmp.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    tmp.replace(path)
    return path


def temp_dir() -> Path:
    """A directory for wrappers that lives as long as this process."""
    path = Path(tempfile.mkdtemp(prefix="synclab-emulated-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
