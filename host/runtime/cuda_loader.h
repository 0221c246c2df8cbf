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

struct lv_raster_job;
struct lv_cuda_denoise_job;

/* Bumped whenever lv_cuda_api changes; the loader refuses a backend with another number. */
#define LV_CUDA_API_VERSION 2

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
    /* lv_localmax on CSR spectra in host memory.  On LV_ERR_INVALID_ARGUMENT with *needed >
     * capacity, the peaks did not fit (nothing was written to out_index). */
    int (*localmax)(void *dev_ctx, double min_height, uint32_t min_distance, uint64_t n_spectra,
                    const uint64_t *offsets, const float *intensity, uint64_t capacity,
                    uint32_t *out_index, uint64_t *out_offsets, uint64_t *needed, char *err,
                    size_t err_cap);
    /* lv_centroid with checked params (intensity_mode: lv_centroid_intensity; out_fwhm NULL =
     * no FWHM).  *needed as for localmax.  m/z that do not ascend fail with
     * LV_ERR_INVALID_ARGUMENT and a message naming the spectrum and point. */
    int (*centroid)(void *dev_ctx, double snr, double min_intensity, double noise,
                    int intensity_mode, uint64_t n_spectra, const uint64_t *offsets,
                    const double *mz, const float *intensity, uint64_t capacity, double *out_mz,
                    float *out_intensity, float *out_fwhm, uint64_t *out_offsets, uint64_t *needed,
                    char *err, size_t err_cap);
    /* lv_frames: runs a rasterization job (kernels/common/raster_job.h); frame_max, when not
     * NULL, receives each frame's largest scaled value. */
    int (*frames)(void *dev_ctx, const struct lv_raster_job *job, float *frame_max, char *err,
                  size_t err_cap);
    /* Denoising (kernels/wavelet.cu, savgol.cu, snip.cu); the job is kernels/common/denoise_job.h
     */
    int (*denoise_wavelet)(void *dev_ctx, const struct lv_cuda_denoise_job *job, char *err,
                           size_t err_cap);
    int (*denoise_savgol)(void *dev_ctx, const struct lv_cuda_denoise_job *job, char *err,
                          size_t err_cap);
    int (*denoise_snip)(void *dev_ctx, const struct lv_cuda_denoise_job *job, char *err,
                        size_t err_cap);
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
