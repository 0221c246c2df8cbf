/* bayes_fused.c - the CPU batch posterior for small n_evidence: a register-blocked GEMM fused
 * with the row softmax.
 *
 * Why it exists: with K = n_evidence ~ 50 the GEMM is only 2K flops per output, so the batch is
 * dominated by what happens around it.  The CBLAS route zeroes C (a pass over memory), writes the
 * B x N logits, and the softmax reads and writes them twice more; its exp was half the time.
 * Here one thread takes MR observations at a time, computes their MR x n_hyp logits tile by tile
 * in registers (MR x NR accumulators, W packed into k-major panels of NR hypotheses that stay in
 * L1), adds the bias and tracks each row's maximum while the tile is hot, keeps the rows in a
 * small scratch (MR x n_pad values, L1/L2), exponentiates them into one more scratch row, and
 * writes each posterior row to `out` exactly once (streaming stores when out is large).  float32
 * is the same with 4 x 24 tiles and the exponentials in float (8 lanes).
 *
 * Measured on Zen 2, 10,000 x 1,000 x 50, one thread: f64 77 -> 37 ms, f32 71 -> 20 ms; the k
 * loop runs at the core's FMA peak (about half of the f64 time), the exp loop is the next cost.
 *
 * Rounding: this file is compiled with -ffp-contract=fast, and its kernels are cloned for
 * x86-64-v3 (AVX2 + FMA; LV_CPU_CLONES_FMA), so the multiply-adds of the GEMM and of the exp
 * polynomial are fused there (half the instructions).  Results therefore differ by rounding
 * between CPUs with and without FMA, as any BLAS's GEMM does; on one machine they are the same
 * for every thread count and row split (each output depends only on its row: the k sum runs in
 * order 0..K-1 in one accumulator, the row sum in a fixed lane order).  The logits are the same
 * float64 dot products as DGEMM's, so the result stays within ~1e-12 of a float64 reference. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h> /* streaming stores (SSE2: the x86-64 baseline) */
#else
#define _mm_sfence() ((void)0) /* elsewhere: plain stores (stream is ignored) */
#endif

#include "bayes_cpu.h"
#include "bayes_math.h"
#include "cpu_clones.h"
#include "runtime/error.h"

#define MR     LV_BAYES_FUSED_MR
#define NR64   LV_BAYES_FUSED_NR_F64
#define NR32   LV_BAYES_FUSED_NR_F32
#define ALWAYS static inline __attribute__((always_inline))

typedef double fd4 __attribute__((vector_size(32)));
typedef int64_t fi4 __attribute__((vector_size(32)));
typedef uint64_t fu4 __attribute__((vector_size(32)));
typedef float ff8 __attribute__((vector_size(32)));
typedef int32_t fi8 __attribute__((vector_size(32)));
typedef uint32_t fu8 __attribute__((vector_size(32)));

/* where mask: a, else b (lanes of mask all ones or all zeros). */
#define SEL_D(mask, a, b) ((fd4)((((fi4)(a)) & (mask)) | (((fi4)(b)) & ~(mask))))
#define SEL_F(mask, a, b) ((ff8)((((fi8)(a)) & (mask)) | (((fi8)(b)) & ~(mask))))

#define LD_D(v, p) memcpy(&(v), (p), sizeof(fd4))
#define ST_D(p, v) memcpy((p), &(v), sizeof(fd4))
#define LD_F(v, p) memcpy(&(v), (p), sizeof(ff8))
#define ST_F(p, v) memcpy((p), &(v), sizeof(ff8))

/* exp in 4 double lanes for x = logit - row maximum (<= 0, -inf or NaN), in two variants that
 * share lv_exp_vec's reduction (k = round(x / ln 2) from the rounding constant 1.5 * 2^52,
 * r = x - k ln 2, |r| <= ln 2 / 2) and Taylor polynomial, cut to what the stated ~1e-12 needs:
 *   FX_EXP_FAST: 2^k is added to the polynomial's exponent bits (two integer operations), right
 *     for results in the normal range, x >= -707.5; other lanes are garbage (callers mask them).
 *   FX_EXP: lv_exp_vec's clamp and 2^k in two halves, right down to the subnormals and 0.
 * Each multiply-add of this loop cost about a cycle (measured), so it has as few as the accuracy
 * allows: degree 11 (truncation < 7e-15 relative at |r| = ln 2 / 2) instead of 13, and one
 * multiply-add for r with ln 2 rounded to double (error |k| * 2.3e-17 <= 2.5e-14 relative, for
 * |k| <= 1075; without FMA the rounded product adds <= 8e-14).  The polynomial is in Estrin's
 * form: Horner's dependent multiply-adds were a latency chain that out-of-order execution could
 * not hide (the first version of this loop ran at a third of its throughput). */
#define FX_EXP_POLY(p_, t_, kd_, x)                                                                \
    const fd4 sh_ = (fd4){0, 0, 0, 0} + 6755399441055744.0; /* 1.5 * 2^52 */                       \
    const fd4 t_ = (x)*1.4426950408889634 + sh_;                                                   \
    const fd4 kd_ = t_ - sh_;                                                                      \
    const fd4 r_ = (x)-kd_ * 6.93147180559945309417e-01;                                           \
    const fd4 r2_ = r_ * r_, r4_ = r2_ * r2_, r8_ = r4_ * r4_;                                     \
    const fd4 q0_ = r_ + 1.0;                                                                      \
    const fd4 q1_ = r_ * (1.0 / 6.0) + 0.5;                                                        \
    const fd4 q2_ = r_ * (1.0 / 120.0) + 1.0 / 24.0;                                               \
    const fd4 q3_ = r_ * (1.0 / 5040.0) + 1.0 / 720.0;                                             \
    const fd4 q4_ = r_ * (1.0 / 362880.0) + 1.0 / 40320.0;                                         \
    const fd4 q5_ = r_ * (1.0 / 39916800.0) + 1.0 / 3628800.0;                                     \
    const fd4 s0_ = q1_ * r2_ + q0_, s1_ = q3_ * r2_ + q2_, s2_ = q5_ * r2_ + q4_;                 \
    const fd4 u0_ = s1_ * r4_ + s0_;                                                               \
    const fd4 p_ = s2_ * r8_ + u0_

#define FX_EXP_FAST(e, x)                                                                          \
    do {                                                                                           \
        FX_EXP_POLY(p_, t_, kd_, x);                                                               \
        (void)kd_;                                                                                 \
        /* t's low bits hold k (its bias term shifts out): p * 2^k without a multiply */           \
        (e) = (fd4)((fu4)p_ + ((fu4)t_ << 52));                                                    \
    } while (0)

#define FX_EXP(e, x)                                                                               \
    do {                                                                                           \
        const fd4 z_ = {0, 0, 0, 0};                                                               \
        const fd4 xc_ = SEL_D((x) < -746.0, z_ - 746.0, (x)); /* keeps k in range */               \
        FX_EXP_POLY(p_, t_, kd_, xc_);                                                             \
        (void)t_;                                                                                  \
        const fd4 t1_ = kd_ * 0.5 + sh_; /* k1 = round(k / 2), k2 = k - k1 */                      \
        const fd4 t2_ = (kd_ - (t1_ - sh_)) + sh_;                                                 \
        const fd4 e1_ = (fd4)((((fu4)t1_) + 1023u) << 52);                                         \
        const fd4 e2_ = (fd4)((((fu4)t2_) + 1023u) << 52);                                         \
        (e) = SEL_D((x) < -745.2, z_, p_ * e1_ * e2_);                                             \
    } while (0)

/* ---- float64 ------------------------------------------------------------------------------ */

/* One MR x NR64 tile: s_i[0..NR64) = e_i . panel + cp, mx_i = max(mx_i, those) (NaN skipped).
 * The k loop keeps 12 accumulators in registers (AVX2: 12 of the 16 ymm). */
ALWAYS void tile_f64(const double *const *er, const double *wp, uint32_t k_n, const double *cp,
                     double *const *sr, uint32_t col, fd4 *mx)
{
    const fd4 z = {0, 0, 0, 0};
    fd4 a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z;
    fd4 a20 = z, a21 = z, a22 = z, a30 = z, a31 = z, a32 = z;
    const double *e0 = er[0], *e1 = er[1], *e2 = er[2], *e3 = er[3];
    for (uint32_t k = 0; k < k_n; k++, wp += NR64) {
        fd4 w0, w1, w2;
        LD_D(w0, wp);
        LD_D(w1, wp + 4);
        LD_D(w2, wp + 8);
        const double b0 = e0[k], b1 = e1[k], b2 = e2[k], b3 = e3[k];
        a00 += b0 * w0, a01 += b0 * w1, a02 += b0 * w2;
        a10 += b1 * w0, a11 += b1 * w1, a12 += b1 * w2;
        a20 += b2 * w0, a21 += b2 * w1, a22 += b2 * w2;
        a30 += b3 * w0, a31 += b3 * w1, a32 += b3 * w2;
    }
    fd4 c0, c1, c2;
    LD_D(c0, cp);
    LD_D(c1, cp + 4);
    LD_D(c2, cp + 8);
#define ROW_OUT(i, x0, x1, x2)                                                                     \
    do {                                                                                           \
        const fd4 v0 = x0 + c0, v1 = x1 + c1, v2 = x2 + c2;                                        \
        ST_D(sr[i] + col, v0);                                                                     \
        ST_D(sr[i] + col + 4, v1);                                                                 \
        ST_D(sr[i] + col + 8, v2);                                                                 \
        fd4 m_ = mx[i];                                                                            \
        m_ = SEL_D(v0 > m_, v0, m_);                                                               \
        m_ = SEL_D(v1 > m_, v1, m_);                                                               \
        mx[i] = SEL_D(v2 > m_, v2, m_);                                                            \
    } while (0)
    ROW_OUT(0, a00, a01, a02);
    ROW_OUT(1, a10, a11, a12);
    ROW_OUT(2, a20, a21, a22);
    ROW_OUT(3, a30, a31, a32);
#undef ROW_OUT
}

/* out[0..n) = softmax of the scratch row s (n_pad logits, padding -inf) whose maximum is m; x is
 * n_pad values of room for the exponentials.  Returns 1 for a degenerate row (out = 1/n). */
ALWAYS int softmax_out_f64(const double *s, double *x, uint32_t n_pad, uint32_t n, double m,
                           double *out, int stream)
{
    if (m == -INFINITY || m == INFINITY) { /* all -inf/NaN, or +inf logits: the scalar rules */
        memcpy(out, s, (size_t)n * sizeof *out);
        if (!lv_row_softmax_d(out, n, NULL)) return 0;
        for (uint32_t i = 0; i < n; i++)
            out[i] = 1.0 / n;
        return 1;
    }
    const fd4 z = {0, 0, 0, 0};
    fd4 sum0 = z, sum1 = z;
    fi4 sub = {0, 0, 0, 0};
    uint32_t i;
    /* ok: false for NaN (NaN logits count as -inf), -inf and underflow: posterior 0.  sub: a
     * subnormal result, which needs FX_EXP.  Two vectors and two sums per step: more
     * independent work in flight. */
#define FAST_STEP(j, sum)                                                                          \
    do {                                                                                           \
        fd4 v, d, e;                                                                               \
        LD_D(v, s + (j));                                                                          \
        d = v - m;                                                                                 \
        const fi4 ok = d >= -745.2;                                                                \
        sub |= ok & (d < -707.5);                                                                  \
        FX_EXP_FAST(e, d);                                                                         \
        e = (fd4)((fi4)e & ok);                                                                    \
        ST_D(x + (j), e);                                                                          \
        sum += e;                                                                                  \
    } while (0)
    for (i = 0; i + 8 <= n_pad; i += 8) {
        FAST_STEP(i, sum0);
        FAST_STEP(i + 4, sum1);
    }
    if (i < n_pad) FAST_STEP(i, sum0);
#undef FAST_STEP
    sum0 += sum1;
    if (sub[0] | sub[1] | sub[2] | sub[3]) { /* rare: logits spread over > 707 nats */
        sum0 = z;
        for (i = 0; i < n_pad; i += 4) {
            fd4 v, d, e;
            LD_D(v, s + i);
            d = v - m;
            FX_EXP(e, d);
            e = SEL_D(v == v, e, z);
            ST_D(x + i, e);
            sum0 += e;
        }
    }
    const double inv = 1.0 / ((sum0[0] + sum0[1]) + (sum0[2] + sum0[3])); /* sum >= 1 */
    i = 0;
#ifdef __SSE2__
    if (stream) {
        /* Streaming stores skip the read-for-ownership of out's lines: out is far larger than
         * the caches here, and is written once. */
        if (((uintptr_t)out & 15) && n > 0) out[0] = x[0] * inv, i = 1;
        for (; i + 2 <= n; i += 2)
            _mm_stream_pd(out + i, _mm_mul_pd(_mm_loadu_pd(x + i), _mm_set1_pd(inv)));
    } else
#endif
    {
        for (; i + 4 <= n; i += 4) {
            fd4 v;
            LD_D(v, x + i);
            v *= inv;
            ST_D(out + i, v);
        }
    }
    for (; i < n; i++)
        out[i] = x[i] * inv;
    return 0;
}

LV_CPU_CLONES_FMA uint64_t lv_bayes_fused_rows_f64(const lv_bayes_packed *p, const double *e,
                                                   uint64_t rows, double *scratch, double *out)
{
    static const double no_evidence[1] = {0.0}; /* e may be NULL when n_ev = 0 */
    const uint32_t k_n = p->n_ev, n = p->n_hyp, n_pad = p->n_pad;
    const double *wp = p->wp, *cp = p->cp;
    uint64_t deg = 0;
    for (uint64_t r0 = 0; r0 < rows; r0 += MR) {
        const uint32_t nr = rows - r0 < MR ? (uint32_t)(rows - r0) : MR;
        const double *er[MR];
        double *sr[MR];
        fd4 mx[MR];
        for (uint32_t i = 0; i < MR; i++) {
            /* Rows past the end repeat the last one (computed, not written). */
            er[i] = k_n ? e + (r0 + (i < nr ? i : nr - 1)) * k_n : no_evidence;
            sr[i] = scratch + (size_t)i * n_pad;
            mx[i] = (fd4){0, 0, 0, 0} - INFINITY;
        }
        for (uint32_t col = 0; col < n_pad; col += NR64)
            tile_f64(er, wp + (size_t)col * k_n, k_n, cp + col, sr, col, mx);
        for (uint32_t i = 0; i < nr; i++) {
            double m = -INFINITY;
            for (int l = 0; l < 4; l++)
                m = mx[i][l] > m ? mx[i][l] : m;
            deg += (uint64_t)softmax_out_f64(sr[i], scratch + (size_t)MR * n_pad, n_pad, n, m,
                                             out + (r0 + i) * n, p->stream);
        }
    }
    if (p->stream) _mm_sfence(); /* the streamed rows are visible before the task is done */
    return deg;
}

/* ---- float32 ------------------------------------------------------------------------------ */

ALWAYS void tile_f32(const float *const *er, const float *wp, uint32_t k_n, const float *cp,
                     float *const *sr, uint32_t col, ff8 *mx)
{
    const ff8 z = {0, 0, 0, 0, 0, 0, 0, 0};
    ff8 a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z;
    ff8 a20 = z, a21 = z, a22 = z, a30 = z, a31 = z, a32 = z;
    const float *e0 = er[0], *e1 = er[1], *e2 = er[2], *e3 = er[3];
    for (uint32_t k = 0; k < k_n; k++, wp += NR32) {
        ff8 w0, w1, w2;
        LD_F(w0, wp);
        LD_F(w1, wp + 8);
        LD_F(w2, wp + 16);
        const float b0 = e0[k], b1 = e1[k], b2 = e2[k], b3 = e3[k];
        a00 += b0 * w0, a01 += b0 * w1, a02 += b0 * w2;
        a10 += b1 * w0, a11 += b1 * w1, a12 += b1 * w2;
        a20 += b2 * w0, a21 += b2 * w1, a22 += b2 * w2;
        a30 += b3 * w0, a31 += b3 * w1, a32 += b3 * w2;
    }
    ff8 c0, c1, c2;
    LD_F(c0, cp);
    LD_F(c1, cp + 8);
    LD_F(c2, cp + 16);
#define ROW_OUT(i, x0, x1, x2)                                                                     \
    do {                                                                                           \
        const ff8 v0 = x0 + c0, v1 = x1 + c1, v2 = x2 + c2;                                        \
        ST_F(sr[i] + col, v0);                                                                     \
        ST_F(sr[i] + col + 8, v1);                                                                 \
        ST_F(sr[i] + col + 16, v2);                                                                \
        ff8 m_ = mx[i];                                                                            \
        m_ = SEL_F(v0 > m_, v0, m_);                                                               \
        m_ = SEL_F(v1 > m_, v1, m_);                                                               \
        mx[i] = SEL_F(v2 > m_, v2, m_);                                                            \
    } while (0)
    ROW_OUT(0, a00, a01, a02);
    ROW_OUT(1, a10, a11, a12);
    ROW_OUT(2, a20, a21, a22);
    ROW_OUT(3, a30, a31, a32);
#undef ROW_OUT
}

/* expf in 8 float lanes for x = logit - row maximum (<= 0, -inf or NaN): Cephes expf (Cody-Waite
 * reduction with k = round(x / ln 2), |r| <= ln 2 / 2, its degree-7 polynomial, < 1 ulp apart
 * from the rounding of x), the inner polynomial in Estrin form for latency as in FX_EXP_POLY.
 * FX_EXPF_FAST adds k to the exponent bits, right for normal results (x >= -86.5); FX_EXPF
 * clamps and applies 2^k in two halves, right down to the subnormals and 0. */
#define FX_EXPF_POLY(p_, t_, kd_, x)                                                               \
    const ff8 sh_ = (ff8){0, 0, 0, 0, 0, 0, 0, 0} + 12582912.0f; /* 1.5 * 2^23 */                  \
    const ff8 t_ = (x)*1.44269504088896341f + sh_;                                                 \
    const ff8 kd_ = t_ - sh_;                                                                      \
    const ff8 r_ = ((x)-kd_ * 0.693359375f) - kd_ * -2.12194440e-4f;                               \
    const ff8 r2_ = r_ * r_;                                                                       \
    const ff8 a_ = r_ * 1.6666665459e-1f + 5.0000001201e-1f;                                       \
    const ff8 b_ = r_ * 8.3334519073e-3f + 4.1665795894e-2f;                                       \
    const ff8 c_ = r_ * 1.9875691500e-4f + 1.3981999507e-3f;                                       \
    const ff8 q_ = (c_ * r2_ + b_) * r2_ + a_;                                                     \
    const ff8 p_ = (q_ * r2_ + r_) + 1.0f

#define FX_EXPF_FAST(e, x)                                                                         \
    do {                                                                                           \
        FX_EXPF_POLY(p_, t_, kd_, x);                                                              \
        (void)kd_;                                                                                 \
        (e) = (ff8)((fu8)p_ + ((fu8)t_ << 23)); /* unsigned: wraps, no UB */                       \
    } while (0)

#define FX_EXPF(e, x)                                                                              \
    do {                                                                                           \
        const ff8 z_ = {0, 0, 0, 0, 0, 0, 0, 0};                                                   \
        const ff8 xc_ = SEL_F((x) < -110.0f, z_ - 110.0f, (x));                                    \
        FX_EXPF_POLY(p_, t_, kd_, xc_);                                                            \
        (void)t_;                                                                                  \
        const ff8 t1_ = kd_ * 0.5f + sh_;                                                          \
        const ff8 t2_ = (kd_ - (t1_ - sh_)) + sh_;                                                 \
        const ff8 e1_ = (ff8)((((fu8)t1_) + 127u) << 23);                                          \
        const ff8 e2_ = (ff8)((((fu8)t2_) + 127u) << 23);                                          \
        (e) = SEL_F((x) < -104.0f, z_, p_ * e1_ * e2_);                                            \
    } while (0)

/* Adds the 8 floats of e, widened, to the double sums s0 (lanes 0-3) and s1 (4-7).  (Halves
 * extracted through memcpy compiled to stores and inserts that took most of the loop, and an
 * 8-double vector to spills.) */
#define SUM_WIDE(s0, s1, e)                                                                        \
    do {                                                                                           \
        (s0) += __builtin_convertvector(__builtin_shufflevector((e), (e), 0, 1, 2, 3), fd4);       \
        (s1) += __builtin_convertvector(__builtin_shufflevector((e), (e), 4, 5, 6, 7), fd4);       \
    } while (0)

/* The float row: the exponentials in float, 8 lanes (< 2 ulp), summed in double as
 * lv_row_softmax_f does; x: n_pad floats of room for them. */
ALWAYS int softmax_out_f32(const float *s, float *x, uint32_t n_pad, uint32_t n, double m,
                           float *out, int stream)
{
    if (m == -INFINITY || m == INFINITY) {
        memcpy(out, s, (size_t)n * sizeof *out);
        if (!lv_row_softmax_f(out, n, NULL)) return 0;
        for (uint32_t i = 0; i < n; i++)
            out[i] = 1.0f / (float)n;
        return 1;
    }
    const float mf = (float)m; /* m is a float logit */
    const ff8 zf = {0, 0, 0, 0, 0, 0, 0, 0};
    const fd4 z = {0, 0, 0, 0};
    fd4 sum0 = z, sum1 = z;
    fi8 sub = {0, 0, 0, 0, 0, 0, 0, 0};
    /* n_pad is a multiple of 24: three vectors per step, their float sum widened once (GCC
     * widens float vectors slowly; a float sum of 3 terms adds < 2 float roundings). */
#define FAST_STEP(j, e)                                                                            \
    do {                                                                                           \
        ff8 v, d;                                                                                  \
        LD_F(v, s + (j));                                                                          \
        d = v - mf;                                                                                \
        const fi8 ok = d >= -104.0f; /* false for NaN, -inf and underflow */                       \
        sub |= ok & (d < -86.5f);    /* a subnormal result: the row needs FX_EXPF */               \
        FX_EXPF_FAST(e, d);                                                                        \
        e = (ff8)((fi8)e & ok);                                                                    \
        ST_F(x + (j), e);                                                                          \
    } while (0)
#define SLOW_STEP(j, e)                                                                            \
    do {                                                                                           \
        ff8 v, d;                                                                                  \
        LD_F(v, s + (j));                                                                          \
        d = v - mf;                                                                                \
        FX_EXPF(e, d);                                                                             \
        e = SEL_F(v == v, e, zf);                                                                  \
        ST_F(x + (j), e);                                                                          \
    } while (0)
    for (uint32_t i = 0; i < n_pad; i += 24) {
        ff8 e0, e1, e2;
        FAST_STEP(i, e0);
        FAST_STEP(i + 8, e1);
        FAST_STEP(i + 16, e2);
        const ff8 es = (e0 + e1) + e2;
        SUM_WIDE(sum0, sum1, es);
    }
    if ((sub[0] | sub[1] | sub[2] | sub[3]) | (sub[4] | sub[5] | sub[6] | sub[7])) {
        sum0 = sum1 = z;
        for (uint32_t i = 0; i < n_pad; i += 24) {
            ff8 e0, e1, e2;
            SLOW_STEP(i, e0);
            SLOW_STEP(i + 8, e1);
            SLOW_STEP(i + 16, e2);
            const ff8 es = (e0 + e1) + e2;
            SUM_WIDE(sum0, sum1, es);
        }
    }
#undef FAST_STEP
#undef SLOW_STEP
    sum0 += sum1;
    const float inv = (float)(1.0 / ((sum0[0] + sum0[1]) + (sum0[2] + sum0[3])));
    uint32_t i = 0;
#ifdef __SSE2__
    if (stream) {
        for (; ((uintptr_t)(out + i) & 15) && i < n; i++)
            out[i] = x[i] * inv;
        for (; i + 4 <= n; i += 4)
            _mm_stream_ps(out + i, _mm_mul_ps(_mm_loadu_ps(x + i), _mm_set1_ps(inv)));
    } else
#endif
    {
        for (; i + 8 <= n; i += 8) {
            ff8 v;
            LD_F(v, x + i);
            v *= inv;
            ST_F(out + i, v);
        }
    }
    for (; i < n; i++)
        out[i] = x[i] * inv;
    return 0;
}

LV_CPU_CLONES_FMA uint64_t lv_bayes_fused_rows_f32(const lv_bayes_packed *p, const float *e,
                                                   uint64_t rows, float *scratch, float *out)
{
    static const float no_evidence[1] = {0.0f};
    const uint32_t k_n = p->n_ev, n = p->n_hyp, n_pad = p->n_pad;
    const float *wp = p->wp, *cp = p->cp;
    uint64_t deg = 0;
    for (uint64_t r0 = 0; r0 < rows; r0 += MR) {
        const uint32_t nr = rows - r0 < MR ? (uint32_t)(rows - r0) : MR;
        const float *er[MR];
        float *sr[MR];
        ff8 mx[MR];
        for (uint32_t i = 0; i < MR; i++) {
            er[i] = k_n ? e + (r0 + (i < nr ? i : nr - 1)) * k_n : no_evidence;
            sr[i] = scratch + (size_t)i * n_pad;
            mx[i] = (ff8){0, 0, 0, 0, 0, 0, 0, 0} - INFINITY;
        }
        for (uint32_t col = 0; col < n_pad; col += NR32)
            tile_f32(er, wp + (size_t)col * k_n, k_n, cp + col, sr, col, mx);
        for (uint32_t i = 0; i < nr; i++) {
            float m = -INFINITY;
            for (int l = 0; l < 8; l++)
                m = mx[i][l] > m ? mx[i][l] : m;
            deg += (uint64_t)softmax_out_f32(sr[i], scratch + (size_t)MR * n_pad, n_pad, n,
                                             (double)m, out + (r0 + i) * n, p->stream);
        }
    }
    if (p->stream) _mm_sfence(); /* the streamed rows are visible before the task is done */
    return deg;
}

/* ---- packing ------------------------------------------------------------------------------ */

#define PACK(T, NR, w, c, n_hyp, n_ev, p)                                                          \
    do {                                                                                           \
        const uint32_t n_pad_ = (n_hyp + NR - 1) / NR * NR;                                        \
        const size_t wbytes_ = ((size_t)n_pad_ * n_ev * sizeof(T) + 63) / 64 * 64 + 64;            \
        const size_t cbytes_ = ((size_t)n_pad_ * sizeof(T) + 63) / 64 * 64;                        \
        T *wp_ = aligned_alloc(64, wbytes_), *cp_ = aligned_alloc(64, cbytes_);                    \
        if (!wp_ || !cp_) free(wp_), free(cp_);                                                    \
        RETURN_ERROR_IF(!wp_ || !cp_, LV_ERR_NO_MEMORY,                                            \
                        "bayes: out of memory packing %u x %u weights", n_hyp, n_ev);              \
        for (uint32_t col_ = 0; col_ < n_pad_; col_ += NR)                                         \
            for (uint32_t k_ = 0; k_ < n_ev; k_++)                                                 \
                for (uint32_t j_ = 0; j_ < NR; j_++) {                                             \
                    const uint32_t h_ = col_ + j_;                                                 \
                    wp_[(size_t)col_ * n_ev + (size_t)k_ * NR + j_] =                              \
                        h_ < n_hyp ? w[(size_t)h_ * n_ev + k_] : (T)0;                             \
                }                                                                                  \
        for (uint32_t h_ = 0; h_ < n_pad_; h_++)                                                   \
            cp_[h_] = h_ < n_hyp ? c[h_] : (T)-INFINITY;                                           \
        *(p) = (lv_bayes_packed){n_hyp, n_ev, n_pad_, 0, wp_, cp_};                                \
        return LV_OK;                                                                              \
    } while (0)

lv_status lv_bayes_pack_f64(const double *w, const double *c, uint32_t n_hyp, uint32_t n_ev,
                            lv_bayes_packed *p)
{
    PACK(double, NR64, w, c, n_hyp, n_ev, p);
}

lv_status lv_bayes_pack_f32(const float *w, const float *c, uint32_t n_hyp, uint32_t n_ev,
                            lv_bayes_packed *p)
{
    PACK(float, NR32, w, c, n_hyp, n_ev, p);
}

void lv_bayes_packed_free(lv_bayes_packed *p)
{
    free(p->wp);
    free(p->cp);
    p->wp = p->cp = NULL;
}
