# rwlocks: workload tests of the harness (included from CMakeLists.txt).
# The rwlocks and seqlock workloads run and report their metrics (unit), and
# their after-the-window check catches a broken lock, the same check that
# fails a bench case (negative; a separate run because under TSan the broken
# lock's overlap is also a data race, so that run alone has reports off and
# is judged by its own assertion).
add_executable(rwlock_workload_test rwlock_workload_test.cpp)
target_link_libraries(rwlock_workload_test PRIVATE
  synclab::harness synclab::primitives synclab::peers synclab::test_support GTest::gtest_main)
add_test(NAME rwlock_workload_test COMMAND rwlock_workload_test --gtest_filter=-*CheckCatches*)
set_tests_properties(rwlock_workload_test PROPERTIES TIMEOUT 120 LABELS "unit")
add_test(NAME rwlock_workload_broken_test COMMAND rwlock_workload_test --gtest_filter=*CheckCatches*)
set_tests_properties(rwlock_workload_broken_test PROPERTIES TIMEOUT 120 LABELS "negative")
if(SYNCLAB_SANITIZER STREQUAL "thread")
  set_tests_properties(rwlock_workload_broken_test PROPERTIES ENVIRONMENT "TSAN_OPTIONS=report_bugs=0")
endif()
