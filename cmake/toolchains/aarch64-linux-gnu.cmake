# aarch64-linux-gnu.cmake — cross-compiles synclab for arm64 on an x86_64 Debian host.
#
# Needs what `scripts/install-deps.sh --arch=arm64` installs: g++-aarch64-linux-gnu and the
# Debian multiarch `:arm64` development packages (benchmark, googletest, hwloc, libpfm4, liburcu),
# which live in /usr/lib/aarch64-linux-gnu, and qemu-user for running the results.
#
# Used by the arm64, arm64-llsc and arm64-lse presets (CMakePresets.json); the code-generation
# variant (-march, outline atomics) comes from the preset's CMAKE_CXX_FLAGS, so it is recorded
# in the results context (cxx_flags) like every other flag.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(SYNCLAB_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
find_program(CMAKE_AR ${SYNCLAB_CROSS_TRIPLE}-ar)
find_program(CMAKE_RANLIB ${SYNCLAB_CROSS_TRIPLE}-ranlib)
find_program(CMAKE_OBJDUMP ${SYNCLAB_CROSS_TRIPLE}-objdump)

# Libraries and headers of the target: the cross toolchain's own tree and Debian's multiarch
# directories. Programs (cmake, pkg-config, ninja) are always the host's.
set(CMAKE_FIND_ROOT_PATH /usr/${SYNCLAB_CROSS_TRIPLE} /usr/lib/${SYNCLAB_CROSS_TRIPLE} /usr)
set(CMAKE_LIBRARY_ARCHITECTURE ${SYNCLAB_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# GTest and benchmark ship their CMake package files under the multiarch directory.
list(APPEND CMAKE_PREFIX_PATH /usr/lib/${SYNCLAB_CROSS_TRIPLE}/cmake)

# pkg-config (hwloc): only the arm64 .pc files and the architecture-independent ones.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${SYNCLAB_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# On an x86_64 host, ctest (and add_test commands) run the arm64 executables under user-mode
# emulation. -L /: the dynamic loader and libc are Debian's multiarch libc6:arm64
# (/lib/ld-linux-aarch64.so.1, /lib/aarch64-linux-gnu), the same tree the :arm64 libraries above
# were built against. The cross toolchain's own copy in /usr/aarch64-linux-gnu is for linking
# only: its loader with the multiarch libc at run time can hang at exit. On an arm64 host the
# same presets build natively and tests run directly.
if(NOT CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  find_program(SYNCLAB_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
  if(SYNCLAB_QEMU_AARCH64)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${SYNCLAB_QEMU_AARCH64} -L /)
  endif()
endif()
