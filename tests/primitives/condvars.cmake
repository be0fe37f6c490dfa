# condvars: stress, contract and negative tests (included from CMakeLists.txt).
#
# Condition variables (ours and the peers): the seed's wake-up count check, no
# lost wake-up under ping-pong and producer/consumer stress, notify_all waking
# every waiter, cv_counter_waiters' syscall-free notify. Counting semaphores
# (ours and the peers): never more holders than permits, no lost permit, the
# binary semaphore ordering data, try_acquire, futex_semaphore's limits.
# A hang in any of them is turned into an abort by a watchdog (condvar_testing.hpp).
synclab_primitives_test(condvar_contract_test stress)
synclab_primitives_test(semaphore_contract_test stress)
set_tests_properties(condvar_contract_test semaphore_contract_test PROPERTIES TIMEOUT 180)

# The broken twins: a condvar that busy-waits must fail the wake-up count
# check, a semaphore that over-admits must fail the holder-count check. Both
# are judged by their own assertions (atomics only: nothing for a sanitizer).
synclab_primitives_test(condvar_broken_test negative)
synclab_primitives_test(semaphore_broken_test negative)
set_tests_properties(condvar_broken_test semaphore_broken_test PROPERTIES TIMEOUT 60)
