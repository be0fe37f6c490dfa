# reclaim: the Publication contract for every scheme and peer, and what is
# particular to epoch-based reclamation (included from CMakeLists.txt).
#
# reclaim_stress_test runs the typed contract over OurPublications and
# PeerPublications (a scheme added to either catalogue is covered by it);
# epoch_based_test checks the stalled reader, the memory bound and the idle
# handle, and (as epoch_based_negative_test) that those checks catch the
# broken twin (synclab/testing/broken_reclaim.hpp). Both run under release,
# TSan and ASan: ebr orders everything with seq_cst and release/acquire
# operations (no standalone fences), which TSan models; atomic_shared_ptr is
# left out of TSan builds (reclaim_peers.hpp).
synclab_primitives_test(reclaim_stress_test stress)
set_tests_properties(reclaim_stress_test PROPERTIES TIMEOUT 240)

add_executable(epoch_based_test epoch_based_test.cpp)
target_link_libraries(epoch_based_test PRIVATE synclab::primitives synclab_test_support GTest::gtest_main)
synclab_add_test_pair(epoch_based_test stress 120)
