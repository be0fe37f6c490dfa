"""Architectures: target resolution, the qemu wrapper, run_suite --arch, install-deps.sh
--arch=arm64, the arm64 presets and toolchain file, and the Docker files."""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import (FAKE_BENCH, REPO, assert_one_line_error, clean_env, dpkg_query_shim, run_cli,
                      run_suite)
from synclab import arch, cases
from synclab.census import objects
from synclab.elf import elf_arch

INSTALL_DEPS = REPO / "scripts" / "install-deps.sh"


def which_of(*present: str):
    return lambda name: f"/usr/bin/{name}" if name in present else None


# ---------------------------------------------------------------- resolution

def test_native_is_the_host() -> None:
    target = arch.resolve("native", host="x86_64", which=which_of())
    assert (target.arch, target.variant, target.preset, target.emulated) == (
        "x86_64", "default", "release", False)
    assert target.run_id_suffix(explicit=False) == ""
    assert arch.resolve("x86_64", host="x86_64", which=which_of()).run_id_suffix(explicit=True) == "-x86_64"


def test_arm64_on_x86_64_is_emulated() -> None:
    present = which_of("qemu-aarch64", "aarch64-linux-gnu-g++")
    target = arch.resolve("arm64", host="x86_64", which=present)
    assert target.emulated and target.emulator == ("/usr/bin/qemu-aarch64", "-L", "/")
    assert target.preset == "arm64" and target.run_id_suffix(explicit=True) == "-arm64"
    lse = arch.resolve("arm64", "lse", host="x86_64", which=present)
    assert lse.preset == "arm64-lse" and lse.run_id_suffix(explicit=True) == "-arm64-lse"
    assert arch.resolve("aarch64", "llsc", host="x86_64", which=present).preset == "arm64-llsc"


def test_arm64_on_arm64_is_native() -> None:
    target = arch.resolve("arm64", host="arm64", which=which_of())
    assert not target.emulated and target.preset == "release"
    assert arch.resolve("arm64", "llsc", host="arm64", which=which_of()).preset == "arm64-llsc"


@pytest.mark.parametrize("present", [(), ("qemu-aarch64",), ("aarch64-linux-gnu-g++",)])
def test_arm64_without_qemu_or_toolchain_names_the_install(present: tuple[str, ...]) -> None:
    with pytest.raises(arch.ArchError) as info:
        arch.resolve("arm64", host="x86_64", which=which_of(*present))
    assert str(info.value) == ("--arch=arm64 needs qemu-aarch64 and the arm64 toolchain: run "
                               "scripts/install-deps.sh --arch=arm64")


def test_a_built_binary_needs_only_qemu() -> None:
    target = arch.resolve("arm64", host="x86_64", need_toolchain=False, which=which_of("qemu-aarch64"))
    assert target.emulated


def test_impossible_targets() -> None:
    with pytest.raises(arch.ArchError, match="cannot run on this arm64 host"):
        arch.resolve("x86_64", host="arm64", which=which_of("qemu-x86_64"))
    with pytest.raises(arch.ArchError, match="applies to --arch=arm64 only"):
        arch.resolve("x86_64", "lse", host="x86_64", which=which_of())
    with pytest.raises(arch.ArchError, match="not supported"):
        arch.resolve("riscv64", host="x86_64", which=which_of())


def test_elf_arch(tmp_path: Path) -> None:
    def elf(machine: int) -> Path:
        path = tmp_path / f"elf{machine}"
        header = bytearray(64)
        header[:6] = b"\x7fELF\x02\x01"
        header[18:20] = machine.to_bytes(2, "little")
        path.write_bytes(bytes(header))
        return path

    assert elf_arch(elf(62)) == "x86_64"
    assert elf_arch(elf(183)) == "arm64"
    assert elf_arch(elf(243)) is None  # riscv
    assert elf_arch(FAKE_BENCH) is None
    assert elf_arch(tmp_path / "missing") is None
    assert arch.emulator_for_binary(elf(62), host="x86_64") == ()
    assert arch.emulator_for_binary(elf(183), host="x86_64", which=which_of("qemu-aarch64")) == (
        "/usr/bin/qemu-aarch64", "-L", "/")
    with pytest.raises(arch.ArchError, match="install-deps.sh --arch=arm64"):
        arch.emulator_for_binary(elf(183), host="x86_64", which=which_of())


def test_variant_from_flags() -> None:
    assert objects.variant_of("arm64", "-moutline-atomics -O2") == "default"
    assert objects.variant_of("arm64", "-O2") == "default"
    assert objects.variant_of("arm64", "-march=armv8-a -mno-outline-atomics -O2") == "llsc"
    assert objects.variant_of("arm64", "-march=armv8.1-a -O2") == "lse"
    assert objects.variant_of("arm64", "-march=armv8-a+lse") == "lse"
    assert objects.variant_of("arm64", "-march=armv8.2-a+nolse -mno-outline-atomics") == "llsc"
    assert objects.variant_of("x86_64", "-march=native") == "default"


def test_wrapper_runs_the_binary_marked_emulated(tmp_path: Path) -> None:
    binary = tmp_path / "bench with space"
    binary.write_text("#!/bin/sh\necho \"emulated=$SYNCLAB_EMULATED args=$*\"\n")
    binary.chmod(0o755)
    emulator = tmp_path / "fake-qemu"
    emulator.write_text("#!/bin/sh\n# fake-qemu -L / BINARY ARGS...\nshift 2\nexec \"$@\"\n")
    emulator.chmod(0o755)
    wrapper = arch.write_wrapper(binary, (str(emulator), "-L", "/"), tmp_path / "w")
    assert wrapper.name == "bench with space.emulated"
    assert wrapper.stat().st_mode & stat.S_IXUSR
    out = subprocess.run([str(wrapper), "--x", "a b"], capture_output=True, text=True, check=True,
                         env={"PATH": os.environ["PATH"]})
    assert out.stdout.strip() == "emulated=true args=--x a b"
    assert arch.write_wrapper(binary, (str(emulator), "-L", "/"), tmp_path / "w") == wrapper


def test_emulated_defaults_are_short() -> None:
    assert cases.emulated_defaults("smoke", None, None) == (1, 50)
    assert cases.emulated_defaults("full", None, None) == (1, 50)
    assert cases.emulated_defaults("full", 3, 400) == (3, 400)


# ---------------------------------------------------------------- run_suite --arch

def path_without_qemu(tmp_path: Path) -> dict[str, str]:
    """A PATH with the usual tools but no qemu and no cross compiler."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("cmake", "git", "sh", "env"):
        for folder in os.environ["PATH"].split(os.pathsep):
            found = Path(folder) / tool
            if found.is_file() and not (bin_dir / tool).exists():
                (bin_dir / tool).symlink_to(found)
    return clean_env(PATH=str(bin_dir))


def test_run_suite_arm64_without_toolchain_is_one_line(tmp_path: Path) -> None:
    if arch.host_arch() != "x86_64":
        pytest.skip("checks the x86_64 host's message")
    proc = run_suite("--arch=arm64", "--list", bench=None, env=path_without_qemu(tmp_path))
    line = assert_one_line_error(proc, "run_suite")
    assert line == ("run_suite: error: --arch=arm64 needs qemu-aarch64 and the arm64 toolchain: "
                    "run scripts/install-deps.sh --arch=arm64")


def test_run_suite_rejects_an_unknown_arch() -> None:
    assert_one_line_error(run_suite("--arch=sparc", "--list"), "run_suite")
    assert_one_line_error(run_suite("--arch=x86_64", "--arm64-variant", "lse", "--list"), "run_suite")


def test_run_suite_emulated_run_end_to_end(tmp_path: Path) -> None:
    """--arch=arm64 with a stand-in qemu: every call of the bench goes through the emulator with
    SYNCLAB_EMULATED=true, windows are short, the run id and run info say arm64."""
    if arch.host_arch() != "x86_64":
        pytest.skip("emulation is set up from x86_64 hosts")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "qemu.log"
    qemu = bin_dir / "qemu-aarch64"
    qemu.write_text(f"#!/bin/sh\necho \"$SYNCLAB_EMULATED $*\" >> {log}\nshift 2\nexec \"$@\"\n")
    qemu.chmod(0o755)
    out = tmp_path / "run"
    proc = run_suite("--arch=arm64", "--profile", "smoke", "--filter", "futex_mutex3/",
                     "--out", str(out), "--no-report", timeout=120,
                     env=clean_env(PATH=f"{bin_dir}:{os.environ['PATH']}"))
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    assert calls and all(c.startswith(f"true -L / {FAKE_BENCH}") for c in calls)
    assert any("--synclab_duration_ms=50" in c for c in calls)
    doc = json.loads((out / "results.json").read_text())
    run = doc["context"]["synclab_run"]
    assert run["run_id"].endswith("-arm64") and run["emulated"] is True and run["arch"] == "arm64"
    assert (run["repetitions"], run["duration_ms"]) == (1, 50)
    assert run["emulator"].endswith("qemu-aarch64 -L /")
    assert not (out / "census.json").exists()  # a stand-in bench has no code to take a census of
    assert not list(FAKE_BENCH.parent.glob("*.emulated"))  # the wrapper is not left in the tree


# ---------------------------------------------------------------- install-deps.sh --arch=arm64

def deps_shims(tmp_path: Path, *, missing: set[str], foreign: str = "", uid: int = 0,
               host: str = "amd64") -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "dpkg-query": dpkg_query_shim(missing, host),
        "dpkg": "#!/bin/sh\ncase \"$1\" in --print-architecture) echo " + host + ";;\n"
                "--print-foreign-architectures) printf '" + foreign + "';;\n"
                "*) echo \"dpkg $*\" >> " + str(tmp_path / "dpkg.log") + ";; esac\n",
        "id": f"#!/bin/sh\necho {uid}\n",
        "sudo": "#!/bin/sh\nexit 1\n",
        "apt-get": "#!/bin/sh\necho \"apt-get $*\" >> " + str(tmp_path / "apt.log") + "\n",
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(0o755)
    return clean_env(PATH=f"{bin_dir}:{os.environ['PATH']}")


ARM64_EXTRAS = ["g++-aarch64-linux-gnu", "binutils-aarch64-linux-gnu", "qemu-user",
                "libbenchmark-dev:arm64", "libgtest-dev:arm64", "libgmock-dev:arm64",
                "libhwloc-dev:arm64", "libpfm4-dev:arm64", "liburcu-dev:arm64"]


def test_install_deps_lists_the_arm64_packages() -> None:
    native = run_cli([str(INSTALL_DEPS), "--list"]).stdout.split()
    proc = run_cli([str(INSTALL_DEPS), "--list", "--arch=arm64"])
    assert proc.returncode == 0
    if arch.host_arch() == "x86_64":
        assert proc.stdout.split() == native + ARM64_EXTRAS
    report = run_cli([str(INSTALL_DEPS), "--list", "--report-only", "--arch=arm64"]).stdout.split()
    assert report == run_cli([str(INSTALL_DEPS), "--list", "--report-only"]).stdout.split()


def test_install_deps_check_arm64(tmp_path: Path) -> None:
    env = deps_shims(tmp_path, missing={"qemu-user", "libgtest-dev:arm64"})
    proc = run_cli([str(INSTALL_DEPS), "--check", "--arch=arm64"], env=env)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "missing packages: qemu-user libgtest-dev:arm64",
        "(arm64 is not a dpkg architecture yet: dpkg --add-architecture arm64 comes first)"]
    assert not (tmp_path / "apt.log").exists()


def test_install_deps_adds_the_architecture_before_installing(tmp_path: Path) -> None:
    env = deps_shims(tmp_path, missing={"libpfm4-dev:arm64"})
    proc = run_cli([str(INSTALL_DEPS), "--arch=arm64"], env=env)
    # the shims cannot install: the script says what is still missing, after the right steps
    assert proc.returncode == 1 and "still missing after apt-get: libpfm4-dev:arm64" in proc.stderr
    assert (tmp_path / "dpkg.log").read_text().splitlines() == ["dpkg --add-architecture arm64"]
    apt = (tmp_path / "apt.log").read_text().splitlines()
    assert apt[0] == "apt-get update"
    assert apt[1] == "apt-get install -y --no-install-recommends libpfm4-dev:arm64"


def test_install_deps_arm64_is_idempotent(tmp_path: Path) -> None:
    env = deps_shims(tmp_path, missing=set(), foreign="arm64\n")
    proc = run_cli([str(INSTALL_DEPS), "--arch=arm64"], env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "all dependencies present"
    assert not (tmp_path / "dpkg.log").exists() and not (tmp_path / "apt.log").exists()


def test_install_deps_without_root_prints_every_step(tmp_path: Path) -> None:
    env = deps_shims(tmp_path, missing={"qemu-user"}, uid=1000)
    proc = run_cli([str(INSTALL_DEPS), "--arch=arm64"], env=env)
    assert proc.returncode == 1
    assert ("sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo "
            "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends qemu-user"
            ) in proc.stdout


def test_install_deps_arm64_on_arm64_is_native(tmp_path: Path) -> None:
    env = deps_shims(tmp_path, missing=set(), host="arm64")
    proc = run_cli([str(INSTALL_DEPS), "--check", "--arch=arm64"], env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "all dependencies present"
    bad = run_cli([str(INSTALL_DEPS), "--check", "--arch=x86_64"], env=env)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1


@pytest.mark.parametrize("arg", ["--arch=riscv64", "--arch="])
def test_install_deps_unknown_arch(arg: str) -> None:
    proc = run_cli([str(INSTALL_DEPS), "--check", arg])
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1


# ---------------------------------------------------------------- presets, toolchain, docker

def test_arm64_presets() -> None:
    doc = json.loads((REPO / "CMakePresets.json").read_text())
    configure = {p["name"]: p for p in doc["configurePresets"]}
    flags = {}
    for name in ("arm64", "arm64-llsc", "arm64-lse"):
        preset = configure[name]
        assert configure[preset["inherits"]]["toolchainFile"].endswith(
            "cmake/toolchains/aarch64-linux-gnu.cmake")
        flags[name] = preset["cacheVariables"]["CMAKE_CXX_FLAGS"]
        for kind in ("buildPresets", "testPresets"):
            assert any(p["name"] == name and p["configurePreset"] == name for p in doc[kind])
    assert objects.variant_of("arm64", flags["arm64"]) == "default"
    assert objects.variant_of("arm64", flags["arm64-llsc"]) == "llsc"
    assert objects.variant_of("arm64", flags["arm64-lse"]) == "lse"
    assert set(arch.ARM64_PRESETS.values()) == set(flags)
    toolchain = (REPO / "cmake" / "toolchains" / "aarch64-linux-gnu.cmake").read_text()
    for needle in ("CMAKE_SYSTEM_NAME Linux", "CMAKE_SYSTEM_PROCESSOR aarch64",
                   "aarch64-linux-gnu-g++", "PKG_CONFIG_LIBDIR", "CMAKE_CROSSCOMPILING_EMULATOR"):
        assert needle in toolchain


def test_dockerfile_uses_only_existing_scripts() -> None:
    dockerfile = (REPO / "docker" / "Dockerfile").read_text()
    assert re.search(r"^FROM debian:(12|bookworm)", dockerfile, re.M)
    referenced = set(re.findall(r"\bscripts/[A-Za-z0-9_./-]+", dockerfile))
    assert {"scripts/install-deps.sh", "scripts/run_suite"} <= referenced
    for script in referenced:
        assert (REPO / script).is_file(), script
    for line in re.findall(r"^(?:COPY|RUN|ENTRYPOINT|CMD)\b.*$", dockerfile, re.M):
        for word in re.findall(r"\b[\w.-]+\.sh\b", line):
            assert (REPO / "scripts" / word).is_file(), word
    ignored = (REPO / "docker" / "Dockerfile.dockerignore").read_text().split()
    assert not any(entry.startswith(("scripts", "census", "cmake", "primitives")) for entry in ignored)
