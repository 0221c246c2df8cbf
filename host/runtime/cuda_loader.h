/* cuda_loader.h - finds and loads the CUDA backend library at run time.
 *
 * The core never links CUDA.  When the backend (liblavoisier_cuda.so.<major>, built from kernels/)
 * sits next to the core library or on the loader path, it is dlopen'ed once, on first use, and
 * its function table is returned.  On machines without the library, without a driver or without
 * a device, everything here degrades to "no CUDA" without error. */
#ifndef LV_CUDA_LOADER_H
#define LV_CUDA_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever lv_cuda_api changes; the loader refuses a backend with another number. */
#define LV_CUDA_API_VERSION 1

/* Function table exported by the backend as `lv_cuda_backend_api` (see kernels/backend.cu).
 * Every function returning int returns an lv_status value; on failure it writes a message into
 * err[0..err_cap). */
typedef struct lv_cuda_api {
    uint32_t api_version;
    int (*device_count)(void);
    int (*device_name)(int device, char *buf, size_t cap, char *err, size_t err_cap);
    /* Creates per-context device state (device selection, streams). */
    int (*context_create)(int device, void **dev_ctx, char *err, size_t err_cap);
    void (*context_destroy)(void *dev_ctx);
    int (*host_alloc)(void *dev_ctx, size_t bytes, void **ptr, char *err, size_t err_cap);
    void (*host_free)(void *dev_ctx, void *ptr);
    int (*saxpy)(void *dev_ctx, uint64_t n, float a, const float *x, const float *y, float *out,
                 char *err, size_t err_cap);
    /* lv_bayes_posterior_batch(_f32): out = row-softmax(E W^T + c) (cuBLAS GEMM + row kernel);
     * *n_degenerate receives the number of all -inf rows (set to 1/N). */
    int (*bayes_posterior_f64)(void *dev_ctx, uint64_t n_obs, uint32_t n_hyp, uint32_t n_ev,
                               const double *e, const double *w, const double *c, double *out,
                               uint64_t *n_degenerate, char *err, size_t err_cap);
    int (*bayes_posterior_f32)(void *dev_ctx, uint64_t n_obs, uint32_t n_hyp, uint32_t n_ev,
                               const float *e, const float *w, const float *c, float *out,
                               uint64_t *n_degenerate, char *err, size_t err_cap);
} lv_cuda_api;

/* The loaded backend's table, or NULL when none can be used.  Thread-safe; loads once.
 * If why is not NULL it receives a static string saying why no backend is available. */
const lv_cuda_api *lv_cuda_loader_get(const char **why);

#ifdef __cplusplus
}
#endif
#endif
