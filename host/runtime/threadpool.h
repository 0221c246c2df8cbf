/* threadpool.h - a fixed pool of worker threads running blocking parallel-for loops. */
#ifndef LV_THREADPOOL_H
#define LV_THREADPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lv_pool lv_pool;

/* fn(arg, task, worker): task in [0, n_tasks), worker in [0, lv_pool_size()). Returns a status;
 * the first failing task's status (and its thread's error message) is what lv_pool_run returns. */
typedef lv_status (*lv_pool_fn)(void *arg, size_t task, uint32_t worker);

lv_status lv_pool_create(uint32_t n_threads, lv_pool **out);
void lv_pool_destroy(lv_pool *pool);
uint32_t lv_pool_size(const lv_pool *pool);

/* Runs all tasks (the calling thread works too) and returns when every task has finished.
 * Tasks are handed out dynamically, so uneven tasks balance.  Not re-entrant: one run at a time
 * per pool (the context serializes runs with a mutex). */
lv_status lv_pool_run(lv_pool *pool, size_t n_tasks, lv_pool_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif
