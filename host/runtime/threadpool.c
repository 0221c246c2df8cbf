/* threadpool.c - fixed worker threads executing a parallel-for with dynamic task hand-out. */
#include "runtime/threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

struct lv_pool {
    uint32_t n_threads; /* including the caller */
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t work_cv;
    pthread_cond_t done_cv;
    uint64_t generation; /* bumped for every run */
    int shutdown;
    /* the current run */
    lv_pool_fn fn;
    void *arg;
    size_t n_tasks;
    atomic_size_t next_task;
    uint32_t active; /* workers still inside the current run */
    lv_status first_error;
    char first_message[2048];
};

typedef struct worker_start {
    lv_pool *pool;
    uint32_t worker;
} worker_start;

static void record_failure(lv_pool *p, lv_status st)
{
    pthread_mutex_lock(&p->lock);
    if (p->first_error == LV_OK) {
        p->first_error = st;
        strncpy(p->first_message, lv_last_error(), sizeof p->first_message - 1);
        p->first_message[sizeof p->first_message - 1] = '\0';
    }
    pthread_mutex_unlock(&p->lock);
}

static void run_tasks(lv_pool *p, uint32_t worker)
{
    for (;;) {
        size_t t = atomic_fetch_add(&p->next_task, 1);
        if (t >= p->n_tasks) break;
        lv_status st = p->fn(p->arg, t, worker);
        if (st != LV_OK) {
            record_failure(p, st);
            atomic_store(&p->next_task, p->n_tasks); /* stop handing out work */
        }
    }
}

static void *worker_main(void *raw)
{
    worker_start ws = *(worker_start *)raw;
    free(raw);
    lv_pool *p = ws.pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->shutdown && p->generation == seen)
            pthread_cond_wait(&p->work_cv, &p->lock);
        if (p->shutdown) break;
        seen = p->generation;
        pthread_mutex_unlock(&p->lock);
        run_tasks(p, ws.worker);
        pthread_mutex_lock(&p->lock);
        if (--p->active == 0) pthread_cond_signal(&p->done_cv);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

lv_status lv_pool_create(uint32_t n_threads, lv_pool **out)
{
    RETURN_ERROR_IF(out == NULL, LV_ERR_INVALID_ARGUMENT, "lv_pool_create: out is NULL");
    if (n_threads == 0) n_threads = 1;
    lv_pool *p = calloc(1, sizeof *p);
    RETURN_IF_NULL_ALLOC(p, sizeof *p);
    p->n_threads = n_threads;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    if (n_threads > 1) {
        p->threads = calloc(n_threads - 1, sizeof *p->threads);
        if (!p->threads) {
            lv_pool_destroy(p);
            return lv_error_set(LV_ERR_NO_MEMORY, "out of memory creating %u threads", n_threads);
        }
        for (uint32_t i = 0; i + 1 < n_threads; i++) {
            worker_start *ws = malloc(sizeof *ws);
            if (ws) *ws = (worker_start){p, i + 1};
            if (!ws || pthread_create(&p->threads[i], NULL, worker_main, ws) != 0) {
                free(ws);
                p->n_threads = i + 1; /* threads started so far, plus the caller */
                lv_pool_destroy(p);
                return lv_error_set(LV_ERR_NO_MEMORY, "cannot start worker thread %u", i + 1);
            }
        }
    }
    *out = p;
    return LV_OK;
}

void lv_pool_destroy(lv_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->shutdown = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->lock);
    if (p->threads)
        for (uint32_t i = 0; i + 1 < p->n_threads; i++)
            pthread_join(p->threads[i], NULL);
    free(p->threads);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->done_cv);
    free(p);
}

uint32_t lv_pool_size(const lv_pool *p)
{
    return p ? p->n_threads : 1;
}

lv_status lv_pool_run(lv_pool *p, size_t n_tasks, lv_pool_fn fn, void *arg)
{
    if (n_tasks == 0) return LV_OK;
    p->fn = fn;
    p->arg = arg;
    p->n_tasks = n_tasks;
    p->first_error = LV_OK;
    atomic_store(&p->next_task, 0);
    if (p->n_threads > 1 && n_tasks > 1) {
        pthread_mutex_lock(&p->lock);
        p->active = p->n_threads - 1;
        p->generation++;
        pthread_cond_broadcast(&p->work_cv);
        pthread_mutex_unlock(&p->lock);
        run_tasks(p, 0);
        pthread_mutex_lock(&p->lock);
        while (p->active != 0)
            pthread_cond_wait(&p->done_cv, &p->lock);
        pthread_mutex_unlock(&p->lock);
    } else {
        run_tasks(p, 0);
    }
    if (p->first_error != LV_OK) return lv_error_set(p->first_error, "%s", p->first_message);
    return LV_OK;
}
