/* bayes_math.h - log-space posterior math shared by the CPU fallbacks (host/ops/bayes_*.c,
 * host/ops/annotate.c) and the CUDA kernels (kernels/bayes.cu).
 *
 * Posteriors are products of many small likelihoods, so everything stays in log space: a row of
 * unnormalized log posteriors x_i becomes exp(x_i - lse(x)) with lse(x) = m + log sum exp(x_i - m)
 * and m = max x_i, which neither overflows nor underflows to 0/0 whatever the magnitudes.  The
 * conventions every caller shares:
 *   - -inf is a hypothesis with zero probability; it gets posterior exactly 0.
 *   - NaN is treated as -inf (an undefined score can not make a hypothesis probable).
 *   - If some x_i are +inf, they share the posterior equally and every finite one gets 0.
 *   - If every x_i is -inf (or NaN) the row is degenerate: the caller decides what to return
 *     (lv_row_softmax_* report it and leave the row to the caller). */
#ifndef LV_BAYES_MATH_H
#define LV_BAYES_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lv_hd.h"

/* log(sqrt(2 pi)) */
#define LV_LOG_SQRT_2PI 0.91893853320467274178

/* Log density of a Gaussian with mean 0 and standard deviation sigma at x. */
LV_INLINE double lv_gauss_logpdf(double x, double sigma)
{
    const double z = x / sigma;
    return -0.5 * z * z - log(sigma) - LV_LOG_SQRT_2PI;
}

/* Relative mass error of an observed m/z against a theoretical one, in ppm (OpenMS
 * Math::getPPM: positive when the observation is heavier). */
LV_INLINE double lv_ppm_error(double observed, double theoretical)
{
    return (observed - theoretical) / theoretical * 1e6;
}

/* The maximum of a row with NaN read as -inf. */
LV_INLINE double lv_row_max_d(const double *x, uint32_t n)
{
    double m = -INFINITY;
    for (uint32_t i = 0; i < n; i++)
        if (x[i] > m) m = x[i]; /* NaN compares false: skipped */
    return m;
}

/* In place: x <- softmax(x) with the conventions above.  Returns 1 when the row is degenerate
 * (every entry -inf or NaN; x is then left as it was), else 0.  *lse_out (may be NULL) receives
 * log sum exp(x) (-inf for degenerate rows, +inf when some entry is +inf). */
LV_INLINE int lv_row_softmax_d(double *x, uint32_t n, double *lse_out)
{
    const double m = lv_row_max_d(x, n);
    if (m == -INFINITY) {
        if (lse_out) *lse_out = -INFINITY;
        return 1;
    }
    if (m == INFINITY) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            k += x[i] == INFINITY;
        for (uint32_t i = 0; i < n; i++)
            x[i] = x[i] == INFINITY ? 1.0 / k : 0.0;
        if (lse_out) *lse_out = INFINITY;
        return 0;
    }
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        /* exp(-inf) = 0 and exp(NaN) would be NaN: zero it explicitly. */
        const double e = x[i] == x[i] ? exp(x[i] - m) : 0.0;
        x[i] = e;
        s += e; /* >= 1: the maximum contributes exp(0) */
    }
    const double inv = 1.0 / s;
    for (uint32_t i = 0; i < n; i++)
        x[i] *= inv;
    if (lse_out) *lse_out = m + log(s);
    return 0;
}

/* float rows: the same, with the sum accumulated in double so that 1,000s of terms keep full
 * float precision. */
LV_INLINE int lv_row_softmax_f(float *x, uint32_t n, double *lse_out)
{
    float m = -INFINITY;
    for (uint32_t i = 0; i < n; i++)
        if (x[i] > m) m = x[i];
    if (m == -INFINITY) {
        if (lse_out) *lse_out = -INFINITY;
        return 1;
    }
    if (m == INFINITY) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            k += x[i] == INFINITY;
        for (uint32_t i = 0; i < n; i++)
            x[i] = x[i] == INFINITY ? 1.0f / (float)k : 0.0f;
        if (lse_out) *lse_out = INFINITY;
        return 0;
    }
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        const float e = x[i] == x[i] ? expf(x[i] - m) : 0.0f;
        x[i] = e;
        s += e;
    }
    const float inv = (float)(1.0 / s);
    for (uint32_t i = 0; i < n; i++)
        x[i] *= inv;
    if (lse_out) *lse_out = (double)m + log(s);
    return 0;
}

/* exp(x) for every double x (NaN in, NaN out), written without calls, branches or int<->double
 * conversions so that a C compiler vectorizes a loop of it at any ISA (the CPU row softmax of
 * host/ops/bayes_batch.c).  exp(x) = 2^k exp(r), k = round(x / ln 2), r = x - k ln 2 (Cody-Waite
 * with fdlibm's split of ln 2, exact products), |r| <= ln2 / 2, exp(r) by its Taylor polynomial
 * of degree 13 (remainder < 2e-16 relative) in Horner form; k comes out of the rounding constant
 * 1.5 * 2^52 as an integer in the low mantissa bits, and 2^k is applied as 2^k1 * 2^k2 with
 * k1 + k2 = k so that subnormal results need no special case.  Within 2 ulp of libm's exp. */
LV_INLINE double lv_exp_vec(double x)
{
    const double shifter = 6755399441055744.0; /* 1.5 * 2^52 */
    double xc = x < -746.0 ? -746.0 : x;       /* exp(-746) = 0; keeps k in range */
    xc = xc > 710.0 ? 710.0 : xc;              /* exp(710) = inf */
    const double t = xc * 1.4426950408889634 + shifter;
    const double kd = t - shifter; /* round(x / ln 2) */
    const double r = (xc - kd * 6.93147180369123816490e-01) - kd * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0; /* 1/13! */
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    const double t1 = kd * 0.5 + shifter; /* k1 = round(k / 2), k2 = k - k1: both in -539..513 */
    const double t2 = (kd - (t1 - shifter)) + shifter;
    uint64_t b1, b2;
    memcpy(&b1, &t1, sizeof b1);
    memcpy(&b2, &t2, sizeof b2);
    /* The low bits of b hold 2^51 + k: (k + 1023) << 52 is the double 2^k. */
    b1 = (b1 + 1023u) << 52;
    b2 = (b2 + 1023u) << 52;
    double s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    const double e = p * s1 * s2;
    return x < -745.2 ? 0.0 : e;
}

/* Log of one likelihood entry of lv_bayes_update: NaN (missing evidence) contributes 0, zero
 * contributes -inf. */
LV_INLINE double lv_log_likelihood_term(double l)
{
    return l != l ? 0.0 : log(l);
}

/* Bernoulli evidence e in {0, 1} with P(e = 1 | h) = p gives log L = e * logit(p) + log(1 - p):
 * the weight and the constant of one (hypothesis, evidence) pair.  p is clamped to
 * [eps, 1 - eps] so that certain outcomes stay finite (no inf * 0 = NaN in the GEMM). */
LV_INLINE void lv_bernoulli_terms(double p, double eps, double *weight, double *constant)
{
    if (p < eps) p = eps;
    if (p > 1.0 - eps) p = 1.0 - eps;
    *weight = log(p) - log1p(-p);
    *constant = log1p(-p);
}

#endif
