# lock_peers: tests (included from CMakeLists.txt).
#
# The third-party lock peers (absl, oneTBB, Concurrency Kit) also run the
# common lock contract in lock_stress_test; this test covers what is their
# own: the absent-peer list and the queue-lock peers' per-acquisition nodes.
synclab_primitives_test(lock_peers_test stress)
set_tests_properties(lock_peers_test PROPERTIES TIMEOUT 120)
