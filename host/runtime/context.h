/* context.h - the internals of lv_context, shared by the operations. */
#ifndef LV_CONTEXT_H
#define LV_CONTEXT_H

#include <pthread.h>

#include "lavoisier.h"
#include "runtime/cuda_loader.h"
#include "runtime/threadpool.h"

struct lv_context {
    lv_device device; /* LV_DEVICE_CPU or LV_DEVICE_CUDA */
    int32_t cuda_device;
    uint32_t n_threads;
    lv_pool *pool;
    pthread_mutex_t pool_lock; /* one parallel loop at a time on the pool */
    const lv_cuda_api *cuda;   /* non-NULL when device == LV_DEVICE_CUDA */
    void *cuda_ctx;
    char backend_name[160];
};

/* Runs a parallel loop on the context's pool (serialized with other users of the context). */
lv_status lv_context_parallel(lv_context *ctx, size_t n_tasks, lv_pool_fn fn, void *arg);

#endif
