/* snip.cu - the SNIP baseline (or its removal) on the GPU, one thread block per spectrum, with
 * snip_math.h's step (the CPU's, host/ops/denoise_snip.c): identical results on both backends
 * (no multiply-add to contract). */
#include "denoise_device.cuh"

namespace
{

/* y (n) | base (n) | tmp (n) */
uint64_t need(const lv_cuda_denoise_job *job, uint64_t n)
{
    (void)job;
    return 3 * n;
}

__global__ void __launch_bounds__(lv_dn::kBlock)
    snip_kernel(lv_cuda_denoise_job job, lv_dn::chunk_args a)
{
    extern __shared__ double smem[];
    const uint64_t s = blockIdx.x;
    const uint64_t first = a.off[s];
    const int64_t n = (int64_t)(a.off[s + 1] - first);
    if (n == 0) return;
    double *y = a.use_shared ? smem : a.scratch + a.soff[s];
    double *base = y + n, *tmp = base + n;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        y[i] = a.in[first + i];
    __syncthreads();
    lv_dn::block_snip(y, n, job.snip_iterations, job.snip_decreasing, base, tmp);
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        a.out[first + i] = (float)(job.snip_remove ? y[i] - base[i] : base[i]);
}

void launch(const lv_cuda_denoise_job *job, unsigned blocks, size_t smem, cudaStream_t stream,
            const lv_dn::chunk_args &a)
{
    snip_kernel<<<blocks, lv_dn::kBlock, smem, stream>>>(*job, a);
}

} // namespace

int lv_cuda_denoise_snip(lv_cuda_ctx *c, const lv_cuda_denoise_job *job, char *err, size_t err_cap)
{
    const lv_dn::op_desc op = {need, reinterpret_cast<const void *>(snip_kernel), launch, nullptr,
                               0};
    return lv_dn::run_locked(c, job, op, err, err_cap);
}
