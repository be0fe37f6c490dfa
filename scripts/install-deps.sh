#!/usr/bin/env bash
# install-deps.sh: the one list of Debian packages synclab needs, and their installation.
#
#   scripts/install-deps.sh              install what is missing (apt-get; as root, or with sudo -n)
#   scripts/install-deps.sh --check      report what is missing; exit 0 if nothing, 1 otherwise
#   scripts/install-deps.sh --list       print the package list
#   scripts/install-deps.sh --report-only ...   only what the report needs (python3 + matplotlib, numpy)
#   scripts/install-deps.sh --history-only ...  only what scripts/history needs (the report's + SQLAlchemy, psycopg2, dygraphs)
#   scripts/install-deps.sh --arch=arm64 ...    also the arm64 cross toolchain, qemu-user, :arm64 libraries
#   scripts/install-deps.sh --apps ...          also the programs of the apps family (optional group)
#
# Idempotent: with everything present it prints "all dependencies present" and changes nothing.
# Docker images and CI use this same script.
set -euo pipefail

prog=install-deps.sh

# Build, test and report dependencies of the native architecture.
native_packages=(
  build-essential g++ cmake ninja-build pkg-config git
  libbenchmark-dev libgtest-dev libgmock-dev
  libhwloc-dev hwloc libpfm4-dev valgrind
  libboost-dev libtbb-dev libabsl-dev libck-dev libconcurrentqueue-dev
  libatomic-queue-dev libxenium-dev liburcu-dev
  python3 python3-matplotlib python3-numpy python3-scipy python3-pytest python3-yaml
  pyflakes3 mypy clang-tidy yamllint
  chromium chromium-driver python3-selenium
  rocksdb-tools
  python3-sqlalchemy python3-psycopg2 postgresql libjs-dygraphs
)
# yamllint checks the CI workflows (.github/workflows/, settings in .yamllint) in the tests.
# rocksdb-tools gives the tests their real program (cache_bench under two locks, tests/interpose).
# The rest of the apps family (run_suite --family apps, docs/apps.md): the other programs it runs
# under every lock, and perf for their futex calls. Optional: without them those cases fail with
# this reason.
apps_packages=(sysbench linux-perf)
# What scripts/report needs, and nothing more.
report_packages=(python3 python3-matplotlib python3-numpy python3-scipy)
# What scripts/history needs: the report's, its database layer (SQLAlchemy 1.4 Core; psycopg2
# for PostgreSQL) and the dashboard's charting library (dygraphs, inlined into the page). The
# postgresql server itself is needed only by the tests, which start one.
history_packages=("${report_packages[@]}" python3-sqlalchemy python3-psycopg2 libjs-dygraphs)

# Extra packages of a target architecture, selected with --arch=NAME: native (the default),
# x86_64 or arm64. The host's own architecture needs nothing more. arm64 on an x86_64 host is
# cross-built and run under qemu-user: the cross compiler, qemu, and Debian's multiarch :arm64
# libraries (which need `dpkg --add-architecture arm64` first; done below when installing).
arm64_cross_packages=(
  g++-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-user
  libbenchmark-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
  libhwloc-dev:arm64 libpfm4-dev:arm64 liburcu-dev:arm64
)
foreign_arch=""
arch_packages() {
  local host
  host=$(dpkg --print-architecture 2>/dev/null || uname -m)
  case "$1" in
    native) ;;
    arm64|aarch64)
      case "$host" in
        arm64|aarch64) ;;
        amd64|x86_64)
          foreign_arch=arm64
          if [ "$report_only" = 0 ]; then
            packages+=("${arm64_cross_packages[@]}")
          fi
          ;;
        *)
          echo "$prog: error: --arch=$1 on a $host host is not supported (only from x86_64 or on arm64)" >&2
          exit 2
          ;;
      esac
      ;;
    x86_64|amd64)
      case "$host" in
        amd64|x86_64) ;;
        *)
          echo "$prog: error: --arch=$1 on a $host host is not supported (x86_64 runs only natively)" >&2
          exit 2
          ;;
      esac
      ;;
    *)
      echo "$prog: error: unknown --arch=$1 (choose native, x86_64 or arm64)" >&2
      exit 2
      ;;
  esac
}

usage() {
  sed -n '2,13s/^# \{0,1\}//p' "$0"
}

mode=install
arch=native
report_only=0
apps=0
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    --apps) apps=1 ;;
    --list) mode=list ;;
    --report-only) report_only=1 ;;
    --history-only) report_only=history ;;
    --arch=*) arch=${arg#--arch=} ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$prog: error: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$report_only" = 1 ]; then
  packages=("${report_packages[@]}")
elif [ "$report_only" = history ]; then
  packages=("${history_packages[@]}")
else
  packages=("${native_packages[@]}")
fi
arch_packages "$arch"
if [ "$apps" = 1 ] && [ "$report_only" = 0 ]; then
  packages+=("${apps_packages[@]}")
fi

if [ "$mode" = list ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

# Prints the packages that dpkg does not report as installed, one per line.
# A package without an architecture qualifier must be installed for this
# machine's architecture (or be Architecture: all); with arm64 libraries
# installed beside it, only its name:arch entry counts. One dpkg-query for
# every package: it reads dpkg's database once (0.03 s) instead of once a
# package (0.4 s for the history's list, before every scripts/history call).
missing_packages() {
  local pkg native name arch status
  local -A installed=()
  native=$(dpkg --print-architecture 2>/dev/null || echo "")
  while IFS=$'\t' read -r name arch status; do
    if [ "$status" = "install ok installed" ]; then
      installed["$name:$arch"]=1
    fi
  done < <(dpkg-query -W -f='${Package}\t${Architecture}\t${Status}\n' "${packages[@]%%:*}" 2>/dev/null || true)
  for pkg in "${packages[@]}"; do
    if [[ "$pkg" == *:* ]]; then
      [ -n "${installed[$pkg]:-}" ] && continue
    elif [ -n "${installed[$pkg:$native]:-}" ] || [ -n "${installed[$pkg:all]:-}" ]; then
      continue
    fi
    echo "$pkg"
  done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "$prog: error: dpkg-query not found; this script needs Debian or Ubuntu." >&2
  echo "$prog: install these packages with your system's package manager: ${packages[*]}" >&2
  exit 1
fi

mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "all dependencies present"
  exit 0
fi
# A foreign architecture's packages can be installed only once dpkg knows the architecture.
add_arch=()
if [ -n "$foreign_arch" ] && ! dpkg --print-foreign-architectures 2>/dev/null | grep -qx "$foreign_arch"; then
  add_arch=(dpkg --add-architecture "$foreign_arch")
fi
if [ "$mode" = check ]; then
  echo "missing packages: ${missing[*]}"
  if [ "${#add_arch[@]}" -ne 0 ]; then
    echo "($foreign_arch is not a dpkg architecture yet: ${add_arch[*]} comes first)"
  fi
  exit 1
fi

install_cmd="apt-get install -y --no-install-recommends ${missing[*]}"
echo "$prog: installing: ${missing[*]}" >&2
if [ "$(id -u)" = 0 ]; then
  if [ "${#add_arch[@]}" -ne 0 ]; then "${add_arch[@]}"; fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  if [ "${#add_arch[@]}" -ne 0 ]; then sudo "${add_arch[@]}"; fi
  sudo apt-get update
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "$prog: error: missing packages and no root rights; run:" >&2
  if [ "${#add_arch[@]}" -ne 0 ]; then
    echo "  sudo ${add_arch[*]} && sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive $install_cmd"
  else
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive $install_cmd"
  fi
  exit 1
fi

mapfile -t still_missing < <(missing_packages)
if [ "${#still_missing[@]}" -ne 0 ]; then
  echo "$prog: error: still missing after apt-get: ${still_missing[*]}" >&2
  exit 1
fi
echo "all dependencies present"
