/* denoise_device.cuh - what kernels/{wavelet,savgol,snip}.cu share: block-wide device helpers
 * (SNIP, k-th smallest by radix select) and the host driver that moves a CSR job through the
 * context's buffers in chunks of whole spectra, one thread block per spectrum.
 *
 * Each block works on its spectrum in double, in dynamic shared memory when every spectrum of
 * the chunk fits there (up to ~227 KiB per block on sm_90), else in a global scratch region of
 * the block's own. */
#ifndef LV_DENOISE_DEVICE_CUH
#define LV_DENOISE_DEVICE_CUH

#include <stdint.h>
#include <string.h>

#include "backend.h"
#include "cuda_check.h"
#include "denoise_job.h"
#include "snip_math.h"

namespace lv_dn
{

constexpr int kBlock = 256;
/* Chunk limits: points and scratch doubles per round trip (the reserved buffers hold them). */
constexpr uint64_t kChunkPoints = uint64_t(4) << 20;
constexpr uint64_t kChunkScratch = uint64_t(24) << 20;

/* SNIP baseline of y[0, n) into base (the two buffers hold n doubles each; y is untouched).
 * Ends synchronized. */
__device__ inline void block_snip(const double *y, int64_t n, uint32_t iterations, int decreasing,
                                  double *base, double *tmp)
{
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
        base[j] = y[j];
    __syncthreads();
    for (uint32_t step = 0; step < iterations; step++) {
        const int64_t i = lv_snip_window(iterations, decreasing, step);
        if (i >= n - i) continue; /* uniform over the block */
        for (int64_t j = i + threadIdx.x; j < n - i; j += blockDim.x)
            tmp[j] = lv_snip_point(base[j], base[j - i], base[j + i]);
        __syncthreads();
        for (int64_t j = i + threadIdx.x; j < n - i; j += blockDim.x)
            base[j] = tmp[j];
        __syncthreads();
    }
}

/* The k-th smallest of |v[0, m)| (0-based), by an 8-bit radix select over the IEEE bits (for
 * non-negative doubles their order is the integers' order).  All threads get the result. */
__device__ inline double block_kth_abs(const double *v, int64_t m, uint64_t k)
{
    __shared__ unsigned int hist[256];
    __shared__ uint64_t s_prefix, s_k;
    if (threadIdx.x == 0) {
        s_prefix = 0;
        s_k = k;
    }
    uint64_t mask = 0;
    for (int shift = 56; shift >= 0; shift -= 8) {
        for (int i = threadIdx.x; i < 256; i += blockDim.x)
            hist[i] = 0;
        __syncthreads();
        const uint64_t prefix = s_prefix;
        for (int64_t i = threadIdx.x; i < m; i += blockDim.x) {
            const uint64_t key = (uint64_t)__double_as_longlong(fabs(v[i]));
            if ((key & mask) == prefix) atomicAdd(&hist[(key >> shift) & 255u], 1u);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            uint64_t left = s_k;
            unsigned bucket = 0;
            while (bucket < 255 && left >= hist[bucket]) {
                left -= hist[bucket];
                bucket++;
            }
            s_k = left;
            s_prefix = prefix | ((uint64_t)bucket << shift);
        }
        mask |= (uint64_t)255 << shift;
        __syncthreads();
    }
    const double r = __longlong_as_double((long long)s_prefix);
    __syncthreads(); /* everyone has read s_prefix before a next call resets it */
    return r;
}

/* numpy.median(|v[0, m)|), m >= 1. */
__device__ inline double block_median_abs(const double *v, int64_t m)
{
    const double a = block_kth_abs(v, m, (uint64_t)(m - 1) / 2);
    if (m % 2) return a;
    return (a + block_kth_abs(v, m, (uint64_t)m / 2)) / 2;
}

/* Device pointers of one chunk, as a kernel sees them. */
struct chunk_args {
    const uint64_t *off;  /* chunk-relative CSR offsets, spectra + 1 */
    const uint64_t *soff; /* global scratch offset of each spectrum, in doubles */
    const float *in;
    float *out;
    double *scratch;      /* global scratch (unused when use_shared) */
    const double *coeffs; /* op's coefficient table (savgol) */
    int use_shared;
};

/* One op: scratch doubles per spectrum, and the launch of its kernel on a chunk. */
struct op_desc {
    uint64_t (*need)(const lv_cuda_denoise_job *job, uint64_t n);
    const void *kernel; /* for the shared-memory attribute */
    void (*launch)(const lv_cuda_denoise_job *job, unsigned blocks, size_t smem,
                   cudaStream_t stream, const chunk_args &a);
    const double *coeffs; /* host table copied to the device once per call, or NULL */
    size_t n_coeffs;
};

inline size_t align_up(size_t v)
{
    return (v + 255) & ~(size_t)255;
}

/* Runs job through the device in chunks of whole spectra on stream 0: stage the chunk's
 * offsets and intensities in pinned memory, copy in, one block per spectrum, copy out.  Called
 * with the context locked. */
inline int run(lv_cuda_ctx *c, const lv_cuda_denoise_job *job, const op_desc &op, char *err,
               size_t err_cap)
{
    LV_CUDA_CHECK(cudaSetDevice(c->device), err, err_cap);
    int smem_max = 0;
    LV_CUDA_CHECK(
        cudaDeviceGetAttribute(&smem_max, cudaDevAttrMaxSharedMemoryPerBlockOptin, c->device), err,
        err_cap);
    const size_t smem_limit = smem_max > 8192 ? (size_t)smem_max - 8192 : 0; /* static shared */
    cudaStream_t stream = c->stream[0];
    const uint64_t *offsets = job->offsets;
    uint64_t s0 = 0;
    while (s0 < job->n_spectra) {
        /* The chunk: whole spectra within the limits (at least one). */
        uint64_t s1 = s0, points = 0, scratch = 0, max_need = 0;
        while (s1 < job->n_spectra) {
            const uint64_t n = offsets[s1 + 1] - offsets[s1];
            const uint64_t need = op.need(job, n);
            if (s1 > s0 && (points + n > kChunkPoints || scratch + need > kChunkScratch)) break;
            points += n;
            scratch += need;
            if (need > max_need) max_need = need;
            s1++;
        }
        const uint64_t count = s1 - s0;
        const bool use_shared = max_need * sizeof(double) <= smem_limit;
        /* Buffer 0: offsets | scratch offsets | in | out;  buffer 1: scratch | coefficients */
        const size_t b_off = align_up((count + 1) * sizeof(uint64_t));
        const size_t b_soff = align_up(count * sizeof(uint64_t));
        const size_t b_pts = align_up(points * sizeof(float));
        const size_t buf0 = b_off + b_soff + 2 * b_pts;
        const size_t b_scr = use_shared ? 0 : align_up(scratch * sizeof(double));
        const size_t buf1 = b_scr + align_up(op.n_coeffs * sizeof(double)) + 256;
        int st = lv_cuda_reserve(c, buf0 > buf1 ? buf0 : buf1, true, err, err_cap);
        if (st != LV_OK) return st;

        uint8_t *h = static_cast<uint8_t *>(c->host[0][0]);
        uint64_t *h_off = reinterpret_cast<uint64_t *>(h);
        uint64_t *h_soff = reinterpret_cast<uint64_t *>(h + b_off);
        uint64_t acc = 0;
        for (uint64_t i = 0; i <= count; i++)
            h_off[i] = offsets[s0 + i] - offsets[s0];
        for (uint64_t i = 0; i < count; i++) {
            h_soff[i] = acc;
            acc += use_shared ? 0 : op.need(job, h_off[i + 1] - h_off[i]);
        }
        memcpy(h + b_off + b_soff, job->in + offsets[s0], points * sizeof(float));
        uint8_t *d0 = static_cast<uint8_t *>(c->dev[0][0]);
        uint8_t *d1 = static_cast<uint8_t *>(c->dev[0][1]);
        LV_CUDA_CHECK(cudaMemcpyAsync(d0, h, b_off + b_soff + points * sizeof(float),
                                      cudaMemcpyHostToDevice, stream),
                      err, err_cap);
        if (op.n_coeffs)
            LV_CUDA_CHECK(cudaMemcpyAsync(d1 + b_scr, op.coeffs, op.n_coeffs * sizeof(double),
                                          cudaMemcpyHostToDevice, stream),
                          err, err_cap);
        chunk_args a;
        a.off = reinterpret_cast<const uint64_t *>(d0);
        a.soff = reinterpret_cast<const uint64_t *>(d0 + b_off);
        a.in = reinterpret_cast<const float *>(d0 + b_off + b_soff);
        a.out = reinterpret_cast<float *>(d0 + b_off + b_soff + b_pts);
        a.scratch = reinterpret_cast<double *>(d1);
        a.coeffs = reinterpret_cast<const double *>(d1 + b_scr);
        a.use_shared = use_shared;
        const size_t smem = use_shared ? max_need * sizeof(double) : 0;
        if (smem > 48 * 1024)
            LV_CUDA_CHECK(cudaFuncSetAttribute(
                              op.kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem),
                          err, err_cap);
        (void)cudaGetLastError(); /* report this launch only */
        op.launch(job, (unsigned)count, smem, stream, a);
        LV_CUDA_CHECK(cudaGetLastError(), err, err_cap);
        LV_CUDA_CHECK(cudaMemcpyAsync(c->host[0][1], a.out, points * sizeof(float),
                                      cudaMemcpyDeviceToHost, stream),
                      err, err_cap);
        LV_CUDA_CHECK(cudaStreamSynchronize(stream), err, err_cap);
        memcpy(job->out + offsets[s0], c->host[0][1], points * sizeof(float));
        s0 = s1;
    }
    return LV_OK;
}

/* run() under the context lock, leaving the streams idle on failure. */
inline int run_locked(lv_cuda_ctx *c, const lv_cuda_denoise_job *job, const op_desc &op, char *err,
                      size_t err_cap)
{
    if (job->n_spectra == 0) return LV_OK;
    pthread_mutex_lock(&c->lock);
    int st = run(c, job, op, err, err_cap);
    if (st != LV_OK) {
        (void)cudaStreamSynchronize(c->stream[0]);
        (void)cudaGetLastError();
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}

} // namespace lv_dn

#endif
