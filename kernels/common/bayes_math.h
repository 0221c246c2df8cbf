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
