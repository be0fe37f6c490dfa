# locks: tests (included from CMakeLists.txt).

# Hierarchical, parking and waiting-policy locks. Each source is one
# executable run as two ctest tests: the checks of the correct locks (label
# stress) and the broken twins they must catch (label negative, the tests
# named *Broken*), so a twin that slips through fails the negative label.
function(synclab_lock_test_pair name)
  add_test(NAME ${name} COMMAND ${name} --gtest_filter=-*Broken*)
  set_tests_properties(${name} PROPERTIES TIMEOUT 240 LABELS stress)
  string(REPLACE "_test" "_negative_test" negative ${name})
  add_test(NAME ${negative} COMMAND ${name} --gtest_filter=*Broken*)
  set_tests_properties(${negative} PROPERTIES TIMEOUT 120 LABELS negative)
endfunction()

# The cohort test also checks the harness's choice of domains from synthetic
# topologies, so it links the harness.
add_executable(cohort_lock_test cohort_lock_test.cpp)
target_link_libraries(cohort_lock_test PRIVATE
  synclab::primitives synclab::harness synclab_test_support GTest::gtest_main)
synclab_lock_test_pair(cohort_lock_test)

foreach(name parking_lot_test wait_policy_test hemlock_test twa_test reciprocating_test qspinlock_test cna_test malthusian_mcs_test
    combining_test shfl_lock_test)
  add_executable(${name} ${name}.cpp)
  target_link_libraries(${name} PRIVATE synclab::primitives synclab_test_support GTest::gtest_main)
  synclab_lock_test_pair(${name})
endforeach()
