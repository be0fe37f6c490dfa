# rwlocks: stress, contract and negative tests (included from CMakeLists.txt).
