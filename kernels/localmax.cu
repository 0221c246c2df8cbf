/* localmax.cu - lv_localmax on the GPU: one thread block per spectrum.
 *
 *   1. candidates: each thread finds the peaks (peak_math.h, the CPU's function) whose left edge
 *      lies in its contiguous range; a block scan orders them, and they are written ascending to
 *      the spectrum's half slot of a scratch array (a spectrum of m points has at most
 *      (m - 1) / 2 peaks, see host/ops/localmax.c);
 *   2. with min_distance > 1, the distance rule as parallel rounds: a candidate is kept once
 *      every higher-priority candidate closer than min_distance is removed, and removed once a
 *      kept candidate is that close.  This is the same set as scipy's sequential visit by
 *      priority (each candidate is decided exactly when all higher ones are);
 *   3. counts, CUB device scan to offsets, capacity check, then each block copies its kept
 *      candidates to their final place.
 * Priority is (height, position): higher first, the later peak first on equal heights. */
#include <string.h>

#include "backend.h"
#include "cuda_check.h"
#include "peak_device.cuh"

namespace
{

using lvpeak::BlockScan;
using lvpeak::kBlock;

__host__ __device__ inline uint64_t half_slot(uint64_t rel)
{
    return (rel + 1) / 2;
}

__global__ void candidates_kernel(const uint64_t *offsets, const float *x, double min_height,
                                  uint32_t *cand, uint64_t *n_cand)
{
    __shared__ typename BlockScan::TempStorage scan;
    const uint64_t s = blockIdx.x, begin = offsets[s], n = offsets[s + 1] - begin;
    const float *xs = x + begin;
    uint64_t lo, hi;
    lvpeak::thread_range(n, &lo, &hi);
    uint32_t mine = 0;
    lvpeak::for_each_peak(xs, n, lo, hi, [&](uint64_t c) {
        if ((double)xs[c] >= min_height) mine++;
    });
    uint32_t first, total;
    BlockScan(scan).ExclusiveSum(mine, first, total);
    uint32_t *out = cand + half_slot(begin - offsets[0]);
    lvpeak::for_each_peak(xs, n, lo, hi, [&](uint64_t c) {
        if ((double)xs[c] >= min_height) out[first++] = (uint32_t)c;
    });
    if (threadIdx.x == 0) n_cand[s] = total;
}

enum : uint8_t { kUndecided = 0, kKept = 1, kRemoved = 2 };

__device__ inline bool higher(const float *xs, uint32_t a, uint32_t b)
{
    return xs[a] > xs[b] || (xs[a] == xs[b] && a > b);
}

/* state holds two arrays of `slots` entries: the states of the previous round and the next. */
__global__ void distance_kernel(const uint64_t *offsets, const float *x, uint32_t min_distance,
                                const uint32_t *cand, const uint64_t *n_cand, uint8_t *state,
                                uint64_t slots)
{
    const uint64_t s = blockIdx.x, begin = offsets[s];
    const uint64_t slot = half_slot(begin - offsets[0]), m = n_cand[s];
    const float *xs = x + begin;
    const uint32_t *c = cand + slot;
    uint8_t *st = state + slot, *nx = state + slots + slot;
    for (uint64_t k = threadIdx.x; k < m; k += kBlock)
        st[k] = kUndecided;
    __syncthreads();
    bool more = true;
    while (more) {
        /* Decide from the previous round's states only, then publish. */
        bool pending = false;
        for (uint64_t k = threadIdx.x; k < m; k += kBlock) {
            uint8_t d = st[k];
            if (d == kUndecided) {
                bool near_kept = false, blocked = false;
                for (uint64_t j = k; j > 0 && c[k] - c[j - 1] < min_distance; j--) {
                    near_kept |= st[j - 1] == kKept;
                    blocked |= st[j - 1] == kUndecided && higher(xs, c[j - 1], c[k]);
                }
                for (uint64_t j = k + 1; j < m && c[j] - c[k] < min_distance; j++) {
                    near_kept |= st[j] == kKept;
                    blocked |= st[j] == kUndecided && higher(xs, c[j], c[k]);
                }
                d = near_kept ? kRemoved : (blocked ? kUndecided : kKept);
                pending |= d == kUndecided;
            }
            nx[k] = d;
        }
        __syncthreads();
        for (uint64_t k = threadIdx.x; k < m; k += kBlock)
            st[k] = nx[k];
        more = __syncthreads_or(pending);
    }
}

__global__ void count_kept_kernel(const uint64_t *offsets, const uint64_t *n_cand,
                                  const uint8_t *state, uint64_t *counts)
{
    __shared__ typename BlockScan::TempStorage scan;
    const uint64_t s = blockIdx.x, slot = half_slot(offsets[s] - offsets[0]), m = n_cand[s];
    uint32_t mine = 0;
    if (state)
        for (uint64_t k = threadIdx.x; k < m; k += kBlock)
            mine += state[slot + k] == kKept;
    else
        mine = threadIdx.x == 0 ? (uint32_t)m : 0;
    uint32_t first, total;
    BlockScan(scan).ExclusiveSum(mine, first, total);
    if (threadIdx.x == 0) counts[s] = total;
}

__global__ void compact_kernel(const uint64_t *offsets, const uint32_t *cand,
                               const uint64_t *n_cand, const uint8_t *state,
                               const uint64_t *out_offsets, uint32_t *out)
{
    __shared__ typename BlockScan::TempStorage scan;
    const uint64_t s = blockIdx.x, slot = half_slot(offsets[s] - offsets[0]), m = n_cand[s];
    uint64_t lo, hi;
    lvpeak::thread_range(m, &lo, &hi);
    uint32_t mine = 0;
    for (uint64_t k = lo; k < hi; k++)
        mine += !state || state[slot + k] == kKept;
    uint32_t first, total;
    BlockScan(scan).ExclusiveSum(mine, first, total);
    uint32_t *o = out + out_offsets[s];
    for (uint64_t k = lo; k < hi; k++)
        if (!state || state[slot + k] == kKept) o[first++] = cand[slot + k];
}

struct Buffers {
    cudaStream_t s;
    uint64_t *offsets = nullptr, *n_cand = nullptr, *counts = nullptr, *out_off = nullptr;
    float *x = nullptr;
    uint32_t *cand = nullptr, *out = nullptr;
    uint8_t *state = nullptr;
    ~Buffers()
    {
        void *all[] = {offsets, n_cand, counts, out_off, x, cand, out, state};
        for (void *p : all)
            if (p) (void)cudaFreeAsync(p, s);
        (void)cudaStreamSynchronize(s);
    }
};

template <class T> cudaError_t alloc(T **p, uint64_t n, cudaStream_t s)
{
    return cudaMallocAsync(reinterpret_cast<void **>(p), (size_t)(n ? n : 1) * sizeof(T), s);
}

int run(lv_cuda_ctx *c, double min_height, uint32_t min_distance, uint64_t n_spectra,
        const uint64_t *offsets, const float *x, uint64_t capacity, uint32_t *out_index,
        uint64_t *out_offsets, uint64_t *needed, char *err, size_t cap)
{
    LV_CUDA_CHECK(cudaSetDevice(c->device), err, cap);
    Buffers b;
    b.s = c->stream[0];
    const uint64_t total = offsets[n_spectra] - offsets[0];
    const uint64_t slots = half_slot(total) + 1;
    LV_CUDA_CHECK(alloc(&b.offsets, n_spectra + 1, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.x, total, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.cand, slots, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.n_cand, n_spectra, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.counts, n_spectra, b.s), err, cap);
    LV_CUDA_CHECK(alloc(&b.out_off, n_spectra + 1, b.s), err, cap);
    if (min_distance > 1) LV_CUDA_CHECK(alloc(&b.state, 2 * slots, b.s), err, cap);
    LV_CUDA_CHECK(cudaMemcpyAsync(b.offsets, offsets, (n_spectra + 1) * sizeof *offsets,
                                  cudaMemcpyHostToDevice, b.s),
                  err, cap);
    LV_CUDA_CHECK(
        cudaMemcpyAsync(b.x, x + offsets[0], total * sizeof *x, cudaMemcpyHostToDevice, b.s), err,
        cap);
    /* Kernels index x from offsets[0]: shift the device pointer back accordingly. */
    const float *dx = b.x - offsets[0];
    (void)cudaGetLastError();
    candidates_kernel<<<(unsigned)n_spectra, kBlock, 0, b.s>>>(b.offsets, dx, min_height, b.cand,
                                                               b.n_cand);
    LV_CUDA_CHECK(cudaGetLastError(), err, cap);
    if (b.state) {
        distance_kernel<<<(unsigned)n_spectra, kBlock, 0, b.s>>>(b.offsets, dx, min_distance,
                                                                 b.cand, b.n_cand, b.state, slots);
        LV_CUDA_CHECK(cudaGetLastError(), err, cap);
    }
    count_kept_kernel<<<(unsigned)n_spectra, kBlock, 0, b.s>>>(b.offsets, b.n_cand, b.state,
                                                               b.counts);
    LV_CUDA_CHECK(cudaGetLastError(), err, cap);
    LV_CUDA_CHECK(lvpeak::exclusive_scan(b.counts, b.out_off, n_spectra, b.s), err, cap);
    LV_CUDA_CHECK(cudaMemcpyAsync(out_offsets, b.out_off, (n_spectra + 1) * sizeof *out_offsets,
                                  cudaMemcpyDeviceToHost, b.s),
                  err, cap);
    LV_CUDA_CHECK(cudaStreamSynchronize(b.s), err, cap);
    *needed = out_offsets[n_spectra];
    if (*needed > capacity) {
        snprintf(err, cap, "%llu peaks found but capacity is %llu", (unsigned long long)*needed,
                 (unsigned long long)capacity);
        return LV_ERR_INVALID_ARGUMENT;
    }
    LV_CUDA_CHECK(alloc(&b.out, *needed, b.s), err, cap);
    compact_kernel<<<(unsigned)n_spectra, kBlock, 0, b.s>>>(b.offsets, b.cand, b.n_cand, b.state,
                                                            b.out_off, b.out);
    LV_CUDA_CHECK(cudaGetLastError(), err, cap);
    if (*needed)
        LV_CUDA_CHECK(cudaMemcpyAsync(out_index, b.out, *needed * sizeof *out_index,
                                      cudaMemcpyDeviceToHost, b.s),
                      err, cap);
    LV_CUDA_CHECK(cudaStreamSynchronize(b.s), err, cap);
    return LV_OK;
}

} // namespace

int lv_cuda_localmax(lv_cuda_ctx *c, double min_height, uint32_t min_distance, uint64_t n_spectra,
                     const uint64_t *offsets, const float *intensity, uint64_t capacity,
                     uint32_t *out_index, uint64_t *out_offsets, uint64_t *needed, char *err,
                     size_t err_cap)
{
    if (n_spectra == 0) {
        out_offsets[0] = 0;
        *needed = 0;
        return LV_OK;
    }
    pthread_mutex_lock(&c->lock);
    int st = run(c, min_height, min_distance, n_spectra, offsets, intensity, capacity, out_index,
                 out_offsets, needed, err, err_cap);
    if (st != LV_OK) {
        (void)cudaStreamSynchronize(c->stream[0]);
        (void)cudaGetLastError();
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}
