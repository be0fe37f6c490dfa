# condvars: workload tests of the harness (included from CMakeLists.txt).
