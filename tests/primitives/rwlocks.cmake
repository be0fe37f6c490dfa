# rwlocks: stress, contract and negative tests (included from CMakeLists.txt).
#
# The reader-writer lock contract for every lock of ours and every peer, the
# writer-starvation check for the writer-preferring ones, what is particular
# to BRAVO and to the per-CPU lock, the seqlock's
# torn-read check, and the negative tests proving the checks catch the
# broken twins (synclab/testing/broken_rwlocks.hpp, seqlock_testing.hpp).
synclab_primitives_test(rwlock_contract_test stress)
synclab_primitives_test(rwlock_starvation_test stress)
synclab_primitives_test(seqlock_test stress)
synclab_primitives_test(bravo_test stress)
synclab_primitives_test(per_cpu_rwlock_test stress)
synclab_primitives_test(rwlock_broken_test negative)
synclab_primitives_test(seqlock_broken_test negative)
set_tests_properties(rwlock_contract_test rwlock_starvation_test seqlock_test rwlock_broken_test seqlock_broken_test
  bravo_test per_cpu_rwlock_test PROPERTIES TIMEOUT 180)
if(SYNCLAB_SANITIZER STREQUAL "thread")
  # The reader that ignores the writer races on the protected lines, which TSan
  # reports too; this test is judged by its own assertions.
  set_tests_properties(rwlock_broken_test PROPERTIES ENVIRONMENT "TSAN_OPTIONS=report_bugs=0")
endif()

# Built everywhere so it keeps compiling; run only where TSan can catch it,
# passing only on an actual race report (a crash or a hang still fails).
add_executable(seqlock_broken_tsan_test seqlock_broken_tsan_test.cpp)
target_link_libraries(seqlock_broken_tsan_test PRIVATE synclab::primitives GTest::gtest_main)
if(SYNCLAB_SANITIZER STREQUAL "thread")
  add_test(NAME seqlock_broken_tsan_test COMMAND seqlock_broken_tsan_test)
  set_tests_properties(seqlock_broken_tsan_test PROPERTIES TIMEOUT 120 LABELS negative
    PASS_REGULAR_EXPRESSION "WARNING: ThreadSanitizer: data race")
endif()
