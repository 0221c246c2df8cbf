/* savgol_math.h - Savitzky-Golay smoothing as scipy.signal.savgol_filter(x, window, polyorder,
 * deriv=0, mode='interp'), shared by host/ops/denoise_savgol.c and kernels/savgol.cu.
 *
 * Interior point i (half <= i < n - half, half = window / 2) is the value at the centre of the
 * least-squares polynomial of degree polyorder through x[i - half .. i + half]; the first and
 * last `half` points are the values of the polynomial fitted to the first / last window at their
 * own positions (scipy's _fit_edges_polyfit).  Both are fixed linear combinations of the window:
 * the rows of the projection matrix Q Q^T onto the polynomials over the window positions, with Q
 * an orthonormal basis built by Gram-Schmidt (re-orthogonalized) in double.  That is the same
 * least-squares fit scipy computes with lstsq / polyfit, formed without an ill-conditioned
 * monomial system. */
#ifndef LV_SAVGOL_MATH_H
#define LV_SAVGOL_MATH_H

#include <math.h>
#include <stdint.h>

#include "lv_hd.h"

#define LV_SAVGOL_MAX_WINDOW    255
#define LV_SAVGOL_MAX_POLYORDER 20

/* Coefficients of a window (host only).  centre[k], k < window: weights of the interior point.
 * edge[t * window + k], t < window / 2: weights of left edge point t over x[k]; the right edge
 * point n - 1 - t uses the same weights over x[n - 1 - k] (the fit commutes with reflection).
 * q is scratch of window * (polyorder + 1) doubles.  Returns 0 on success, -1 when the
 * polynomial basis degenerates (cannot happen for polyorder < window <= LV_SAVGOL_MAX_WINDOW). */
static inline int lv_savgol_coeffs(int window, int polyorder, double *q, double *centre,
                                   double *edge)
{
    const int w = window, p1 = polyorder + 1, half = window / 2;
    /* Positions scaled to [-1, 1]: the projection does not depend on the basis chosen. */
    for (int i = 0; i < p1; i++) {
        double *v = q + (size_t)i * w;
        for (int k = 0; k < w; k++) {
            const double u = half ? (double)(k - half) / half : 0.0;
            v[k] = i == 0 ? 1.0 : u * q[(size_t)(i - 1) * w + k]; /* Lanczos-style: u * q_{i-1} */
        }
        for (int pass = 0; pass < 2; pass++) /* twice is enough (Kahan) */
            for (int j = 0; j < i; j++) {
                const double *qj = q + (size_t)j * w;
                double dot = 0.0;
                for (int k = 0; k < w; k++)
                    dot += qj[k] * v[k];
                for (int k = 0; k < w; k++)
                    v[k] -= dot * qj[k];
            }
        double norm = 0.0;
        for (int k = 0; k < w; k++)
            norm += v[k] * v[k];
        norm = sqrt(norm);
        if (!(norm > 1e-12)) return -1;
        for (int k = 0; k < w; k++)
            v[k] /= norm;
    }
    for (int k = 0; k < w; k++) {
        double s = 0.0;
        for (int i = 0; i < p1; i++)
            s += q[(size_t)i * w + half] * q[(size_t)i * w + k];
        centre[k] = s;
    }
    for (int t = 0; t < half; t++)
        for (int k = 0; k < w; k++) {
            double s = 0.0;
            for (int i = 0; i < p1; i++)
                s += q[(size_t)i * w + t] * q[(size_t)i * w + k];
            edge[(size_t)t * w + k] = s;
        }
    return 0;
}

/* Interior point i: sum over the window centred on i, k ascending. */
LV_INLINE double lv_savgol_interior(const float *x, int64_t i, int window, const double *centre)
{
    const int64_t first = i - window / 2;
    double s = 0.0;
    for (int k = 0; k < window; k++)
        s += centre[k] * (double)x[first + k];
    return s;
}

/* Edge point t < window / 2 from the left (right = 0: x[t]) or the right (right = 1:
 * x[n - 1 - t]) window. */
LV_INLINE double lv_savgol_edge(const float *x, int64_t n, int64_t t, int right, int window,
                                const double *edge)
{
    const double *e = edge + t * window;
    double s = 0.0;
    for (int k = 0; k < window; k++)
        s += e[k] * (double)x[right ? n - 1 - k : k];
    return s;
}

#endif
