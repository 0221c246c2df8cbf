/* savgol.cu - Savitzky-Golay smoothing on the GPU, one thread block per spectrum, one thread per
 * point, with savgol_math.h's weights and sums (the CPU's, host/ops/denoise_savgol.c).  The
 * weights (centre row, then the edge rows) travel once per call to device memory. */
#include "denoise_device.cuh"
#include "savgol_math.h"

namespace
{

uint64_t need(const lv_cuda_denoise_job *job, uint64_t n)
{
    (void)job;
    (void)n;
    return 0; /* reads its input straight from device memory */
}

__global__ void __launch_bounds__(lv_dn::kBlock)
    savgol_kernel(lv_cuda_denoise_job job, lv_dn::chunk_args a)
{
    const uint64_t s = blockIdx.x;
    const uint64_t first = a.off[s];
    const int64_t n = (int64_t)(a.off[s + 1] - first);
    const int w = job.window, half = w / 2;
    const float *x = a.in + first;
    float *out = a.out + first;
    const double *centre = a.coeffs, *edge = a.coeffs + w;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
        double v;
        if (n < w)
            v = x[i]; /* shorter than the window: unchanged, as on the CPU */
        else if (i < half)
            v = lv_savgol_edge(x, n, i, 0, w, edge);
        else if (i >= n - half)
            v = lv_savgol_edge(x, n, n - 1 - i, 1, w, edge);
        else
            v = lv_savgol_interior(x, i, w, centre);
        out[i] = (float)v;
    }
}

void launch(const lv_cuda_denoise_job *job, unsigned blocks, size_t smem, cudaStream_t stream,
            const lv_dn::chunk_args &a)
{
    savgol_kernel<<<blocks, lv_dn::kBlock, smem, stream>>>(*job, a);
}

} // namespace

int lv_cuda_denoise_savgol(lv_cuda_ctx *c, const lv_cuda_denoise_job *job, char *err,
                           size_t err_cap)
{
    /* centre (window) then edge rows (window / 2 of window), contiguous as the core made them */
    const size_t n_coeffs = (size_t)job->window + (size_t)(job->window / 2) * job->window;
    const lv_dn::op_desc op = {need, reinterpret_cast<const void *>(savgol_kernel), launch,
                               job->centre, n_coeffs};
    return lv_dn::run_locked(c, job, op, err, err_cap);
}
