# channels: workload tests of the harness (included from CMakeLists.txt).
#
# channel_workload_test: the family's workloads over small test-local
# channels — exactly-once and order checks pass on a correct channel and
# catch dropping, duplicating and reordering twins and a one-shot that does
# not wait; end_window() wakes blocked consumers and producers (a hang fires
# the driver's watchdog: exit status 3); the metrics come out.
add_executable(channel_workload_test channel_workload_test.cpp)
target_link_libraries(channel_workload_test PRIVATE synclab::harness synclab::primitives GTest::gtest_main)
add_test(NAME channel_workload_test COMMAND channel_workload_test)
set_tests_properties(channel_workload_test PROPERTIES TIMEOUT 120 LABELS "stress")

# channel_peers_test: the contract for every peer channel and one-shot, each
# in the shapes its declared semantics allow.
add_executable(channel_peers_test channel_peers_test.cpp)
target_link_libraries(channel_peers_test PRIVATE synclab::harness synclab::primitives synclab::peers synclab::test_support GTest::gtest_main)
add_test(NAME channel_peers_test COMMAND channel_peers_test)
set_tests_properties(channel_peers_test PROPERTIES TIMEOUT 240 LABELS "stress")

# channel_protocol_test: atomic_queue's protocol scenarios — a correct channel
# (blocking or not) completes every run; a lost message is stopped by the
# run's limit and reported, a duplicate by the exactly-once check, a wrong
# echo by the ping-pong check.
add_executable(channel_protocol_test channel_protocol_test.cpp)
target_link_libraries(channel_protocol_test PRIVATE synclab::harness synclab::primitives GTest::gtest_main)
add_test(NAME channel_protocol_test COMMAND channel_protocol_test)
set_tests_properties(channel_protocol_test PROPERTIES TIMEOUT 120 LABELS "stress")
