/* bayes.cu - lv_bayes_posterior_batch(_f32) on the GPU: one cuBLAS GEMM for the logits
 * E W^T, then one block per row adds the bias and normalizes with log-sum-exp.
 *
 * Rows go in chunks sized to the context's device buffers: dev[0][0] holds a chunk of E,
 * dev[0][1] the chunk's logits/posteriors, dev[1][0] W followed by c (uploaded once per call).
 * The per-element conventions (NaN as -inf, +inf rows, degenerate rows) are those of
 * kernels/common/bayes_math.h, which the CPU path runs; tests/gpu/bayes_gpu_test.cpp compares. */
#include <cublas_v2.h>
#include <stdio.h>

#include "backend.h"
#include "bayes_math.h"
#include "cuda_check.h"

namespace
{

constexpr int kRowThreads = 256;
/* Bytes of logits per chunk: large enough that the GEMM runs at full rate, small enough to fit
 * any device next to W. */
constexpr size_t kChunkBytes = size_t(64) << 20;

template <typename T> struct gemm;
template <> struct gemm<double> {
    static cublasStatus_t run(cublasHandle_t h, int n, int rows, int m, const double *w,
                              const double *e, double *out)
    {
        const double one = 1.0, zero = 0.0;
        return cublasDgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, n, rows, m, &one, w, m, e, m, &zero, out,
                           n);
    }
};
template <> struct gemm<float> {
    static cublasStatus_t run(cublasHandle_t h, int n, int rows, int m, const float *w,
                              const float *e, float *out)
    {
        const float one = 1.0f, zero = 0.0f;
        return cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, n, rows, m, &one, w, m, e, m, &zero, out,
                           n);
    }
};

__device__ double exp_t(double x)
{
    return exp(x);
}
__device__ float exp_t(float x)
{
    return expf(x);
}

/* Block reduction of a max (op 0) or a sum (op 1) over kRowThreads threads. */
template <typename A> __device__ A block_reduce(A v, int op, A *shared)
{
    shared[threadIdx.x] = v;
    __syncthreads();
    for (int s = kRowThreads / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            A o = shared[threadIdx.x + s];
            A &me = shared[threadIdx.x];
            me = op == 0 ? (o > me ? o : me) : me + o;
        }
        __syncthreads();
    }
    A r = shared[0];
    __syncthreads();
    return r;
}

/* One block per row: x = logits + c; softmax with the bayes_math.h conventions. */
template <typename T>
__global__ void row_softmax_kernel(T *out, const T *c, uint32_t n, unsigned long long *degenerate)
{
    __shared__ double sh[kRowThreads];
    T *x = out + (size_t)blockIdx.x * n;
    double m = -INFINITY;
    for (uint32_t i = threadIdx.x; i < n; i += kRowThreads) {
        const T v = x[i] + c[i];
        x[i] = v;
        if (v > m) m = v; /* NaN compares false */
    }
    m = block_reduce<double>(m, 0, sh);
    if (m == -INFINITY) {
        for (uint32_t i = threadIdx.x; i < n; i += kRowThreads)
            x[i] = T(1) / T(n);
        if (threadIdx.x == 0) atomicAdd(degenerate, 1ull);
        return;
    }
    if (m == INFINITY) {
        double k = 0;
        for (uint32_t i = threadIdx.x; i < n; i += kRowThreads)
            k += x[i] == T(INFINITY);
        k = block_reduce<double>(k, 1, sh);
        for (uint32_t i = threadIdx.x; i < n; i += kRowThreads)
            x[i] = x[i] == T(INFINITY) ? T(1.0 / k) : T(0);
        return;
    }
    double s = 0.0;
    for (uint32_t i = threadIdx.x; i < n; i += kRowThreads) {
        const T v = x[i];
        const T e = v == v ? exp_t(T(v - T(m))) : T(0);
        x[i] = e;
        s += e;
    }
    s = block_reduce<double>(s, 1, sh);
    const T inv = T(1.0 / s);
    for (uint32_t i = threadIdx.x; i < n; i += kRowThreads)
        x[i] *= inv;
}

const char *cublas_text(cublasStatus_t s)
{
    switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED: return "allocation failed";
    case CUBLAS_STATUS_INVALID_VALUE: return "invalid value";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "architecture mismatch";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "execution failed";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "internal error";
    default: return "error";
    }
}

#define LV_CUBLAS_CHECK(expr, err, cap)                                                            \
    do {                                                                                           \
        cublasStatus_t s_ = (expr);                                                                \
        if (s_ != CUBLAS_STATUS_SUCCESS) {                                                         \
            snprintf(err, cap, "%s failed: cuBLAS %s (%d)", #expr, cublas_text(s_), (int)s_);      \
            return s_ == CUBLAS_STATUS_ALLOC_FAILED ? LV_ERR_NO_MEMORY : LV_ERR_CUDA;              \
        }                                                                                          \
    } while (0)

template <typename T>
int run(lv_cuda_ctx *c, uint64_t b, uint32_t n, uint32_t m, const T *e, const T *w, const T *bias,
        T *out, uint64_t *n_degenerate, char *err, size_t cap)
{
    LV_CUDA_CHECK(cudaSetDevice(c->device), err, cap);
    if (!c->cublas) {
        cublasHandle_t h = nullptr;
        LV_CUBLAS_CHECK(cublasCreate(&h), err, cap);
        c->cublas = h;
    }
    cublasHandle_t h = static_cast<cublasHandle_t>(c->cublas);
    cudaStream_t stream = c->stream[0];
    LV_CUBLAS_CHECK(cublasSetStream(h, stream), err, cap);

    const size_t row_elems = n > m ? n : m;
    uint64_t rows = kChunkBytes / (row_elems * sizeof(T));
    if (rows < 1) rows = 1;
    if (rows > b) rows = b;
    size_t bytes = rows * row_elems * sizeof(T);
    const size_t wc_bytes = ((size_t)n * m + n) * sizeof(T) + sizeof(unsigned long long);
    if (bytes < wc_bytes) bytes = wc_bytes;
    int st = lv_cuda_reserve(c, bytes, false, err, cap);
    if (st != LV_OK) return st;
    T *de = static_cast<T *>(c->dev[0][0]);
    T *dout = static_cast<T *>(c->dev[0][1]);
    T *dw = static_cast<T *>(c->dev[1][0]);
    T *dc = dw + (size_t)n * m;
    unsigned long long *ddeg = reinterpret_cast<unsigned long long *>(dc + n);
    LV_CUDA_CHECK(cudaMemcpyAsync(dw, w, (size_t)n * m * sizeof(T), cudaMemcpyHostToDevice, stream),
                  err, cap);
    LV_CUDA_CHECK(cudaMemcpyAsync(dc, bias, n * sizeof(T), cudaMemcpyHostToDevice, stream), err,
                  cap);
    LV_CUDA_CHECK(cudaMemsetAsync(ddeg, 0, sizeof *ddeg, stream), err, cap);
    for (uint64_t r0 = 0; r0 < b; r0 += rows) {
        const uint64_t len = b - r0 < rows ? b - r0 : rows;
        if (m > 0) {
            LV_CUDA_CHECK(cudaMemcpyAsync(de, e + r0 * m, len * m * sizeof(T),
                                          cudaMemcpyHostToDevice, stream),
                          err, cap);
            LV_CUBLAS_CHECK(gemm<T>::run(h, (int)n, (int)len, (int)m, dw, de, dout), err, cap);
        } else {
            LV_CUDA_CHECK(cudaMemsetAsync(dout, 0, len * n * sizeof(T), stream), err, cap);
        }
        (void)cudaGetLastError();
        row_softmax_kernel<T><<<(unsigned)len, kRowThreads, 0, stream>>>(dout, dc, n, ddeg);
        LV_CUDA_CHECK(cudaGetLastError(), err, cap);
        LV_CUDA_CHECK(cudaMemcpyAsync(out + r0 * n, dout, len * n * sizeof(T),
                                      cudaMemcpyDeviceToHost, stream),
                      err, cap);
    }
    unsigned long long deg = 0;
    LV_CUDA_CHECK(cudaMemcpyAsync(&deg, ddeg, sizeof deg, cudaMemcpyDeviceToHost, stream), err,
                  cap);
    LV_CUDA_CHECK(cudaStreamSynchronize(stream), err, cap);
    *n_degenerate = deg;
    return LV_OK;
}

template <typename T>
int locked(lv_cuda_ctx *c, uint64_t b, uint32_t n, uint32_t m, const T *e, const T *w,
           const T *bias, T *out, uint64_t *deg, char *err, size_t cap)
{
    pthread_mutex_lock(&c->lock);
    int st = run<T>(c, b, n, m, e, w, bias, out, deg, err, cap);
    if (st != LV_OK) {
        (void)cudaStreamSynchronize(c->stream[0]);
        (void)cudaGetLastError();
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}

} // namespace

int lv_cuda_bayes_posterior_f64(lv_cuda_ctx *c, uint64_t b, uint32_t n, uint32_t m, const double *e,
                                const double *w, const double *bias, double *out,
                                uint64_t *n_degenerate, char *err, size_t err_cap)
{
    return locked<double>(c, b, n, m, e, w, bias, out, n_degenerate, err, err_cap);
}

int lv_cuda_bayes_posterior_f32(lv_cuda_ctx *c, uint64_t b, uint32_t n, uint32_t m, const float *e,
                                const float *w, const float *bias, float *out,
                                uint64_t *n_degenerate, char *err, size_t err_cap)
{
    return locked<float>(c, b, n, m, e, w, bias, out, n_degenerate, err, err_cap);
}

void lv_cuda_bayes_release(lv_cuda_ctx *c)
{
    if (c->cublas) (void)cublasDestroy(static_cast<cublasHandle_t>(c->cublas));
    c->cublas = nullptr;
}
