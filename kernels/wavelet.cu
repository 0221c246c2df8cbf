/* wavelet.cu - wavelet shrinkage (and the zengeza pipeline: SNIP removal, shrinkage, clamp) on
 * the GPU, one thread block per spectrum.
 *
 * The block loads its spectrum as double into its work area (shared memory when it fits), runs
 * every analysis level with one thread per coefficient, selects the median of the finest
 * details by radix select, thresholds, and runs every synthesis level, writing the last one
 * straight to the output.  Per-coefficient arithmetic is wavelet_math.h's, the CPU's (host/ops/
 * denoise_wavelet.c), so the two agree up to FMA contraction. */
#include "denoise_device.cuh"
#include "wavelet_math.h"

namespace
{

/* Work area of a spectrum of n points, in doubles: x (n) | details | A (M) | B (M).  The SNIP
 * step uses A and B (M >= n) before the decomposition. */
__host__ __device__ inline uint64_t work_doubles(uint32_t L, int F, uint64_t n, uint64_t *lens)
{
    const uint64_t details = lv_wavelet_level_lengths(n, F, L, lens);
    return n + details + 2 * lv_wavelet_max_len(n, F);
}

__host__ __device__ inline uint32_t levels_of(const lv_cuda_denoise_job *job, uint64_t n)
{
    return job->level ? job->level : lv_dwt_max_level(n, job->bank.len);
}

uint64_t need(const lv_cuda_denoise_job *job, uint64_t n)
{
    uint64_t lens[LV_WAVELET_MAX_LEVEL + 1];
    return work_doubles(levels_of(job, n), job->bank.len, n, lens);
}

__device__ inline float finish(double v, int clamp)
{
    return (float)(clamp && !(v > 0.0) ? 0.0 : v);
}

__global__ void __launch_bounds__(lv_dn::kBlock)
    wavelet_kernel(lv_cuda_denoise_job job, lv_dn::chunk_args a)
{
    extern __shared__ double smem[];
    __shared__ lv_wavelet_bank bank;
    __shared__ double s_threshold;
    const uint64_t s = blockIdx.x;
    const uint64_t first = a.off[s];
    const int64_t n = (int64_t)(a.off[s + 1] - first);
    if (n == 0) return; /* uniform over the block */
    if (threadIdx.x == 0) bank = job.bank;
    const int F = job.bank.len;
    uint64_t lens[LV_WAVELET_MAX_LEVEL + 1];
    const uint32_t L = levels_of(&job, (uint64_t)n);
    const uint64_t details = lv_wavelet_level_lengths((uint64_t)n, F, L, lens);
    const uint64_t M = lv_wavelet_max_len((uint64_t)n, F);
    double *x = a.use_shared ? smem : a.scratch + a.soff[s];
    double *D = x + n, *buf[2] = {D + details, D + details + M};
    const float *in = a.in + first;
    float *out = a.out + first;

    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        x[i] = in[i];
    __syncthreads();
    if (job.snip_iterations > 0) {
        lv_dn::block_snip(x, n, job.snip_iterations, job.snip_decreasing, buf[0], buf[1]);
        for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
            x[i] -= buf[0][i];
        __syncthreads();
    }
    if (L == 0) {
        for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
            out[i] = finish(x[i], job.clamp);
        return;
    }

    /* Analysis: a_l into buf[l % 2], d_l into D at det_off[l]. */
    uint64_t det_off[LV_WAVELET_MAX_LEVEL + 1];
    const double *src = x;
    uint64_t off = 0;
    for (uint32_t l = 1; l <= L; l++) {
        det_off[l] = off;
        double *ap = buf[l % 2], *dp = D + off;
        const int64_t m = (int64_t)lens[l - 1];
        for (int64_t k = threadIdx.x; k < (int64_t)lens[l]; k += blockDim.x) {
            ap[k] = lv_dwt_coef(src, m, bank.dec_lo, F, k);
            dp[k] = lv_dwt_coef(src, m, bank.dec_hi, F, k);
        }
        __syncthreads();
        off += lens[l];
        src = ap;
    }

    if (threadIdx.x == 0) s_threshold = job.threshold;
    __syncthreads();
    if (job.threshold < 0) {
        const double med = lv_dn::block_median_abs(D + det_off[1], (int64_t)lens[1]);
        if (threadIdx.x == 0) s_threshold = lv_universal_threshold(med, (uint64_t)n);
        __syncthreads();
    }
    const double t = s_threshold;
    for (uint64_t i = threadIdx.x; i < details; i += blockDim.x)
        D[i] = job.hard ? lv_threshold_hard(D[i], t) : lv_threshold_soft(D[i], t);
    __syncthreads();

    /* Synthesis: level l from buf[cur] and d_l into the other buffer, level 1 to the output. */
    int cur = (int)(L % 2);
    for (uint32_t l = L; l >= 1; l--) {
        const int64_t pairs = lv_idwt_pairs((int64_t)lens[l], F);
        const int64_t keep = (int64_t)lens[l - 1];
        const double *ap = buf[cur], *dp = D + det_off[l];
        double *dst = buf[1 - cur];
        for (int64_t m = threadIdx.x; m < pairs; m += blockDim.x) {
            double e, o;
            lv_idwt_pair(ap, dp, &bank, m, &e, &o);
            if (l == 1) {
                if (2 * m < keep) out[2 * m] = finish(e, job.clamp);
                if (2 * m + 1 < keep) out[2 * m + 1] = finish(o, job.clamp);
            } else {
                if (2 * m < keep) dst[2 * m] = e;
                if (2 * m + 1 < keep) dst[2 * m + 1] = o;
            }
        }
        __syncthreads();
        cur = 1 - cur;
    }
}

void launch(const lv_cuda_denoise_job *job, unsigned blocks, size_t smem, cudaStream_t stream,
            const lv_dn::chunk_args &a)
{
    wavelet_kernel<<<blocks, lv_dn::kBlock, smem, stream>>>(*job, a);
}

} // namespace

int lv_cuda_denoise_wavelet(lv_cuda_ctx *c, const lv_cuda_denoise_job *job, char *err,
                            size_t err_cap)
{
    const lv_dn::op_desc op = {need, reinterpret_cast<const void *>(wavelet_kernel), launch,
                               nullptr, 0};
    return lv_dn::run_locked(c, job, op, err, err_cap);
}
