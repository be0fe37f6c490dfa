# channels: stress, contract and negative tests (included from CMakeLists.txt).
