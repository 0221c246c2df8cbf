/* peak_device.cuh - device pieces shared by localmax.cu and centroid.cu: one thread block per
 * spectrum, each thread owning a contiguous range of the spectrum's samples so that a block-wide
 * exclusive scan of per-thread counts gives every peak its position in ascending order. */
#ifndef LV_PEAK_DEVICE_CUH
#define LV_PEAK_DEVICE_CUH

#include <cub/block/block_scan.cuh>
#include <cub/device/device_scan.cuh>
#include <stdint.h>

#include "peak_math.h"

namespace lvpeak
{

constexpr int kBlock = 256;
using BlockScan = cub::BlockScan<uint32_t, kBlock>;

/* The left edges owned by this thread: [lo, hi) of the spectrum's n samples. */
__device__ inline void thread_range(uint64_t n, uint64_t *lo, uint64_t *hi)
{
    const uint64_t per = (n + kBlock - 1) / kBlock;
    *lo = per * threadIdx.x;
    *hi = *lo + per < n ? *lo + per : n;
    if (*lo > n) *lo = n;
}

/* Calls f(c) for every peak (scipy rule) whose left edge lies in [lo, hi), in ascending order. */
template <class F>
__device__ inline void for_each_peak(const float *x, uint64_t n, uint64_t lo, uint64_t hi, F f)
{
    for (uint64_t i = lo; i < hi; i++) {
        uint64_t right;
        const int64_t m = lv_peak_at_left_edge(x, n, i, &right);
        if (m >= 0) {
            f((uint64_t)m);
            i = right + 1; /* the next possible left edge is right + 2 */
        }
    }
}

/* Exclusive prefix sum of n uint64 counts on stream s into out (n + 1 entries, out[0] = 0), using
 * CUB's device scan.  temp is grown as needed (cudaMallocAsync on s). */
inline cudaError_t exclusive_scan(const uint64_t *counts, uint64_t *out, uint64_t n, cudaStream_t s)
{
    size_t bytes = 0;
    cudaError_t e = cub::DeviceScan::InclusiveSum(nullptr, bytes, counts, out + 1, (int64_t)n, s);
    if (e != cudaSuccess) return e;
    void *tmp = nullptr;
    e = cudaMallocAsync(&tmp, bytes ? bytes : 1, s);
    if (e != cudaSuccess) return e;
    e = cudaMemsetAsync(out, 0, sizeof *out, s);
    if (e == cudaSuccess)
        e = cub::DeviceScan::InclusiveSum(tmp, bytes, counts, out + 1, (int64_t)n, s);
    cudaError_t f = cudaFreeAsync(tmp, s);
    return e != cudaSuccess ? e : f;
}

} // namespace lvpeak

#endif
