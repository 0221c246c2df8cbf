/* cuda_check.h - turn failing CUDA runtime calls into lv_status values and messages.
 *
 * The backend never aborts and never prints: a failing call writes
 *   "saxpy.cu:123: cudaMemcpyAsync(...) failed: out of memory"
 * into the caller's err buffer and returns LV_ERR_CUDA (LV_ERR_NO_MEMORY when the device or the
 * pinned host pool is out of memory) from the enclosing function, which must return int. */
#ifndef LV_CUDA_CHECK_H
#define LV_CUDA_CHECK_H

#include <cuda_runtime_api.h>
#include <stdio.h>
#include <string.h>

#include "lavoisier.h"

static inline int lv_cuda_status(cudaError_t e)
{
    return e == cudaErrorMemoryAllocation ? LV_ERR_NO_MEMORY : LV_ERR_CUDA;
}

/* Writes the message for a failed call and returns its status.  Only the file's base name is
 * kept: the full build path adds nothing a reader of the message can use. */
static inline int lv_cuda_fail(cudaError_t e, const char *call, const char *file, int line,
                               char *err, size_t err_cap)
{
    const char *slash = strrchr(file, '/');
    if (err && err_cap > 0)
        snprintf(err, err_cap, "%s:%d: %s failed: %s", slash ? slash + 1 : file, line, call,
                 cudaGetErrorString(e));
    /* Reset the runtime's per-thread last error, so that a later cudaGetLastError() after a
     * kernel launch reports that launch and not this older, already reported failure. */
    (void)cudaGetLastError();
    return lv_cuda_status(e);
}

#define LV_CUDA_CHECK(call, err, err_cap)                                                          \
    do {                                                                                           \
        cudaError_t lv_cuda_e_ = (call);                                                           \
        if (lv_cuda_e_ != cudaSuccess)                                                             \
            return lv_cuda_fail(lv_cuda_e_, #call, __FILE__, __LINE__, (err), (err_cap));          \
    } while (0)

#endif
