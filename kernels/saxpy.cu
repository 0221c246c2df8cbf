/* saxpy.cu - out = a * x + y on the GPU: the backend's end-to-end self-test, and the model for
 * every operation's launcher (stage, copy in, kernel, copy out, in chunks on two streams).
 *
 * The arithmetic is lv_saxpy_element from saxpy_math.h, the same function the CPU fallback
 * (host/ops/saxpy.c) calls, so both backends give bit-identical results. */
#include <string.h>

#include "backend.h"
#include "cuda_check.h"
#include "saxpy_math.h"

namespace
{

/* Elements per chunk: 32 MiB per array.  Long enough that copy and launch overheads vanish next
 * to PCIe transfer time, short enough that any n runs in 4 such device buffers (plus 4 pinned
 * staging buffers when the caller's arrays are not pinned). */
constexpr size_t kChunk = size_t(8) << 20;
constexpr int kBlock = 256;

/* In place on y: each thread reads y[i] before writing it, so no separate output buffer. */
__global__ void saxpy_kernel(size_t n, float a, const float *x, float *y)
{
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        y[i] = lv_saxpy_element(a, x[i], y[i]);
}

/* Page-locked memory (lv_host_alloc, cudaHostAlloc, cudaHostRegister) can be copied from
 * directly and asynchronously; anything else goes through the context's pinned staging. */
bool is_pinned(const void *p)
{
    cudaPointerAttributes attr;
    if (cudaPointerGetAttributes(&attr, p) != cudaSuccess) {
        (void)cudaGetLastError();
        return false;
    }
    return attr.type == cudaMemoryTypeHost;
}

/* A chunk in flight on one slot's stream. */
struct in_flight {
    bool active;
    bool staged; /* its result lands in the slot's pinned buffer and still has to reach out */
    uint64_t off;
    size_t len;
};

/* Waits for the slot's chunk and delivers its result to the caller's array. */
int finish(lv_cuda_ctx *c, int s, in_flight *f, float *out, char *err, size_t err_cap)
{
    if (!f->active) return LV_OK;
    LV_CUDA_CHECK(cudaStreamSynchronize(c->stream[s]), err, err_cap);
    if (f->staged) memcpy(out + f->off, c->host[s][1], f->len * sizeof(float));
    f->active = false;
    return LV_OK;
}

/* Chunk k runs on slot k % 2.  Before chunk k is staged, chunk k - 2 (same slot) is finished,
 * so the CPU copies chunk k in while the GPU works on chunk k - 1.  out may alias x or y:
 * chunk k's result is written only after chunk k's inputs were read, and chunks are disjoint. */
int run(lv_cuda_ctx *c, uint64_t n, float a, const float *x, const float *y, float *out, char *err,
        size_t err_cap)
{
    LV_CUDA_CHECK(cudaSetDevice(c->device), err, err_cap); /* this thread may be new to CUDA */
    const bool pin_x = is_pinned(x), pin_y = is_pinned(y), pin_out = is_pinned(out);
    const size_t chunk = n < kChunk ? (size_t)n : kChunk;
    int st = lv_cuda_reserve(c, chunk * sizeof(float), !(pin_x && pin_y && pin_out), err, err_cap);
    if (st != LV_OK) return st;

    in_flight slot[2] = {};
    uint64_t off = 0;
    for (uint64_t k = 0; off < n; k++) {
        const int s = (int)(k & 1);
        const size_t len = n - off < chunk ? (size_t)(n - off) : chunk;
        const size_t bytes = len * sizeof(float);
        cudaStream_t stream = c->stream[s];
        st = finish(c, s, &slot[s], out, err, err_cap);
        if (st != LV_OK) return st;

        float *dx = static_cast<float *>(c->dev[s][0]);
        float *dy = static_cast<float *>(c->dev[s][1]);
        const float *src_x = x + off, *src_y = y + off;
        if (!pin_x) src_x = static_cast<const float *>(memcpy(c->host[s][0], src_x, bytes));
        if (!pin_y) src_y = static_cast<const float *>(memcpy(c->host[s][1], src_y, bytes));
        LV_CUDA_CHECK(cudaMemcpyAsync(dx, src_x, bytes, cudaMemcpyHostToDevice, stream), err,
                      err_cap);
        LV_CUDA_CHECK(cudaMemcpyAsync(dy, src_y, bytes, cudaMemcpyHostToDevice, stream), err,
                      err_cap);

        size_t blocks = (len + kBlock - 1) / kBlock;
        const size_t max_blocks = (size_t)c->sm_count * 8; /* enough to fill the device */
        if (blocks > max_blocks) blocks = max_blocks;
        /* Clear any error left by CUDA code outside the backend on this thread, so the check
         * below reports this launch only. */
        (void)cudaGetLastError();
        saxpy_kernel<<<(unsigned)blocks, kBlock, 0, stream>>>(len, a, dx, dy);
        LV_CUDA_CHECK(cudaGetLastError(), err, err_cap);

        float *dst = pin_out ? out + off : static_cast<float *>(c->host[s][1]);
        LV_CUDA_CHECK(cudaMemcpyAsync(dst, dy, bytes, cudaMemcpyDeviceToHost, stream), err,
                      err_cap);
        slot[s] = in_flight{true, !pin_out, off, len};
        off += len;
    }
    for (int s = 0; s < 2; s++) {
        st = finish(c, s, &slot[s], out, err, err_cap);
        if (st != LV_OK) return st;
    }
    return LV_OK;
}

} // namespace

int lv_cuda_saxpy(lv_cuda_ctx *c, uint64_t n, float a, const float *x, const float *y, float *out,
                  char *err, size_t err_cap)
{
    if (n == 0) return LV_OK;
    pthread_mutex_lock(&c->lock);
    int st = run(c, n, a, x, y, out, err, err_cap);
    if (st != LV_OK) {
        /* Leave no copy in flight into the caller's arrays or the staging buffers. */
        (void)cudaStreamSynchronize(c->stream[0]);
        (void)cudaStreamSynchronize(c->stream[1]);
        (void)cudaGetLastError();
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}
