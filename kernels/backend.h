/* backend.h - state shared by the CUDA backend's translation units (never seen by the core).
 *
 * backend.cu owns the per-context state: the device, two streams and the double-buffered staging
 * memory.  Each operation's .cu file holds its kernel and a host launcher that borrows that state
 * under the context's lock.  The core reaches all of it through the lv_cuda_api table only. */
#ifndef LV_CUDA_BACKEND_H
#define LV_CUDA_BACKEND_H

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* Per-context device state behind lv_context.cuda_ctx.  A context may be shared by threads:
 * `lock` lets one operation at a time use the streams and buffers, and every operation leaves
 * both streams idle when it returns (also on failure). */
struct lv_cuda_ctx {
    int device;
    int sm_count; /* streaming multiprocessors: sizes grid-stride launches */
    cudaStream_t stream[2];
    pthread_mutex_t lock;
    /* Double buffers [slot][buffer]: slot k % 2 carries chunk k on stream[k % 2] while the CPU
     * stages chunk k + 1.  Grown on demand by lv_cuda_reserve, freed with the context. */
    size_t dev_bytes;  /* size of each dev[][] buffer */
    void *dev[2][2];   /* device memory */
    size_t host_bytes; /* size of each host[][] buffer */
    void *host[2][2];  /* pinned host memory, for callers whose arrays are not pinned */
    void *cublas;      /* cublasHandle_t, created on first use by bayes.cu */
};

/* Makes every dev[][] buffer (and, when need_host, every host[][] buffer) at least `bytes` long.
 * Call with the context locked, the device set and both streams idle. */
int lv_cuda_reserve(lv_cuda_ctx *c, size_t bytes, bool need_host, char *err, size_t err_cap);

/* Operation launchers (one per kernels/<op>.cu), called through lv_cuda_backend_api. */
int lv_cuda_saxpy(lv_cuda_ctx *c, uint64_t n, float a, const float *x, const float *y, float *out,
                  char *err, size_t err_cap);
struct lv_raster_job;
int lv_cuda_frames(lv_cuda_ctx *c, const struct lv_raster_job *job, float *frame_max, char *err,
                   size_t err_cap);

/* Peak picking (kernels/localmax.cu, kernels/centroid.cu); arguments as in lv_cuda_api. */
int lv_cuda_localmax(lv_cuda_ctx *c, double min_height, uint32_t min_distance, uint64_t n_spectra,
                     const uint64_t *offsets, const float *intensity, uint64_t capacity,
                     uint32_t *out_index, uint64_t *out_offsets, uint64_t *needed, char *err,
                     size_t err_cap);
int lv_cuda_centroid(lv_cuda_ctx *c, double snr, double min_intensity, double noise,
                     int intensity_mode, uint64_t n_spectra, const uint64_t *offsets,
                     const double *mz, const float *intensity, uint64_t capacity, double *out_mz,
                     float *out_intensity, float *out_fwhm, uint64_t *out_offsets, uint64_t *needed,
                     char *err, size_t err_cap);
/* Denoising (kernels/wavelet.cu, snip.cu, savgol.cu; the job is common/denoise_job.h). */
struct lv_cuda_denoise_job;
int lv_cuda_denoise_wavelet(lv_cuda_ctx *c, const lv_cuda_denoise_job *job, char *err,
                            size_t err_cap);
int lv_cuda_denoise_snip(lv_cuda_ctx *c, const lv_cuda_denoise_job *job, char *err, size_t err_cap);
int lv_cuda_denoise_savgol(lv_cuda_ctx *c, const lv_cuda_denoise_job *job, char *err,
                           size_t err_cap);

/* kernels/bayes.cu */
int lv_cuda_bayes_posterior_f64(lv_cuda_ctx *c, uint64_t b, uint32_t n, uint32_t m, const double *e,
                                const double *w, const double *bias, double *out,
                                uint64_t *n_degenerate, char *err, size_t err_cap);
int lv_cuda_bayes_posterior_f32(lv_cuda_ctx *c, uint64_t b, uint32_t n, uint32_t m, const float *e,
                                const float *w, const float *bias, float *out,
                                uint64_t *n_degenerate, char *err, size_t err_cap);
/* Destroys the cuBLAS handle (called when the context is released). */
void lv_cuda_bayes_release(lv_cuda_ctx *c);

#endif
