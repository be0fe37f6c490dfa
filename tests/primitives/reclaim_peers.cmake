# reclaim_peers: tests (included from CMakeLists.txt).
#
# The third-party reclamation peers (liburcu's flavours, xenium's
# reclaimers) under the Publication contract with a poisoning canary: no
# early free, exactly-once free, readers beside one and several writers, and
# liburcu QSBR's offline and online readers. synclab::peers carries the
# libraries (liburcu's shared libraries where found; xenium is header-only).
# Under ThreadSanitizer only the xenium peers run (liburcu is left out).
synclab_primitives_test(reclaim_peers_test stress)
set_tests_properties(reclaim_peers_test PROPERTIES TIMEOUT 180)
