# locks: tests (included from CMakeLists.txt).
