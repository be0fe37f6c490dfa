# reclaim: the tests of our own schemes (included from CMakeLists.txt).
#
# Hazard pointers (P2530's interface, the scan threshold and its bound, thread
# exit, the publication's stress with a canary payload; over both fence
# policies, the asymmetric one where membarrier is there) and QSBR (a reader
# that has not announced holds objects back, an offline one does not, the
# bound in lockstep, stress). Each is one executable as two ctest tests: the
# checks of the shipped schemes, and *_negative_test, the same checks on the
# broken twins of synclab/testing/broken_reclaim.hpp, which must fail them.
# The twins are caught by the checks' own counts (a freed object is never
# touched again), so the negative tests run in every build.
foreach(name hazard_pointer_test qsbr_test)
  add_executable(${name} ${name}.cpp)
  target_link_libraries(${name} PRIVATE synclab::primitives synclab_test_support GTest::gtest_main)
  synclab_add_test_pair(${name} stress 180)
endforeach()

# hazard_pointers_asym's left-out path: with SYNCLAB_ASSUME_NO_MEMBARRIER=1
# the asymmetric policy is unavailable with that reason and its typed tests
# skip; the symmetric ones run as usual.
add_test(NAME hazard_pointer_no_membarrier_test COMMAND hazard_pointer_test --gtest_filter=-*Broken*)
set_tests_properties(hazard_pointer_no_membarrier_test PROPERTIES TIMEOUT 180 LABELS stress
                     ENVIRONMENT SYNCLAB_ASSUME_NO_MEMBARRIER=1)
