/* backend.cu - the CUDA backend's exported function table: devices, contexts, pinned memory.
 *
 * This library (liblavoisier_cuda.so.0) is dlopen'ed by the core (host/runtime/cuda_loader.c),
 * which reads `lv_cuda_backend_api` and nothing else; the version script keeps every other
 * symbol, cudart's included (linked statically), local.  cudart loads the driver (libcuda.so.1)
 * itself on the first runtime call, so this library loads on machines without a driver, and
 * device_count() then reports 0. */
#include <new>
#include <stdio.h>

#include "backend.h"
#include "cuda_check.h"
#include "runtime/cuda_loader.h"

namespace
{

int device_count() noexcept
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        /* No driver, driver too old, no device, CUDA_VISIBLE_DEVICES="": all mean "no CUDA". */
        (void)cudaGetLastError();
        return 0;
    }
    return n;
}

int device_name(int device, char *buf, size_t cap, char *err, size_t err_cap) noexcept
{
    cudaDeviceProp prop;
    LV_CUDA_CHECK(cudaGetDeviceProperties(&prop, device), err, err_cap);
    snprintf(buf, cap, "%s (compute %d.%d, %.1f GiB)", prop.name, prop.major, prop.minor,
             (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
    return LV_OK;
}

void free_dev(lv_cuda_ctx *c)
{
    for (auto &slot : c->dev)
        for (void *&p : slot) {
            if (p) (void)cudaFree(p);
            p = nullptr;
        }
    c->dev_bytes = 0;
}

void free_host(lv_cuda_ctx *c)
{
    for (auto &slot : c->host)
        for (void *&p : slot) {
            if (p) (void)cudaFreeHost(p);
            p = nullptr;
        }
    c->host_bytes = 0;
}

/* Releases everything context_create may have made; safe on a partly built context. */
void release(lv_cuda_ctx *c)
{
    lv_cuda_bayes_release(c);
    for (cudaStream_t &s : c->stream)
        if (s) {
            (void)cudaStreamSynchronize(s);
            (void)cudaStreamDestroy(s);
            s = nullptr;
        }
    free_dev(c);
    free_host(c);
    (void)cudaGetLastError(); /* teardown failures are not reported to anyone */
    pthread_mutex_destroy(&c->lock);
    delete c;
}

int context_create(int device, void **dev_ctx, char *err, size_t err_cap) noexcept
{
    lv_cuda_ctx *c = new (std::nothrow) lv_cuda_ctx();
    if (!c) {
        snprintf(err, err_cap, "out of memory allocating %zu bytes", sizeof *c);
        return LV_ERR_NO_MEMORY;
    }
    c->device = device;
    pthread_mutex_init(&c->lock, nullptr);
    /* Run the fallible steps in a lambda so that every early return releases the context. */
    int st = [&]() -> int {
        LV_CUDA_CHECK(cudaSetDevice(device), err, err_cap);
        LV_CUDA_CHECK(cudaDeviceGetAttribute(&c->sm_count, cudaDevAttrMultiProcessorCount, device),
                      err, err_cap);
        /* Non-blocking: the streams must not synchronize with the legacy default stream, which
         * other CUDA code in the caller's process may be using. */
        for (cudaStream_t &s : c->stream)
            LV_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), err, err_cap);
        return LV_OK;
    }();
    if (st != LV_OK) {
        release(c);
        return st;
    }
    *dev_ctx = c;
    return LV_OK;
}

void context_destroy(void *dev_ctx) noexcept
{
    lv_cuda_ctx *c = static_cast<lv_cuda_ctx *>(dev_ctx);
    if (!c) return;
    (void)cudaSetDevice(c->device);
    release(c);
}

int host_alloc(void *dev_ctx, size_t bytes, void **ptr, char *err, size_t err_cap) noexcept
{
    lv_cuda_ctx *c = static_cast<lv_cuda_ctx *>(dev_ctx);
    LV_CUDA_CHECK(cudaSetDevice(c->device), err, err_cap);
    /* Portable: the memory counts as pinned for every device, not only this context's.  Zero
     * bytes still gets a distinct pointer, as on the CPU path. */
    void *p = nullptr;
    cudaError_t e = cudaHostAlloc(&p, bytes ? bytes : 1, cudaHostAllocPortable);
    if (e != cudaSuccess) {
        snprintf(err, err_cap, "cudaHostAlloc of %zu bytes failed: %s", bytes,
                 cudaGetErrorString(e));
        (void)cudaGetLastError();
        return lv_cuda_status(e);
    }
    *ptr = p;
    return LV_OK;
}

void host_free(void *dev_ctx, void *ptr) noexcept
{
    (void)dev_ctx;
    if (ptr && cudaFreeHost(ptr) != cudaSuccess) (void)cudaGetLastError();
}

int saxpy(void *dev_ctx, uint64_t n, float a, const float *x, const float *y, float *out, char *err,
          size_t err_cap) noexcept
{
    return lv_cuda_saxpy(static_cast<lv_cuda_ctx *>(dev_ctx), n, a, x, y, out, err, err_cap);
}

int localmax(void *dev_ctx, double min_height, uint32_t min_distance, uint64_t n_spectra,
             const uint64_t *offsets, const float *intensity, uint64_t capacity,
             uint32_t *out_index, uint64_t *out_offsets, uint64_t *needed, char *err,
             size_t err_cap) noexcept
{
    return lv_cuda_localmax(static_cast<lv_cuda_ctx *>(dev_ctx), min_height, min_distance,
                            n_spectra, offsets, intensity, capacity, out_index, out_offsets, needed,
                            err, err_cap);
}

int centroid(void *dev_ctx, double snr, double min_intensity, double noise, int intensity_mode,
             uint64_t n_spectra, const uint64_t *offsets, const double *mz, const float *intensity,
             uint64_t capacity, double *out_mz, float *out_intensity, float *out_fwhm,
             uint64_t *out_offsets, uint64_t *needed, char *err, size_t err_cap) noexcept
{
    return lv_cuda_centroid(static_cast<lv_cuda_ctx *>(dev_ctx), snr, min_intensity, noise,
                            intensity_mode, n_spectra, offsets, mz, intensity, capacity, out_mz,
                            out_intensity, out_fwhm, out_offsets, needed, err, err_cap);
}

int frames(void *dev_ctx, const lv_raster_job *job, float *frame_max, char *err,
           size_t err_cap) noexcept
{
    return lv_cuda_frames(static_cast<lv_cuda_ctx *>(dev_ctx), job, frame_max, err, err_cap);
}

int denoise_wavelet(void *dev_ctx, const lv_cuda_denoise_job *job, char *err,
                    size_t err_cap) noexcept
{
    return lv_cuda_denoise_wavelet(static_cast<lv_cuda_ctx *>(dev_ctx), job, err, err_cap);
}

int denoise_savgol(void *dev_ctx, const lv_cuda_denoise_job *job, char *err,
                   size_t err_cap) noexcept
{
    return lv_cuda_denoise_savgol(static_cast<lv_cuda_ctx *>(dev_ctx), job, err, err_cap);
}

int denoise_snip(void *dev_ctx, const lv_cuda_denoise_job *job, char *err, size_t err_cap) noexcept
{
    return lv_cuda_denoise_snip(static_cast<lv_cuda_ctx *>(dev_ctx), job, err, err_cap);
}

int bayes_posterior_f64(void *dev_ctx, uint64_t b, uint32_t n, uint32_t m, const double *e,
                        const double *w, const double *c, double *out, uint64_t *deg, char *err,
                        size_t err_cap) noexcept
{
    return lv_cuda_bayes_posterior_f64(static_cast<lv_cuda_ctx *>(dev_ctx), b, n, m, e, w, c, out,
                                       deg, err, err_cap);
}

int bayes_posterior_f32(void *dev_ctx, uint64_t b, uint32_t n, uint32_t m, const float *e,
                        const float *w, const float *c, float *out, uint64_t *deg, char *err,
                        size_t err_cap) noexcept
{
    return lv_cuda_bayes_posterior_f32(static_cast<lv_cuda_ctx *>(dev_ctx), b, n, m, e, w, c, out,
                                       deg, err, err_cap);
}

/* One cudaMalloc / cudaHostAlloc of the double buffers; `what` names it in the message. */
int alloc_fail(cudaError_t e, const char *what, size_t bytes, char *err, size_t err_cap)
{
    snprintf(err, err_cap, "%s of 4 x %zu bytes of staging buffers failed: %s", what, bytes,
             cudaGetErrorString(e));
    (void)cudaGetLastError();
    return lv_cuda_status(e);
}

} // namespace

int lv_cuda_reserve(lv_cuda_ctx *c, size_t bytes, bool need_host, char *err, size_t err_cap)
{
    /* Buffers only grow, so a context settles at the size of its largest chunk.  A failed
     * allocation leaves the size at 0: the next call frees what was made and starts over. */
    if (c->dev_bytes < bytes) {
        free_dev(c);
        for (auto &slot : c->dev)
            for (void *&p : slot) {
                cudaError_t e = cudaMalloc(&p, bytes);
                if (e != cudaSuccess) return alloc_fail(e, "cudaMalloc", bytes, err, err_cap);
            }
        c->dev_bytes = bytes;
    }
    if (need_host && c->host_bytes < bytes) {
        free_host(c);
        for (auto &slot : c->host)
            for (void *&p : slot) {
                cudaError_t e = cudaHostAlloc(&p, bytes, cudaHostAllocDefault);
                if (e != cudaSuccess) return alloc_fail(e, "cudaHostAlloc", bytes, err, err_cap);
            }
        c->host_bytes = bytes;
    }
    return LV_OK;
}

extern "C" {
/* The only exported symbol.  The core checks api_version before using anything else. */
extern __attribute__((visibility("default"))) const lv_cuda_api lv_cuda_backend_api;
const lv_cuda_api lv_cuda_backend_api = {
    LV_CUDA_API_VERSION,
    device_count,
    device_name,
    context_create,
    context_destroy,
    host_alloc,
    host_free,
    saxpy,
    localmax,
    centroid,
    frames,
    denoise_wavelet,
    denoise_savgol,
    denoise_snip,
    bayes_posterior_f64,
    bayes_posterior_f32,
};
}
