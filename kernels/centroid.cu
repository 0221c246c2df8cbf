/* centroid.cu - lv_centroid on the GPU: one thread block per spectrum.
 *
 *   1. prepare: check that m/z ascend (the first bad point is kept with atomicMin) and, when the
 *      noise is needed (snr > 0, no fixed noise), the MAD noise by radix selection: the two
 *      order statistics of the median, then of the absolute deviations, found digit by digit
 *      with a shared-memory histogram.  Selection returns exact order statistics, so the noise
 *      equals the CPU's quickselect result (host/ops/noise_mad.c) to the bit;
 *   2. count: each thread counts the peaks whose left edge lies in its contiguous range and pass
 *      the threshold (the same peak_math.h functions as the CPU);
 *   3. CUB device scan of the counts to output offsets, capacity check on the host;
 *   4. emit: the same walk again, each thread writing its centroids at its scanned position. */
#include <string.h>

#include "backend.h"
#include "cuda_check.h"
#include "peak_device.cuh"

namespace
{

using lvpeak::BlockScan;
using lvpeak::kBlock;

/* double -> uint64 with the same order (for non-NaN values). */
__device__ inline uint64_t order_key(double v)
{
    uint64_t u = (uint64_t)__double_as_longlong(v);
    return (u >> 63) ? ~u : u | 0x8000000000000000ull;
}

__device__ inline double key_value(uint64_t k)
{
    const uint64_t u = (k >> 63) ? k & 0x7FFFFFFFFFFFFFFFull : ~k;
    return __longlong_as_double((long long)u);
}

/* The rank-th smallest (0-based) of the non-NaN keys v(x[i]) of the spectrum, where v is x[i]
 * itself (center NaN) or |x[i] - center|.  All threads of the block call it and get the value. */
__device__ double block_select(const float *x, uint64_t n, double center, uint64_t rank)
{
    __shared__ uint32_t hist[256];
    __shared__ uint64_t s_prefix, s_rank;
    uint64_t prefix = 0, mask = 0;
    if (threadIdx.x == 0) s_rank = rank;
    for (int shift = 56; shift >= 0; shift -= 8) {
        for (int b = threadIdx.x; b < 256; b += kBlock)
            hist[b] = 0;
        __syncthreads();
        for (uint64_t i = threadIdx.x; i < n; i += kBlock) {
            const float xi = x[i];
            if (xi != xi) continue;
            const double v = center != center ? (double)xi : fabs((double)xi - center);
            const uint64_t k = order_key(v);
            if ((k & mask) == prefix) atomicAdd(&hist[(k >> shift) & 255], 1u);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            uint64_t r = s_rank, cum = 0;
            int b = 0;
            for (; b < 255 && cum + hist[b] <= r; b++)
                cum += hist[b];
            s_rank = r - cum;
            s_prefix = prefix | ((uint64_t)b << shift);
        }
        __syncthreads();
        prefix = s_prefix;
        mask |= (uint64_t)255 << shift;
        __syncthreads();
    }
    return key_value(prefix);
}

/* Median of the non-NaN values (mean of the two middle ones for an even count), m of them. */
__device__ double block_median(const float *x, uint64_t n, uint64_t m, double center)
{
    const double lo = block_select(x, n, center, (m - 1) / 2);
    if (m % 2) return lo;
    const double hi = block_select(x, n, center, m / 2);
    return 0.5 * (lo + hi);
}

__global__ void prepare_kernel(const uint64_t *offsets, const double *mz, const float *x,
                               double snr, double min_intensity, double noise, int need_noise,
                               double *threshold, unsigned long long *first_bad)
{
    __shared__ unsigned long long s_count;
    const uint64_t s = blockIdx.x, begin = offsets[s], n = offsets[s + 1] - begin;
    const double *ms = mz + begin;
    const float *xs = x + begin;
    for (uint64_t j = 1 + threadIdx.x; j < n; j += kBlock)
        if (!(ms[j] >= ms[j - 1])) atomicMin(first_bad, (unsigned long long)(begin + j));
    if (need_noise) {
        if (threadIdx.x == 0) s_count = 0;
        __syncthreads();
        unsigned long long mine = 0;
        for (uint64_t i = threadIdx.x; i < n; i += kBlock)
            mine += xs[i] == xs[i];
        atomicAdd(&s_count, mine);
        __syncthreads();
        const uint64_t m = s_count;
        noise = 0.0;
        if (m > 0) {
            const double med = block_median(xs, n, m, __longlong_as_double(-1LL) /* NaN */);
            noise = LV_MAD_TO_SIGMA * block_median(xs, n, m, med);
        }
    }
    if (threadIdx.x == 0) threshold[s] = lv_centroid_threshold(min_intensity, snr, noise);
}

__global__ void count_kernel(const uint64_t *offsets, const float *x, const double *threshold,
                             uint64_t *counts)
{
    __shared__ typename BlockScan::TempStorage scan;
    const uint64_t s = blockIdx.x, begin = offsets[s], n = offsets[s + 1] - begin;
    const float *xs = x + begin;
    const double t = threshold[s];
    uint64_t lo, hi;
    lvpeak::thread_range(n, &lo, &hi);
    uint32_t mine = 0;
    lvpeak::for_each_peak(xs, n, lo, hi, [&](uint64_t c) { mine += (double)xs[c] >= t; });
    uint32_t first, total;
    BlockScan(scan).ExclusiveSum(mine, first, total);
    if (threadIdx.x == 0) counts[s] = total;
}

__global__ void emit_kernel(const uint64_t *offsets, const double *mz, const float *x,
                            const double *threshold, int area, const uint64_t *out_offsets,
                            double *out_mz, float *out_intensity, float *out_fwhm)
{
    __shared__ typename BlockScan::TempStorage scan;
    const uint64_t s = blockIdx.x, begin = offsets[s], n = offsets[s + 1] - begin;
    const double *ms = mz + begin;
    const float *xs = x + begin;
    const double t = threshold[s];
    uint64_t lo, hi;
    lvpeak::thread_range(n, &lo, &hi);
    uint32_t mine = 0;
    lvpeak::for_each_peak(xs, n, lo, hi, [&](uint64_t c) { mine += (double)xs[c] >= t; });
    uint32_t first, total;
    BlockScan(scan).ExclusiveSum(mine, first, total);
    uint64_t o = out_offsets[s] + first;
    lvpeak::for_each_peak(xs, n, lo, hi, [&](uint64_t c) {
        if (!((double)xs[c] >= t)) return;
        double apex_mz, height;
        lv_gauss3_apex(ms, xs, c, &apex_mz, &height);
        double value = height;
        if (area || out_fwhm) {
            uint64_t l, r;
            lv_peak_extent(xs, n, c, &l, &r);
            if (area) value = lv_peak_area(ms, xs, l, r);
            if (out_fwhm) out_fwhm[o] = (float)lv_peak_fwhm(ms, xs, c, l, r, height);
        }
        out_mz[o] = apex_mz;
        out_intensity[o] = (float)value;
        o++;
    });
}

struct Buffers {
    cudaStream_t s;
    uint64_t *offsets = nullptr, *counts = nullptr, *out_off = nullptr;
    double *mz = nullptr, *thr = nullptr, *omz = nullptr;
    float *x = nullptr, *oin = nullptr, *ofw = nullptr;
    unsigned long long *bad = nullptr;
    ~Buffers()
    {
        void *all[] = {offsets, counts, out_off, mz, thr, omz, x, oin, ofw, bad};
        for (void *p : all)
            if (p) (void)cudaFreeAsync(p, s);
        (void)cudaStreamSynchronize(s);
    }
};

template <class T> cudaError_t alloc(T **p, uint64_t n, cudaStream_t s)
{
    return cudaMallocAsync(reinterpret_cast<void **>(p), (size_t)(n ? n : 1) * sizeof(T), s);
}

int run(lv_cuda_ctx *c, double snr, double min_intensity, double noise, int mode,
        uint64_t n_spectra, const uint64_t *offsets, const double *mz, const float *x,
        uint64_t capacity, double *out_mz, float *out_intensity, float *out_fwhm,
        uint64_t *out_offsets, uint64_t *needed, char *err, size_t cap)
{
    LV_CUDA_CHECK(cudaSetDevice(c->device), err, cap);
    Buffers b;
    b.s = c->stream[0];
    const uint64_t base = offsets[0], total = offsets[n_spectra] - base;
    LV_CUDA_CHECK(alloc(&b.offsets, n_spectra + 1, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.mz, total, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.x, total, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.thr, n_spectra, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.counts, n_spectra, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.out_off, n_spectra + 1, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.bad, 1, b.s), err, cap);
    LV_CUDA_CHECK(cudaMemcpyAsync(b.offsets, offsets, (n_spectra + 1) * sizeof *offsets,
                                  cudaMemcpyHostToDevice, b.s),
                  err, cap);
    LV_CUDA_CHECK(cudaMemcpyAsync(b.mz, mz + base, total * sizeof *mz, cudaMemcpyHostToDevice, b.s),
                  err, cap);
    LV_CUDA_CHECK(cudaMemcpyAsync(b.x, x + base, total * sizeof *x, cudaMemcpyHostToDevice, b.s),
                  err, cap);
    LV_CUDA_CHECK(cudaMemsetAsync(b.bad, 0xFF, sizeof *b.bad, b.s), err, cap);
    /* Kernels index the value arrays with the caller's offsets. */
    const double *dmz = b.mz - base;
    const float *dx = b.x - base;
    const int need_noise = noise == 0.0 && snr > 0.0;
    const unsigned grid = (unsigned)n_spectra;
    (void)cudaGetLastError();
    prepare_kernel<<<grid, kBlock, 0, b.s>>>(b.offsets, dmz, dx, snr, min_intensity, noise,
                                             need_noise, b.thr, b.bad);
    LV_CUDA_CHECK(cudaGetLastError(), err, cap);
    count_kernel<<<grid, kBlock, 0, b.s>>>(b.offsets, dx, b.thr, b.counts);
    LV_CUDA_CHECK(cudaGetLastError(), err, cap);
    LV_CUDA_CHECK(lvpeak::exclusive_scan(b.counts, b.out_off, n_spectra, b.s), err, cap);
    unsigned long long bad = 0;
    LV_CUDA_CHECK(cudaMemcpyAsync(&bad, b.bad, sizeof bad, cudaMemcpyDeviceToHost, b.s), err, cap);
    LV_CUDA_CHECK(cudaMemcpyAsync(out_offsets, b.out_off, (n_spectra + 1) * sizeof *out_offsets,
                                  cudaMemcpyDeviceToHost, b.s),
                  err, cap);
    LV_CUDA_CHECK(cudaStreamSynchronize(b.s), err, cap);
    if (bad != ~0ull) {
        uint64_t lo = 0, hi = n_spectra; /* the spectrum holding point `bad` */
        while (hi - lo > 1) {
            const uint64_t mid = lo + (hi - lo) / 2;
            if (offsets[mid] <= bad)
                lo = mid;
            else
                hi = mid;
        }
        snprintf(err, cap, "spectrum %llu: m/z does not ascend at point %llu (%.10g after %.10g)",
                 (unsigned long long)lo, (unsigned long long)(bad - offsets[lo]), mz[bad],
                 mz[bad - 1]);
        *needed = 0;
        return LV_ERR_INVALID_ARGUMENT;
    }
    *needed = out_offsets[n_spectra];
    if (*needed > capacity) {
        snprintf(err, cap, "%llu centroids found but capacity is %llu", (unsigned long long)*needed,
                 (unsigned long long)capacity);
        return LV_ERR_INVALID_ARGUMENT;
    }
    LV_CUDA_CHECK(alloc(&b.omz, *needed, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.oin, *needed, b.s), err, cap);
    if (out_fwhm) LV_CUDA_CHECK(alloc(&b.ofw, *needed, b.s), err, cap);
    emit_kernel<<<grid, kBlock, 0, b.s>>>(b.offsets, dmz, dx, b.thr, mode == 1, b.out_off, b.omz,
                                          b.oin, b.ofw);
    LV_CUDA_CHECK(cudaGetLastError(), err, cap);
    if (*needed) {
        LV_CUDA_CHECK(
            cudaMemcpyAsync(out_mz, b.omz, *needed * sizeof *out_mz, cudaMemcpyDeviceToHost, b.s),
            err, cap);
        LV_CUDA_CHECK(cudaMemcpyAsync(out_intensity, b.oin, *needed * sizeof *out_intensity,
                                      cudaMemcpyDeviceToHost, b.s),
                      err, cap);
        if (out_fwhm)
            LV_CUDA_CHECK(cudaMemcpyAsync(out_fwhm, b.ofw, *needed * sizeof *out_fwhm,
                                          cudaMemcpyDeviceToHost, b.s),
                          err, cap);
    }
    LV_CUDA_CHECK(cudaStreamSynchronize(b.s), err, cap);
    return LV_OK;
}

} // namespace

int lv_cuda_centroid(lv_cuda_ctx *c, double snr, double min_intensity, double noise,
                     int intensity_mode, uint64_t n_spectra, const uint64_t *offsets,
                     const double *mz, const float *intensity, uint64_t capacity, double *out_mz,
                     float *out_intensity, float *out_fwhm, uint64_t *out_offsets, uint64_t *needed,
                     char *err, size_t err_cap)
{
    if (n_spectra == 0) {
        out_offsets[0] = 0;
        *needed = 0;
        return LV_OK;
    }
    pthread_mutex_lock(&c->lock);
    int st = run(c, snr, min_intensity, noise, intensity_mode, n_spectra, offsets, mz, intensity,
                 capacity, out_mz, out_intensity, out_fwhm, out_offsets, needed, err, err_cap);
    if (st != LV_OK) {
        (void)cudaStreamSynchronize(c->stream[0]);
        (void)cudaGetLastError();
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}
