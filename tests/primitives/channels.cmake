# channels: stress, contract and negative tests (included from CMakeLists.txt).

# The stress check (exactly once, intact, per-producer order) for every
# channel and shape, run as two ctest tests so each half has its own timeout:
# the non-blocking channels, and the blocking ones (driven through send/recv
# and close, where most hand-offs are sleeps and wakes).
synclab_primitives_test(channel_stress_test stress)
set_tests_properties(channel_stress_test PROPERTIES TIMEOUT 120)
set_property(TEST channel_stress_test APPEND PROPERTY
  ENVIRONMENT "GTEST_FILTER=*:-ChannelStress/blocking_*:ChannelStress/rendezvous.*:ChannelStress/mutex_queue.*")
add_test(NAME channel_blocking_stress_test COMMAND channel_stress_test)
set_tests_properties(channel_blocking_stress_test PROPERTIES TIMEOUT 120 LABELS stress
  ENVIRONMENT "GTEST_FILTER=ChannelStress/blocking_*:ChannelStress/rendezvous.*:ChannelStress/mutex_queue.*")

# The contract in one thread or forced interleavings (order, capacity, close
# and drain, payloads, leftovers), the sleeping channels (wake-ups, close,
# syscall counts, rendezvous hand-off), the one-shots (with death tests).
synclab_primitives_test(channel_contract_test unit)
synclab_primitives_test(channel_blocking_test unit)
synclab_primitives_test(channel_oneshot_test stress)
set_tests_properties(channel_contract_test channel_blocking_test channel_oneshot_test PROPERTIES TIMEOUT 120)

# The broken channels (tests/support/include/synclab/testing/channel_broken.hpp).
# Caught in every build: overwrites by the exactly-once check, a lost wake-up
# by the hang detector.
synclab_primitives_test(channel_broken_order_test negative)
synclab_primitives_test(channel_broken_wake_test negative)
set_tests_properties(channel_broken_order_test channel_broken_wake_test PROPERTIES TIMEOUT 120)
if(SYNCLAB_SANITIZER STREQUAL "thread")
  # The overwrites are data races too; this test is judged by its own assertion.
  set_tests_properties(channel_broken_order_test PROPERTIES ENVIRONMENT "TSAN_OPTIONS=report_bugs=0")
endif()
# Caught by ThreadSanitizer only: built everywhere so it keeps compiling, run
# only in the tsan build, and passing only on an actual race report.
add_executable(channel_broken_tsan_test channel_broken_tsan_test.cpp)
target_link_libraries(channel_broken_tsan_test PRIVATE
  synclab::primitives synclab_test_support GTest::gtest_main)
if(SYNCLAB_SANITIZER STREQUAL "thread")
  add_test(NAME channel_broken_tsan_test COMMAND channel_broken_tsan_test)
  set_tests_properties(channel_broken_tsan_test PROPERTIES TIMEOUT 120 LABELS negative
    PASS_REGULAR_EXPRESSION "WARNING: ThreadSanitizer: data race")
endif()

# SCQ: boundaries over many laps, fixed-count exactly-once and order at small
# capacities, and an enqueuer held at its stall point (a receiver passes it;
# its message arrives). The broken twin loses that message
# (scq_negative_test).
synclab_stall_point_test(scq_test stress 240)

# FAAArrayQueue: FIFO across nodes, owning messages left at destruction,
# fixed-count exactly-once and order over many nodes, an enqueuer held at its
# stall point, and the nodes counted under traffic against the memory bound
# (live and retired, sampled by a watcher). The broken twins lose the held
# message, and never scan their retired nodes past the bound
# (faa_array_queue_negative_test).
synclab_stall_point_test(faa_array_queue_test stress 240)

# BBQ (bbq_spsc, bbq_mpmc): capacity and block geometry, block transitions and
# 2-bit versions wrapping over many laps, fixed-count exactly-once and order
# (SPSC one of each side only), leftovers at destruction, and a producer held
# at its stall point (receivers must not pass its entry; its message arrives
# first). The broken twin reads past it and loses it (bbq_negative_test).
synclab_stall_point_test(bbq_test stress 240)

# LPRQ: FIFO across rings that fill, close and are followed (rings of 2, 4
# and 1024 cells), empty polls between sends, owning messages left at
# destruction, fixed-count exactly-once and order over small rings, and an
# enqueuer held at its stall point (its position in the epoch word), and the
# rings counted under traffic against the memory bound. The broken twins lose
# the held message, and never scan their retired rings past the bound
# (lprq_negative_test).
synclab_stall_point_test(lprq_test stress 240)

# LCRQ: the same checks with a double-width CAS (boxed and in-cell messages),
# the broken twins that skip the empty transition or the scan of retired
# rings (lcrq_negative_test), and
# the left-out path: with SYNCLAB_ASSUME_NO_CAS2=1 it says why it cannot run
# and never runs (lcrq_left_out_test). ThreadSanitizer cannot see its inline
# assembly: there only the left-out path runs (channels/lcrq.hpp says why).
# x86-64 and arm64 (arch/cas2.hpp); under qemu-aarch64 each of these takes
# about a second.
if(SYNCLAB_SANITIZER STREQUAL "thread")
  add_executable(lcrq_test lcrq_test.cpp)
  target_link_libraries(lcrq_test PRIVATE synclab::primitives synclab_test_support GTest::gtest_main)
  target_compile_definitions(lcrq_test PRIVATE SYNCLAB_TEST_STALL_POINTS)
else()
  synclab_stall_point_test(lcrq_test stress 240)
endif()
add_test(NAME lcrq_left_out_test COMMAND lcrq_test --gtest_filter=LcrqLeftOut.*)
set_tests_properties(lcrq_left_out_test PROPERTIES TIMEOUT 60 LABELS unit
  ENVIRONMENT "SYNCLAB_ASSUME_NO_CAS2=1")
# arm64: the same checks again over the ldaxp/stlxp loop (arch/cas2.hpp), which
# a CPU with LSE (qemu-aarch64's default one included) would not otherwise take.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$" AND NOT SYNCLAB_SANITIZER STREQUAL "thread")
  add_test(NAME lcrq_llsc_test COMMAND lcrq_test --gtest_filter=-*Broken*)
  set_tests_properties(lcrq_llsc_test PROPERTIES TIMEOUT 240 LABELS stress
    ENVIRONMENT "SYNCLAB_CAS2_FORCE_LLSC=1")
endif()
# Under qemu on an ARMv8.0 CPU without LSE (see cas2_armv80_test).
if(SYNCLAB_QEMU_ARMV80 AND NOT SYNCLAB_SANITIZER STREQUAL "thread")
  add_test(NAME lcrq_armv80_test COMMAND lcrq_test --gtest_filter=-*Broken*)
  set_tests_properties(lcrq_armv80_test PROPERTIES TIMEOUT 240 LABELS stress ENVIRONMENT "QEMU_CPU=cortex-a57")
endif()
