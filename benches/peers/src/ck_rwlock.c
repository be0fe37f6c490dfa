/* ck_rwlock.c — Concurrency Kit adapter (C translation unit). */
#include <ck_pr.h>
