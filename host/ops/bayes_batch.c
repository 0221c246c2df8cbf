/* bayes_batch.c - lv_bayes_posterior_batch(_f32): posterior = row-softmax(E W^T + c), and the
 * helper that builds W and c from a Bernoulli likelihood table.
 *
 * CPU: the observations are cut into row blocks, one pool task each.  Up to
 * LV_BAYES_FUSED_MAX_EV evidence columns the block goes to the fused GEMM + softmax kernels of
 * bayes_fused.c (logits in registers, each posterior written once; see there why).  With more
 * columns the GEMM dominates and CBLAS does it better: a CBLAS GEMM writes the block's logits
 * straight into `out`, then the same thread adds c and normalizes each row while the block is
 * still in its cache (the block is sized to stay in L2), which reads the B x N matrix from memory
 * once instead of three times.
 *
 * Threads: the pool already has one thread per core, so the BLAS must run one thread per call.
 * The build links OpenBLAS's serial variant when it exists (openblas-serial, whose GEMM never
 * starts threads of its own).  If the OpenBLAS loaded at run time is a threaded one
 * (openblas_get_parallel() != 0), nested threading would oversubscribe the cores, so the whole
 * GEMM is then issued once from one thread and left to OpenBLAS's own threads, and only the
 * row normalization runs on the pool. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bayes_cpu.h"
#include "bayes_math.h"
#include "cpu_clones.h"
#include "runtime/context.h"
#include "runtime/error.h"

#ifdef LV_HAVE_OPENBLAS
int openblas_get_parallel(void);
#endif

/* Logit block size target: 512 KiB of out per task (L2 is >= 1 MiB per core on current x86). */
#define BAYES_BLOCK_BYTES ((size_t)512 << 10)

typedef struct bayes_job {
    int f32;
    int gemm_done; /* 1 when the GEMM already ran for all rows (threaded BLAS) */
    int fused;     /* 1: bayes_fused.c's kernels with `packed` and per-worker `scratch` */
    lv_bayes_packed packed;
    void *scratch;
    uint64_t n_obs;
    uint32_t n_hyp, n_ev;
    uint64_t rows_per_task;
    const void *e, *w, *c;
    void *out;
    uint64_t *degenerate; /* per task */
} bayes_job;

/* The CPU row softmax in explicit 4-double vectors (GCC / clang vector extensions: two SSE2
 * registers at the baseline ISA, one in the AVX2 copy; an AVX-512 copy of 8-double vectors
 * measured slower here).  The compiler does not vectorize the
 * selects of a scalar loop by itself (with -ftrapping-math it will not if-convert them), and
 * libm's exp is a call per element: together that was most of the time of the whole batch. */
typedef double bv_d4 __attribute__((vector_size(32)));
typedef int64_t bv_i4 __attribute__((vector_size(32)));
typedef uint64_t bv_u4 __attribute__((vector_size(32)));
typedef float bv_f4 __attribute__((vector_size(16)));

/* where mask: a, else b (mask lanes are all ones or all zeros). */
#define BV_SEL(mask, a, b) ((bv_d4)((((bv_i4)(a)) & (mask)) | (((bv_i4)(b)) & ~(mask))))

/* e = lv_exp_vec(x) in every lane, the same operations in the same order (so the same bits as
 * the scalar function, which does the tails). */
#define BV_EXP(e, x)                                                                               \
    do {                                                                                           \
        const bv_d4 z_ = {0, 0, 0, 0};                                                             \
        const bv_d4 sh_ = z_ + 6755399441055744.0;                                                 \
        bv_d4 xc_ = BV_SEL((x) < -746.0, z_ - 746.0, (x));                                         \
        xc_ = BV_SEL(xc_ > 710.0, z_ + 710.0, xc_);                                                \
        const bv_d4 t_ = xc_ * 1.4426950408889634 + sh_;                                           \
        const bv_d4 kd_ = t_ - sh_;                                                                \
        const bv_d4 r_ =                                                                           \
            (xc_ - kd_ * 6.93147180369123816490e-01) - kd_ * 1.90821492927058770002e-10;           \
        bv_d4 p_ = r_ * (1.0 / 6227020800.0) + 1.0 / 479001600.0;                                  \
        p_ = p_ * r_ + 1.0 / 39916800.0;                                                           \
        p_ = p_ * r_ + 1.0 / 3628800.0;                                                            \
        p_ = p_ * r_ + 1.0 / 362880.0;                                                             \
        p_ = p_ * r_ + 1.0 / 40320.0;                                                              \
        p_ = p_ * r_ + 1.0 / 5040.0;                                                               \
        p_ = p_ * r_ + 1.0 / 720.0;                                                                \
        p_ = p_ * r_ + 1.0 / 120.0;                                                                \
        p_ = p_ * r_ + 1.0 / 24.0;                                                                 \
        p_ = p_ * r_ + 1.0 / 6.0;                                                                  \
        p_ = p_ * r_ + 0.5;                                                                        \
        p_ = p_ * r_ + 1.0;                                                                        \
        p_ = p_ * r_ + 1.0;                                                                        \
        const bv_d4 t1_ = kd_ * 0.5 + sh_;                                                         \
        const bv_d4 t2_ = (kd_ - (t1_ - sh_)) + sh_;                                               \
        const bv_d4 s1_ = (bv_d4)((((bv_u4)t1_) + 1023u) << 52);                                   \
        const bv_d4 s2_ = (bv_d4)((((bv_u4)t2_) + 1023u) << 52);                                   \
        const bv_d4 e_ = p_ * s1_ * s2_;                                                           \
        (e) = BV_SEL((x) < -745.2, z_, e_);                                                        \
    } while (0)

/* x <- softmax(x + c) for one row of n values with bayes_math.h's conventions, equal to
 * lv_row_softmax_d / _f on x + c up to rounding (lv_exp_vec for exp; the sum in 4 lanes, combined
 * in a fixed order: the result depends on the row only).  Rows with an infinite maximum (all
 * -inf / NaN, or some +inf) go to lv_row_softmax_d / _f.  Returns 1 for a degenerate row.
 * T is double or float; the arithmetic is double either way, the float rows round once. */
#define SOFTMAX_ROW(T, LOAD4, STORE4, SCALAR_SOFTMAX)                                              \
    {                                                                                              \
        const bv_d4 zero = {0, 0, 0, 0};                                                           \
        bv_d4 mx = zero - INFINITY;                                                                \
        uint32_t i = 0;                                                                            \
        for (; i + 4 <= n; i += 4) {                                                               \
            bv_d4 v, cv;                                                                           \
            LOAD4(v, x + i);                                                                       \
            LOAD4(cv, c + i);                                                                      \
            v += cv;                                                                               \
            STORE4(x + i, v);                                                                      \
            mx = BV_SEL(v > mx, v, mx); /* NaN compares false: skipped */                          \
        }                                                                                          \
        double m = -INFINITY;                                                                      \
        for (; i < n; i++) {                                                                       \
            x[i] = (T)(x[i] + c[i]);                                                               \
            m = (double)x[i] > m ? (double)x[i] : m;                                               \
        }                                                                                          \
        for (int l = 0; l < 4; l++)                                                                \
            m = mx[l] > m ? mx[l] : m;                                                             \
        if (m == -INFINITY || m == INFINITY) return SCALAR_SOFTMAX(x, n, NULL);                    \
        bv_d4 sum = zero;                                                                          \
        for (i = 0; i + 4 <= n; i += 4) {                                                          \
            bv_d4 v, e;                                                                            \
            LOAD4(v, x + i);                                                                       \
            const bv_d4 d = v - m;                                                                 \
            BV_EXP(e, d);                                                                          \
            e = BV_SEL(v == v, e, zero);                                                           \
            STORE4(x + i, e);                                                                      \
            LOAD4(e, x + i); /* the stored value (rounded, for float rows) */                      \
            sum += e;                                                                              \
        }                                                                                          \
        double s = 0.0;                                                                            \
        for (; i < n; i++) {                                                                       \
            const double v = (double)x[i];                                                         \
            x[i] = (T)(v == v ? lv_exp_vec(v - m) : 0.0);                                          \
            s += (double)x[i];                                                                     \
        }                                                                                          \
        s += (sum[0] + sum[1]) + (sum[2] + sum[3]);                                                \
        const T inv = (T)(1.0 / s); /* s >= 1: the maximum contributes exp(0) */                   \
        for (i = 0; i < n; i++)                                                                    \
            x[i] *= inv;                                                                           \
        return 0;                                                                                  \
    }

#define LOAD4_D(v, p)  memcpy(&(v), (p), sizeof(bv_d4))
#define STORE4_D(p, v) memcpy((p), &(v), sizeof(bv_d4))
#define LOAD4_F(v, p)                                                                              \
    do {                                                                                           \
        bv_f4 f_;                                                                                  \
        memcpy(&f_, (p), sizeof f_);                                                               \
        (v) = __builtin_convertvector(f_, bv_d4);                                                  \
    } while (0)
#define STORE4_F(p, v)                                                                             \
    do {                                                                                           \
        const bv_f4 f_ = __builtin_convertvector((v), bv_f4);                                      \
        memcpy((p), &f_, sizeof f_);                                                               \
    } while (0)

LV_CPU_CLONES static int softmax_row_f64(double *x, const double *c, uint32_t n)
    SOFTMAX_ROW(double, LOAD4_D, STORE4_D, lv_row_softmax_d)

        LV_CPU_CLONES static int softmax_row_f32(float *x, const float *c, uint32_t n)
            SOFTMAX_ROW(float, LOAD4_F, STORE4_F, lv_row_softmax_f)

                static void block_rows_f64(const bayes_job *j, uint64_t r0, uint64_t rows,
                                           uint64_t *deg)
{
    const double *e = j->e, *w = j->w, *c = j->c;
    double *out = (double *)j->out + r0 * j->n_hyp;
    if (!j->gemm_done) {
        if (j->n_ev > 0)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)j->n_hyp,
                        (int)j->n_ev, 1.0, e + r0 * j->n_ev, (int)j->n_ev, w, (int)j->n_ev, 0.0,
                        out, (int)j->n_hyp);
        else
            for (uint64_t k = 0; k < rows * j->n_hyp; k++)
                out[k] = 0.0;
    }
    for (uint64_t r = 0; r < rows; r++) {
        double *x = out + r * j->n_hyp;
        if (softmax_row_f64(x, c, j->n_hyp)) {
            for (uint32_t i = 0; i < j->n_hyp; i++)
                x[i] = 1.0 / j->n_hyp;
            (*deg)++;
        }
    }
}

static void block_rows_f32(const bayes_job *j, uint64_t r0, uint64_t rows, uint64_t *deg)
{
    const float *e = j->e, *w = j->w, *c = j->c;
    float *out = (float *)j->out + r0 * j->n_hyp;
    if (!j->gemm_done) {
        if (j->n_ev > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)j->n_hyp,
                        (int)j->n_ev, 1.0f, e + r0 * j->n_ev, (int)j->n_ev, w, (int)j->n_ev, 0.0f,
                        out, (int)j->n_hyp);
        else
            for (uint64_t k = 0; k < rows * j->n_hyp; k++)
                out[k] = 0.0f;
    }
    for (uint64_t r = 0; r < rows; r++) {
        float *x = out + r * j->n_hyp;
        if (softmax_row_f32(x, c, j->n_hyp)) {
            for (uint32_t i = 0; i < j->n_hyp; i++)
                x[i] = 1.0f / (float)j->n_hyp;
            (*deg)++;
        }
    }
}

static lv_status bayes_task(void *arg, size_t task, uint32_t worker)
{
    const bayes_job *j = arg;
    const uint64_t r0 = (uint64_t)task * j->rows_per_task;
    const uint64_t rows = j->n_obs - r0 < j->rows_per_task ? j->n_obs - r0 : j->rows_per_task;
    if (j->fused) {
        const size_t ss = (size_t)(LV_BAYES_FUSED_MR + 1) * j->packed.n_pad;
        if (j->f32)
            j->degenerate[task] = lv_bayes_fused_rows_f32(
                &j->packed, (const float *)j->e + r0 * j->n_ev, rows,
                (float *)j->scratch + worker * ss, (float *)j->out + r0 * j->n_hyp);
        else
            j->degenerate[task] = lv_bayes_fused_rows_f64(
                &j->packed, (const double *)j->e + r0 * j->n_ev, rows,
                (double *)j->scratch + worker * ss, (double *)j->out + r0 * j->n_hyp);
    } else if (j->f32)
        block_rows_f32(j, r0, rows, &j->degenerate[task]);
    else
        block_rows_f64(j, r0, rows, &j->degenerate[task]);
    return LV_OK;
}

/* Runtime check of the BLAS's own threading (see the file comment). */
static int blas_is_threaded(void)
{
#ifdef LV_HAVE_OPENBLAS
    return openblas_get_parallel() != 0;
#else
    return 0;
#endif
}

/* The fused path's packed weights and one scratch block per pool worker. */
static lv_status fused_setup(lv_context *ctx, bayes_job *j)
{
    if (j->f32)
        FORWARD_IF_ERROR(lv_bayes_pack_f32(j->w, j->c, j->n_hyp, j->n_ev, &j->packed));
    else
        FORWARD_IF_ERROR(lv_bayes_pack_f64(j->w, j->c, j->n_hyp, j->n_ev, &j->packed));
    /* Streaming stores pay off once out is well beyond the last-level cache (a few MiB per core
     * on current x86); below that a caller's next pass reads out from cache. */
    j->packed.stream = (double)j->n_obs * j->n_hyp * (j->f32 ? 4 : 8) > 32.0 * (1 << 20);
    const size_t bytes = (size_t)lv_pool_size(ctx->pool) * (LV_BAYES_FUSED_MR + 1) *
                         j->packed.n_pad * (j->f32 ? sizeof(float) : sizeof(double));
    j->scratch = malloc(bytes);
    if (!j->scratch) lv_bayes_packed_free(&j->packed);
    RETURN_IF_NULL_ALLOC(j->scratch, bytes);
    j->fused = 1;
    return LV_OK;
}

static lv_status run_cpu(lv_context *ctx, bayes_job *j, lv_bayes_cpu_path path,
                         uint64_t *n_degenerate)
{
    const size_t elem = j->f32 ? sizeof(float) : sizeof(double);
    uint64_t rows = BAYES_BLOCK_BYTES / ((uint64_t)j->n_hyp * elem);
    if (rows < 1) rows = 1;
    /* At least one task per thread, so small batches still use every core. */
    const uint64_t even = (j->n_obs + ctx->n_threads - 1) / ctx->n_threads;
    if (rows > even) rows = even;
    if (path == LV_BAYES_CPU_AUTO)
        path = j->n_ev <= LV_BAYES_FUSED_MAX_EV ? LV_BAYES_CPU_FUSED : LV_BAYES_CPU_CBLAS;
    if (path == LV_BAYES_CPU_FUSED) {
        FORWARD_IF_ERROR(fused_setup(ctx, j));
        rows = (rows + LV_BAYES_FUSED_MR - 1) / LV_BAYES_FUSED_MR * LV_BAYES_FUSED_MR;
    }
    j->rows_per_task = rows;
    const size_t n_tasks = (size_t)((j->n_obs + rows - 1) / rows);
    j->degenerate = calloc(n_tasks, sizeof *j->degenerate);
    if (!j->degenerate && j->fused) free(j->scratch), lv_bayes_packed_free(&j->packed);
    RETURN_IF_NULL_ALLOC(j->degenerate, n_tasks * sizeof *j->degenerate);

    if (!j->fused && blas_is_threaded() && j->n_ev > 0) {
        const int n = (int)j->n_hyp, m = (int)j->n_ev;
        if (j->f32)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)j->n_obs, n, m, 1.0f, j->e, m,
                        j->w, m, 0.0f, j->out, n);
        else
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)j->n_obs, n, m, 1.0, j->e, m,
                        j->w, m, 0.0, j->out, n);
        j->gemm_done = 1;
    }
    lv_status st = lv_context_parallel(ctx, n_tasks, bayes_task, j);
    uint64_t deg = 0;
    for (size_t t = 0; t < n_tasks; t++)
        deg += j->degenerate[t];
    free(j->degenerate);
    if (j->fused) free(j->scratch), lv_bayes_packed_free(&j->packed);
    if (st == LV_OK && n_degenerate) *n_degenerate = deg;
    return st;
}

/* Checks shared by both precisions; `fin` tells whether element k of an array is finite. */
#define CHECK_FINITE(arr, count, what, allow_neg_inf)                                              \
    for (uint64_t k_ = 0; k_ < (count); k_++) {                                                    \
        const double v_ = (double)(arr)[k_];                                                       \
        RETURN_ERROR_IF(!(isfinite(v_) || ((allow_neg_inf) && v_ == -INFINITY)),                   \
                        LV_ERR_INVALID_ARGUMENT, "%s: %s[%llu] is %g (must be finite%s)", fn,      \
                        what, (unsigned long long)k_, v_, (allow_neg_inf) ? " or -inf" : "");      \
    }

lv_status lv_bayes_batch_path(lv_context *ctx, int f32, lv_bayes_cpu_path path, uint64_t n_obs,
                              uint32_t n_hyp, uint32_t n_ev, const void *e, const void *w,
                              const void *c, void *out, uint64_t *n_degenerate)
{
    const char *fn = f32 ? "lv_bayes_posterior_batch_f32" : "lv_bayes_posterior_batch";
    RETURN_ERROR_IF(ctx == NULL, LV_ERR_INVALID_ARGUMENT, "%s: ctx is NULL", fn);
    if (n_obs == 0) {
        if (n_degenerate) *n_degenerate = 0;
        return LV_OK;
    }
    RETURN_ERROR_IF(n_hyp == 0, LV_ERR_INVALID_ARGUMENT, "%s: n_hypotheses is 0", fn);
    RETURN_ERROR_IF(out == NULL || c == NULL || (n_ev > 0 && (e == NULL || w == NULL)),
                    LV_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                    out == NULL ? "out"
                    : c == NULL ? "bias"
                    : e == NULL ? "evidence"
                                : "weights");
    RETURN_ERROR_IF(n_obs > INT32_MAX || n_hyp > INT32_MAX || n_ev > INT32_MAX,
                    LV_ERR_INVALID_ARGUMENT,
                    "%s: dimensions %llu x %u x %u exceed the BLAS's 32-bit sizes", fn,
                    (unsigned long long)n_obs, n_hyp, n_ev);
    RETURN_ERROR_IF(n_obs > SIZE_MAX / n_hyp / 8, LV_ERR_INVALID_ARGUMENT,
                    "%s: %llu x %u outputs exceed the address space", fn, (unsigned long long)n_obs,
                    n_hyp);
    if (f32) {
        CHECK_FINITE((const float *)e, n_obs * n_ev, "evidence", 0);
        CHECK_FINITE((const float *)w, (uint64_t)n_hyp * n_ev, "weights", 0);
        CHECK_FINITE((const float *)c, n_hyp, "bias", 1);
    } else {
        CHECK_FINITE((const double *)e, n_obs * n_ev, "evidence", 0);
        CHECK_FINITE((const double *)w, (uint64_t)n_hyp * n_ev, "weights", 0);
        CHECK_FINITE((const double *)c, n_hyp, "bias", 1);
    }

    if (ctx->device == LV_DEVICE_CUDA) {
        char err[512] = "";
        uint64_t deg = 0;
        int st = f32 ? ctx->cuda->bayes_posterior_f32(ctx->cuda_ctx, n_obs, n_hyp, n_ev, e, w, c,
                                                      out, &deg, err, sizeof err)
                     : ctx->cuda->bayes_posterior_f64(ctx->cuda_ctx, n_obs, n_hyp, n_ev, e, w, c,
                                                      out, &deg, err, sizeof err);
        RETURN_ERROR_IF(st != LV_OK, (lv_status)st, "%s on %s: %s", fn, ctx->backend_name, err);
        if (n_degenerate) *n_degenerate = deg;
        return LV_OK;
    }
    bayes_job j = {.f32 = f32,
                   .n_obs = n_obs,
                   .n_hyp = n_hyp,
                   .n_ev = n_ev,
                   .e = e,
                   .w = w,
                   .c = c,
                   .out = out};
    return run_cpu(ctx, &j, path, n_degenerate);
}

LV_API lv_status lv_bayes_posterior_batch(lv_context *ctx, uint64_t n_observations,
                                          uint32_t n_hypotheses, uint32_t n_evidence,
                                          const double *evidence, const double *weights,
                                          const double *bias, double *out, uint64_t *n_degenerate)
{
    return lv_bayes_batch_path(ctx, 0, LV_BAYES_CPU_AUTO, n_observations, n_hypotheses, n_evidence,
                               evidence, weights, bias, out, n_degenerate);
}

LV_API lv_status lv_bayes_posterior_batch_f32(lv_context *ctx, uint64_t n_observations,
                                              uint32_t n_hypotheses, uint32_t n_evidence,
                                              const float *evidence, const float *weights,
                                              const float *bias, float *out, uint64_t *n_degenerate)
{
    return lv_bayes_batch_path(ctx, 1, LV_BAYES_CPU_AUTO, n_observations, n_hypotheses, n_evidence,
                               evidence, weights, bias, out, n_degenerate);
}

LV_API lv_status lv_bayes_weights_from_bernoulli(uint32_t n_hypotheses, uint32_t n_evidence,
                                                 const double *p, const double *prior,
                                                 double *weights, double *bias)
{
    const char *fn = "lv_bayes_weights_from_bernoulli";
    RETURN_ERROR_IF(n_hypotheses == 0, LV_ERR_INVALID_ARGUMENT, "%s: n_hypotheses is 0", fn);
    RETURN_ERROR_IF(bias == NULL || (n_evidence > 0 && (p == NULL || weights == NULL)),
                    LV_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                    bias == NULL ? "bias"
                    : p == NULL  ? "p"
                                 : "weights");
    for (uint64_t k = 0; k < (uint64_t)n_hypotheses * n_evidence; k++)
        RETURN_ERROR_IF(!(p[k] >= 0.0 && p[k] <= 1.0), LV_ERR_INVALID_ARGUMENT,
                        "%s: p[%llu] (hypothesis %llu, evidence %llu) is %g, not a probability", fn,
                        (unsigned long long)k, (unsigned long long)(k / n_evidence),
                        (unsigned long long)(k % n_evidence), p[k]);
    double prior_sum = 0.0;
    if (prior) {
        for (uint32_t i = 0; i < n_hypotheses; i++) {
            RETURN_ERROR_IF(!(prior[i] >= 0.0 && prior[i] < INFINITY), LV_ERR_INVALID_ARGUMENT,
                            "%s: prior[%u] is %g; priors must be finite and >= 0", fn, i, prior[i]);
            prior_sum += prior[i];
        }
        RETURN_ERROR_IF(!(prior_sum > 0.0), LV_ERR_INVALID_ARGUMENT, "%s: the priors sum to 0", fn);
    }
    for (uint32_t i = 0; i < n_hypotheses; i++) {
        double b = prior ? log(prior[i] / prior_sum) : -log((double)n_hypotheses);
        for (uint32_t j = 0; j < n_evidence; j++) {
            double wij, cij;
            lv_bernoulli_terms(p[(uint64_t)i * n_evidence + j], 1e-12, &wij, &cij);
            weights[(uint64_t)i * n_evidence + j] = wij;
            b += cij;
        }
        bias[i] = b;
    }
    lv_error_clear();
    return LV_OK;
}
