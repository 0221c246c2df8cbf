/* saxpy.c - lv_saxpy: out[i] = a * x[i] + y[i], the self-test of the compute path.
 *
 * The pattern every operation follows:
 *   1. the public entry point checks its arguments (the backends may assume valid input);
 *   2. it dispatches on ctx->device: the CUDA backend's launcher (kernels/<op>.cu) through the
 *      ctx->cuda table, whose int status and err text become an lv_status and lv_last_error();
 *   3. otherwise the CPU fallback splits the work into tasks on the context's thread pool;
 *   4. both sides compute each element with the same function from kernels/common/<op>_math.h,
 *      so the CPU result is the oracle for the GPU tests, bit for bit where the math allows. */
#include <stddef.h>
#include <stdint.h>

#include "runtime/context.h"
#include "runtime/error.h"
#include "saxpy_math.h"

/* Elements per CPU task: large enough to amortize the hand-out of a task, small enough that
 * threads stay balanced on mid-sized inputs. */
#define SAXPY_CPU_CHUNK ((uint64_t)1 << 16)

typedef struct saxpy_job {
    uint64_t n;
    float a;
    const float *x;
    const float *y;
    float *out;
} saxpy_job;

static lv_status saxpy_task(void *arg, size_t task, uint32_t worker)
{
    (void)worker;
    const saxpy_job *job = arg;
    uint64_t begin = (uint64_t)task * SAXPY_CPU_CHUNK;
    uint64_t end = job->n - begin < SAXPY_CPU_CHUNK ? job->n : begin + SAXPY_CPU_CHUNK;
    /* out may alias x or y: element i is read before it is written, and tasks are disjoint. */
    for (uint64_t i = begin; i < end; i++)
        job->out[i] = lv_saxpy_element(job->a, job->x[i], job->y[i]);
    return LV_OK;
}

LV_API lv_status lv_saxpy(lv_context *ctx, uint64_t n, float a, const float *x, const float *y,
                          float *out)
{
    RETURN_ERROR_IF(ctx == NULL, LV_ERR_INVALID_ARGUMENT, "lv_saxpy: ctx is NULL");
    if (n == 0) return LV_OK;
    RETURN_ERROR_IF(x == NULL || y == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_saxpy: %s is NULL with n = %llu",
                    x == NULL   ? "x"
                    : y == NULL ? "y"
                                : "out",
                    (unsigned long long)n);
    RETURN_ERROR_IF(n > SIZE_MAX / sizeof(float), LV_ERR_INVALID_ARGUMENT,
                    "lv_saxpy: n = %llu floats exceed the address space", (unsigned long long)n);

    if (ctx->device == LV_DEVICE_CUDA) {
        char err[512] = "";
        int st = ctx->cuda->saxpy(ctx->cuda_ctx, n, a, x, y, out, err, sizeof err);
        RETURN_ERROR_IF(st != LV_OK, (lv_status)st, "lv_saxpy on %s: %s", ctx->backend_name, err);
        return LV_OK;
    }

    saxpy_job job = {n, a, x, y, out};
    size_t n_tasks = (size_t)((n + SAXPY_CPU_CHUNK - 1) / SAXPY_CPU_CHUNK);
    return lv_context_parallel(ctx, n_tasks, saxpy_task, &job);
}
