# lock_peers: tests (included from CMakeLists.txt).
