/* context.c - backend choice (CPU or CUDA), thread pool and pinned host memory. */
#include "runtime/context.h"
#include "runtime/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "runtime/error.h"

LV_API void lv_context_params_init(lv_context_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->device = LV_DEVICE_AUTO;
    p->cuda_device = 0;
    p->n_threads = 0;
}

static uint32_t online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

/* LV_DEVICE=cpu|cuda|auto overrides AUTO only, so an explicit request in code always wins. */
static lv_status device_from_env(lv_device *dev)
{
    const char *env = getenv("LV_DEVICE");
    if (!env || !*env || *dev != LV_DEVICE_AUTO) return LV_OK;
    if (strcasecmp(env, "cpu") == 0)
        *dev = LV_DEVICE_CPU;
    else if (strcasecmp(env, "cuda") == 0 || strcasecmp(env, "gpu") == 0)
        *dev = LV_DEVICE_CUDA;
    else if (strcasecmp(env, "auto") != 0)
        return lv_error_set(LV_ERR_INVALID_ARGUMENT,
                            "environment variable LV_DEVICE='%s': expected cpu, cuda or auto", env);
    return LV_OK;
}

static lv_status attach_cuda(lv_context *ctx, int required)
{
    const char *why = NULL;
    const lv_cuda_api *api = lv_cuda_loader_get(&why);
    if (!api || api->device_count() <= 0) {
        if (!required) return LV_OK;
        return lv_error_set(LV_ERR_UNSUPPORTED, "CUDA device requested but %s",
                            api   ? "no CUDA device is present"
                            : why ? why
                                  : "no CUDA backend");
    }
    RETURN_ERROR_IF(ctx->cuda_device < 0 || ctx->cuda_device >= api->device_count(),
                    LV_ERR_INVALID_ARGUMENT, "cuda_device %d out of range (%d devices)",
                    ctx->cuda_device, api->device_count());
    char err[512] = "";
    int st = api->context_create(ctx->cuda_device, &ctx->cuda_ctx, err, sizeof err);
    if (st != LV_OK) {
        if (!required) return LV_OK; /* AUTO falls back to the CPU */
        return lv_error_set((lv_status)st, "CUDA device %d: %s", ctx->cuda_device, err);
    }
    char name[128] = "";
    api->device_name(ctx->cuda_device, name, sizeof name, err, sizeof err);
    ctx->cuda = api;
    ctx->device = LV_DEVICE_CUDA;
    snprintf(ctx->backend_name, sizeof ctx->backend_name, "cuda:%d %s", ctx->cuda_device, name);
    return LV_OK;
}

LV_API lv_status lv_context_create(const lv_context_params *params, lv_context **out)
{
    RETURN_ERROR_IF(out == NULL, LV_ERR_INVALID_ARGUMENT, "lv_context_create: out is NULL");
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_context_params);
    lv_context_params p;
    lv_context_params_init(&p);
    if (params) p = *params;
    RETURN_ERROR_IF(
        p.device != LV_DEVICE_AUTO && p.device != LV_DEVICE_CPU && p.device != LV_DEVICE_CUDA,
        LV_ERR_INVALID_ARGUMENT, "lv_context_params.device=%d is not a lv_device", (int)p.device);
    FORWARD_IF_ERROR(device_from_env(&p.device));

    lv_context *ctx = calloc(1, sizeof *ctx);
    RETURN_IF_NULL_ALLOC(ctx, sizeof *ctx);
    ctx->device = LV_DEVICE_CPU;
    ctx->cuda_device = p.cuda_device;
    ctx->n_threads = p.n_threads ? p.n_threads : online_cpus();
    pthread_mutex_init(&ctx->pool_lock, NULL);
    snprintf(ctx->backend_name, sizeof ctx->backend_name, "cpu");
    lv_status st = lv_pool_create(ctx->n_threads, &ctx->pool);
    if (st == LV_OK && p.device != LV_DEVICE_CPU) st = attach_cuda(ctx, p.device == LV_DEVICE_CUDA);
    if (st != LV_OK) {
        lv_context_destroy(ctx);
        return st;
    }
    *out = ctx;
    return LV_OK;
}

LV_API void lv_context_destroy(lv_context *ctx)
{
    if (!ctx) return;
    if (ctx->cuda && ctx->cuda_ctx) ctx->cuda->context_destroy(ctx->cuda_ctx);
    lv_pool_destroy(ctx->pool);
    pthread_mutex_destroy(&ctx->pool_lock);
    free(ctx);
}

LV_API lv_device lv_context_device(const lv_context *ctx)
{
    return ctx ? ctx->device : LV_DEVICE_CPU;
}

LV_API const char *lv_context_backend_name(const lv_context *ctx)
{
    return ctx ? ctx->backend_name : "cpu";
}

LV_API uint32_t lv_context_threads(const lv_context *ctx)
{
    return ctx ? ctx->n_threads : 1;
}

LV_API int32_t lv_cuda_device_count(void)
{
    const lv_cuda_api *api = lv_cuda_loader_get(NULL);
    return api ? api->device_count() : 0;
}

lv_status lv_context_parallel(lv_context *ctx, size_t n_tasks, lv_pool_fn fn, void *arg)
{
    pthread_mutex_lock(&ctx->pool_lock);
    lv_status st = lv_pool_run(ctx->pool, n_tasks, fn, arg);
    pthread_mutex_unlock(&ctx->pool_lock);
    return st;
}

LV_API lv_status lv_host_alloc(lv_context *ctx, size_t bytes, void **out)
{
    RETURN_ERROR_IF(ctx == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_host_alloc: ctx and out must not be NULL");
    if (ctx->cuda) {
        char err[512] = "";
        int st = ctx->cuda->host_alloc(ctx->cuda_ctx, bytes, out, err, sizeof err);
        RETURN_ERROR_IF(st != LV_OK, (lv_status)st, "pinned allocation of %zu bytes: %s", bytes,
                        err);
        return LV_OK;
    }
    void *p = lv_pages_alloc(bytes);
    RETURN_ERROR_IF(p == NULL, LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes", bytes);
    *out = p;
    return LV_OK;
}

LV_API void lv_host_free(lv_context *ctx, void *ptr)
{
    if (!ptr) return;
    if (ctx && ctx->cuda)
        ctx->cuda->host_free(ctx->cuda_ctx, ptr);
    else
        lv_pages_free(ptr);
}
