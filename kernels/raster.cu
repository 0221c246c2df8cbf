/* raster.cu - lv_frames on the GPU: profiles scattered with atomics, frames gathered from them,
 * then normalize, separable blur and quantize/colormap kernels; frames are copied back to the
 * caller's buffer (or only their maxima, for global normalization).
 *
 * The plan (which profile lands in which cell) comes from the host front end and is the one the
 * CPU uses; per-pixel math is raster_math.h, shared with host/ops/raster_*.c.  Only the profile
 * scatter differs: with LV_ACCUMULATE_SUM its atomicAdd adds a row's points in another order than
 * the CPU, so sums may differ in the last bits (one count after quantization at most); maxima
 * (atomicMax on the bit patterns of non-negative floats) are exact. */
#include <string.h>

#include "backend.h"
#include "cuda_check.h"
#include "raster_job.h"
#include "raster_math.h"

namespace
{

constexpr int kBlock = 256;
/* Floats per frame chunk buffer (two of them): 256 MiB each bounds device memory for any call. */
constexpr size_t kChunkFloats = size_t(64) << 20;
/* Profiles up to this many rows are accumulated in shared memory (48 KiB). */
constexpr uint32_t kSharedRows = 12288;

__constant__ uint8_t c_colormaps[LV_COLORMAP_COUNT][256][3];
__constant__ float c_weights[2 * LV_RASTER_MAX_RADIUS + 1];

/* cudaMalloc'ed memory released on scope exit (errors at release are not reportable). */
struct dev_buf {
    void *p = nullptr;
    ~dev_buf()
    {
        if (p && cudaFree(p) != cudaSuccess) (void)cudaGetLastError();
    }
    template <typename T> T *as() const { return static_cast<T *>(p); }
};

int dev_alloc(dev_buf &b, size_t bytes, char *err, size_t err_cap)
{
    LV_CUDA_CHECK(cudaMalloc(&b.p, bytes ? bytes : 1), err, err_cap);
    return LV_OK;
}

unsigned grid_for(const lv_cuda_ctx *c, uint64_t n)
{
    uint64_t blocks = (n + kBlock - 1) / kBlock;
    const uint64_t cap = (uint64_t)c->sm_count * 16;
    if (blocks > cap) blocks = cap;
    return (unsigned)(blocks ? blocks : 1);
}

__device__ inline void atomic_max_nonneg(float *addr, float v)
{
    /* Non-negative floats order like their bit patterns read as signed ints. */
    atomicMax(reinterpret_cast<int *>(addr), __float_as_int(v));
}

/* One block per profile (grid-stride): the spectrum's points scattered into its m/z rows. */
__global__ void profile_kernel(uint64_t n_profiles, const uint64_t *range, const double *mz,
                               const float *intensity, uint32_t h, double mz_min, double mz_max,
                               double bin_scale, int ppm, int sum, int use_shared, float *profiles)
{
    extern __shared__ float shared_row[];
    for (uint64_t p = blockIdx.x; p < n_profiles; p += gridDim.x) {
        float *row = use_shared ? shared_row : profiles + p * h;
        for (uint32_t i = threadIdx.x; i < h; i += blockDim.x)
            row[i] = 0.0f;
        __syncthreads();
        for (uint64_t k = range[2 * p] + threadIdx.x; k < range[2 * p + 1]; k += blockDim.x) {
            int32_t b = lv_raster_mz_bin(mz[k], mz_min, mz_max, bin_scale, (int32_t)h, ppm);
            if (b < 0) continue;
            float x = lv_raster_clean(intensity[k]);
            if (sum)
                atomicAdd(&row[b], x);
            else
                atomic_max_nonneg(&row[b], x);
        }
        __syncthreads();
        if (use_shared) {
            for (uint32_t i = threadIdx.x; i < h; i += blockDim.x)
                profiles[p * h + i] = row[i];
            __syncthreads();
        }
    }
}

/* One thread per pixel of the chunk's frames (rows fastest, so profile reads coalesce): the
 * cell's profiles combined in plan order, scaled, and the frame maximum raised. */
__global__ void gather_kernel(uint64_t f0, uint64_t nf, uint32_t h, uint32_t wc,
                              const uint64_t *cell_offsets, const uint32_t *cell_profiles,
                              const float *profiles, int sum, int scale, float *frames,
                              float *maxima)
{
    const uint64_t total = nf * wc * h;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total;
         i += (uint64_t)gridDim.x * blockDim.x) {
        const uint32_t row = (uint32_t)(i % h);
        const uint64_t t = i / h;
        const uint32_t col = (uint32_t)(t % wc);
        const uint64_t f = t / wc;
        const uint64_t cell = (f0 + f) * wc + col;
        float v = 0.0f;
        for (uint64_t j = cell_offsets[cell]; j < cell_offsets[cell + 1]; j++)
            v = lv_raster_combine(v, profiles[(uint64_t)cell_profiles[j] * h + row], sum);
        if (v != 0.0f) v = lv_raster_scale(v, scale);
        frames[(f * h + row) * wc + col] = v;
        if (v > 0.0f) atomic_max_nonneg(&maxima[f], v);
    }
}

/* Caller-accumulated frames (lv_frames_render): clean, scale, maximum. */
__global__ void scale_kernel(uint64_t nf, uint64_t px, int scale, float *frames, float *maxima)
{
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nf * px;
         i += (uint64_t)gridDim.x * blockDim.x) {
        float v = lv_raster_clean(frames[i]);
        if (v != 0.0f) v = lv_raster_scale(v, scale);
        frames[i] = v;
        if (v > 0.0f) atomic_max_nonneg(&maxima[i / px], v);
    }
}

__global__ void normalize_kernel(uint64_t nf, uint64_t px, int per_frame, float fixed,
                                 const float *maxima, float *frames)
{
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nf * px;
         i += (uint64_t)gridDim.x * blockDim.x)
        frames[i] = lv_raster_normalize(frames[i], per_frame ? maxima[i / px] : fixed);
}

/* Blur along rows (x) or columns (y) of every frame of the chunk. */
__global__ void blur_kernel(uint64_t nf, uint32_t h, uint32_t wc, int along_rows, int radius,
                            const float *src, float *dst)
{
    const uint64_t px = (uint64_t)h * wc;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nf * px;
         i += (uint64_t)gridDim.x * blockDim.x) {
        const uint64_t f = i / px;
        const uint32_t r = (uint32_t)((i % px) / wc), c = (uint32_t)(i % wc);
        const float *frame = src + f * px;
        dst[i] = along_rows
                     ? lv_raster_blur_at(frame + (uint64_t)r * wc, 1, (int32_t)wc, (int32_t)c,
                                         c_weights, radius)
                     : lv_raster_blur_at(frame + c, wc, (int32_t)h, (int32_t)r, c_weights, radius);
    }
}

/* One thread per output pixel: quantize and colormap (a stripe's one column repeated). */
__global__ void write_kernel(uint64_t nf, uint32_t h, uint32_t wc, uint32_t wo, int format,
                             int colormap, const float *src, void *out)
{
    const uint64_t total = nf * h * wo;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total;
         i += (uint64_t)gridDim.x * blockDim.x) {
        const uint64_t fr = i / wo; /* frame * h + row */
        const uint32_t c = (uint32_t)(i % wo);
        const float v = src[fr * wc + (wc == 1 ? 0 : c)];
        if (format == 2) {
            static_cast<float *>(out)[i] = v;
        } else if (format == 1) {
            const uint8_t *rgb = lv_raster_color(c_colormaps, colormap, lv_raster_quantize(v));
            uint8_t *o = static_cast<uint8_t *>(out) + 3 * i;
            o[0] = rgb[0];
            o[1] = rgb[1];
            o[2] = rgb[2];
        } else {
            static_cast<uint8_t *>(out)[i] = (uint8_t)lv_raster_quantize(v);
        }
    }
}

int run(lv_cuda_ctx *c, const lv_raster_job *job, float *frame_max, char *err, size_t err_cap)
{
    LV_CUDA_CHECK(cudaSetDevice(c->device), err, err_cap);
    cudaStream_t s = c->stream[0];
    const uint32_t h = job->height, wc = job->width_c, wo = job->width_out;
    const uint64_t px = (uint64_t)h * wc;
    LV_CUDA_CHECK(cudaMemcpyToSymbolAsync(c_colormaps, lv_colormap_tables,
                                          sizeof lv_colormap_tables, 0, cudaMemcpyHostToDevice, s),
                  err, err_cap);
    if (job->radius > 0 && job->weights)
        LV_CUDA_CHECK(cudaMemcpyToSymbolAsync(c_weights, job->weights,
                                              (2 * (size_t)job->radius + 1) * sizeof(float), 0,
                                              cudaMemcpyHostToDevice, s),
                      err, err_cap);

    /* Profiles: the points of the drawn spectra (one contiguous slab of the input arrays, since
     * profiles follow spectrum order) and each profile's range in it. */
    dev_buf d_mz, d_int, d_range, d_prof, d_cell_off, d_cell_prof;
    int st;
    if (!job->acc && job->n_profiles > 0) {
        const uint64_t np = job->n_profiles;
        const uint64_t lo = job->offsets[job->profile_spectrum[0]];
        const uint64_t hi = job->offsets[job->profile_spectrum[np - 1] + 1];
        uint64_t *range = static_cast<uint64_t *>(malloc(2 * np * sizeof(uint64_t)));
        if (!range) {
            snprintf(err, err_cap, "out of memory allocating %zu bytes",
                     (size_t)(2 * np * sizeof(uint64_t)));
            return LV_ERR_NO_MEMORY;
        }
        for (uint64_t p = 0; p < np; p++) {
            range[2 * p] = job->offsets[job->profile_spectrum[p]] - lo;
            range[2 * p + 1] = job->offsets[job->profile_spectrum[p] + 1] - lo;
        }
        const uint64_t n_cells = job->n_frames * wc;
        const uint64_t n_placed = job->cell_offsets[n_cells];
        if ((st = dev_alloc(d_mz, (hi - lo) * sizeof(double), err, err_cap)) != LV_OK ||
            (st = dev_alloc(d_int, (hi - lo) * sizeof(float), err, err_cap)) != LV_OK ||
            (st = dev_alloc(d_range, 2 * np * sizeof(uint64_t), err, err_cap)) != LV_OK ||
            (st = dev_alloc(d_prof, np * h * sizeof(float), err, err_cap)) != LV_OK ||
            (st = dev_alloc(d_cell_off, (n_cells + 1) * sizeof(uint64_t), err, err_cap)) != LV_OK ||
            (st = dev_alloc(d_cell_prof, n_placed * sizeof(uint32_t), err, err_cap)) != LV_OK) {
            free(range);
            return st;
        }
        cudaError_t e =
            cudaMemcpy(d_range.p, range, 2 * np * sizeof(uint64_t), cudaMemcpyHostToDevice);
        free(range);
        LV_CUDA_CHECK(e, err, err_cap);
        LV_CUDA_CHECK(cudaMemcpyAsync(d_mz.p, job->mz + lo, (hi - lo) * sizeof(double),
                                      cudaMemcpyHostToDevice, s),
                      err, err_cap);
        LV_CUDA_CHECK(cudaMemcpyAsync(d_int.p, job->intensity + lo, (hi - lo) * sizeof(float),
                                      cudaMemcpyHostToDevice, s),
                      err, err_cap);
        LV_CUDA_CHECK(cudaMemcpyAsync(d_cell_off.p, job->cell_offsets,
                                      (n_cells + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice, s),
                      err, err_cap);
        LV_CUDA_CHECK(cudaMemcpyAsync(d_cell_prof.p, job->cell_profiles,
                                      n_placed * sizeof(uint32_t), cudaMemcpyHostToDevice, s),
                      err, err_cap);
        const int use_shared = h <= kSharedRows;
        unsigned blocks =
            np < (uint64_t)c->sm_count * 16 ? (unsigned)np : (unsigned)c->sm_count * 16;
        (void)cudaGetLastError();
        profile_kernel<<<blocks, kBlock, use_shared ? h * sizeof(float) : 0, s>>>(
            np, d_range.as<uint64_t>(), d_mz.as<double>(), d_int.as<float>(), h, job->mz_min,
            job->mz_max, job->bin_scale, job->ppm, job->sum, use_shared, d_prof.as<float>());
        LV_CUDA_CHECK(cudaGetLastError(), err, err_cap);
    }

    /* Frames in chunks that bound device memory. */
    uint64_t chunk = kChunkFloats / px;
    if (chunk == 0) chunk = 1;
    if (chunk > job->n_frames) chunk = job->n_frames;
    const size_t channels = job->format == 1 ? 3 : 1;
    const size_t elem = job->format == 2 ? sizeof(float) : 1;
    const uint64_t out_frame = (uint64_t)h * wo * channels * elem;
    dev_buf d_a, d_b, d_out, d_max;
    if ((st = dev_alloc(d_a, chunk * px * sizeof(float), err, err_cap)) != LV_OK ||
        (st = dev_alloc(d_b, chunk * px * sizeof(float), err, err_cap)) != LV_OK ||
        (st = dev_alloc(d_max, chunk * sizeof(float), err, err_cap)) != LV_OK ||
        (job->out && (st = dev_alloc(d_out, chunk * out_frame, err, err_cap)) != LV_OK))
        return st;
    for (uint64_t f0 = 0; f0 < job->n_frames; f0 += chunk) {
        const uint64_t nf = job->n_frames - f0 < chunk ? job->n_frames - f0 : chunk;
        float *a = d_a.as<float>(), *b = d_b.as<float>(), *mx = d_max.as<float>();
        LV_CUDA_CHECK(cudaMemsetAsync(mx, 0, nf * sizeof(float), s), err, err_cap);
        (void)cudaGetLastError();
        if (job->acc) {
            LV_CUDA_CHECK(cudaMemcpyAsync(a, job->acc + f0 * px, nf * px * sizeof(float),
                                          cudaMemcpyHostToDevice, s),
                          err, err_cap);
            scale_kernel<<<grid_for(c, nf * px), kBlock, 0, s>>>(nf, px, job->scale, a, mx);
        } else if (job->n_profiles > 0) {
            gather_kernel<<<grid_for(c, nf * px), kBlock, 0, s>>>(
                f0, nf, h, wc, d_cell_off.as<uint64_t>(), d_cell_prof.as<uint32_t>(),
                d_prof.as<float>(), job->sum, job->scale, a, mx);
        } else {
            LV_CUDA_CHECK(cudaMemsetAsync(a, 0, nf * px * sizeof(float), s), err, err_cap);
        }
        LV_CUDA_CHECK(cudaGetLastError(), err, err_cap);
        if (frame_max)
            LV_CUDA_CHECK(
                cudaMemcpyAsync(frame_max + f0, mx, nf * sizeof(float), cudaMemcpyDeviceToHost, s),
                err, err_cap);
        if (!job->out) continue;
        normalize_kernel<<<grid_for(c, nf * px), kBlock, 0, s>>>(
            nf, px, job->normalize == LV_RASTER_NORM_FRAME, job->norm_value, mx, a);
        if (job->blur_x) {
            blur_kernel<<<grid_for(c, nf * px), kBlock, 0, s>>>(nf, h, wc, 1, job->radius, a, b);
            float *t = a;
            a = b;
            b = t;
        }
        if (job->blur_y) {
            blur_kernel<<<grid_for(c, nf * px), kBlock, 0, s>>>(nf, h, wc, 0, job->radius, a, b);
            float *t = a;
            a = b;
            b = t;
        }
        write_kernel<<<grid_for(c, nf * h * wo), kBlock, 0, s>>>(nf, h, wc, wo, job->format,
                                                                 job->colormap, a, d_out.p);
        LV_CUDA_CHECK(cudaGetLastError(), err, err_cap);
        LV_CUDA_CHECK(cudaMemcpyAsync(static_cast<uint8_t *>(job->out) + f0 * out_frame, d_out.p,
                                      nf * out_frame, cudaMemcpyDeviceToHost, s),
                      err, err_cap);
        /* The chunk buffers are reused by the next chunk: finish this one first. */
        LV_CUDA_CHECK(cudaStreamSynchronize(s), err, err_cap);
    }
    LV_CUDA_CHECK(cudaStreamSynchronize(s), err, err_cap);
    return LV_OK;
}

} // namespace

int lv_cuda_frames(lv_cuda_ctx *c, const lv_raster_job *job, float *frame_max, char *err,
                   size_t err_cap)
{
    if (job->n_frames == 0) return LV_OK;
    pthread_mutex_lock(&c->lock);
    int st = run(c, job, frame_max, err, err_cap);
    if (st != LV_OK) {
        /* Leave no copy in flight into the caller's buffers before the device buffers go. */
        (void)cudaStreamSynchronize(c->stream[0]);
        (void)cudaGetLastError();
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}
