# condvars: workload tests of the harness (included from CMakeLists.txt).
#
# The condvar scenarios and the semaphore workload run through the real
# driver: each finishes (end_window() wakes every sleeper, else the driver's
# watchdog ends the process), verifies and reports its metrics; the semaphore
# workload's verify() must catch the over-admitting semaphore.
add_executable(condvar_workload_test condvar_workload_test.cpp)
target_link_libraries(condvar_workload_test PRIVATE
  synclab::harness synclab::primitives synclab::peers synclab::test_support GTest::gtest_main)
add_test(NAME condvar_workload_test COMMAND condvar_workload_test)
set_tests_properties(condvar_workload_test PROPERTIES TIMEOUT 120 LABELS "unit")
