/* peak_math.h - per-spectrum peak math shared by the CPU fallbacks (host/ops/localmax.c,
 * host/ops/centroid.c) and the kernels (kernels/localmax.cu, kernels/centroid.cu).
 *
 * Everything here works on one spectrum given as x[0..n) (intensities) and mz[0..n).  Indices are
 * relative to the spectrum.  The functions only read, so a CPU loop and a GPU thread can call them
 * on the same data and get the same answer. */
#ifndef LV_PEAK_MATH_H
#define LV_PEAK_MATH_H

#include <math.h>
#include <stdint.h>

#include "lv_hd.h"

/* Scale from the median absolute deviation to the standard deviation of normal noise. */
#define LV_MAD_TO_SIGMA 1.4826

/* scipy's _local_maxima_1d, asked about one sample: if i is the left edge of a peak, returns the
 * peak's position (the middle of its plateau, rounded down) and stores the plateau's right edge in
 * *right; otherwise returns -1.  The left edge of a peak is a sample that rises from its left
 * neighbour (x[i-1] < x[i]); the plateau runs over the following equal samples, and it is a peak
 * when the sample after it is lower.  A plateau that reaches the last sample is no peak, nor is
 * the first sample.  All comparisons are IEEE ones, so a NaN is never a peak, never equal to
 * anything and never lower than a neighbour, exactly as in scipy.  Comparisons are done in float,
 * which equals scipy's float64 comparisons of the same float32 values. */
LV_INLINE int64_t lv_peak_at_left_edge(const float *x, uint64_t n, uint64_t i, uint64_t *right)
{
    if (i == 0 || i + 1 >= n) return -1;
    const float v = x[i];
    if (!(x[i - 1] < v)) return -1;
    uint64_t ahead = i + 1;
    while (ahead < n - 1 && x[ahead] == v)
        ahead++;
    if (!(x[ahead] < v)) return -1;
    *right = ahead - 1;
    return (int64_t)((i + ahead - 1) / 2);
}

/* The peak extent: from the apex, down each flank for as long as the intensity does not rise.
 * A NaN ends a flank.  *left and *right receive the first and last sample of the extent. */
LV_INLINE void lv_peak_extent(const float *x, uint64_t n, uint64_t apex, uint64_t *left,
                              uint64_t *right)
{
    uint64_t l = apex;
    while (l > 0 && x[l - 1] <= x[l])
        l--;
    uint64_t r = apex;
    while (r + 1 < n && x[r + 1] <= x[r])
        r++;
    *left = l;
    *right = r;
}

/* The vertex of the parabola through (mz, ln intensity) of the apex c and its neighbours (a
 * Gaussian through three points).  Returns 1 and the vertex m/z and height when the fit is defined:
 * all three intensities positive and the parabola strictly concave.  Otherwise returns 0 and the
 * apex sample itself (m/z and intensity), the documented fallback.  Offsets are taken relative to
 * the apex m/z so that the small spacings keep their precision next to m/z values of ~1000. */
LV_INLINE int lv_gauss3_apex(const double *mz, const float *x, uint64_t c, double *apex_mz,
                             double *apex_height)
{
    const double i0 = x[c - 1], i1 = x[c], i2 = x[c + 1];
    *apex_mz = mz[c];
    *apex_height = i1;
    if (!(i0 > 0.0 && i1 > 0.0 && i2 > 0.0)) return 0;
    const double u0 = mz[c - 1] - mz[c], u2 = mz[c + 1] - mz[c];
    if (!(u0 < 0.0 && u2 > 0.0)) return 0;
    /* Two logarithms of ratios instead of three of intensities: cheaper, and exact ratios of
     * equal intensities give an exact 0. */
    const double s0 = log(i0 / i1) / u0;    /* slope from the apex to the left neighbour */
    const double s2 = log(i2 / i1) / u2;    /* and to the right one */
    const double a = (s2 - s0) / (u2 - u0); /* curvature: y = y1 + b u + a u^2 */
    if (!(a < 0.0)) return 0;
    const double b = s2 - a * u2;
    const double u = -b / (2.0 * a);
    if (!(u >= u0 && u <= u2)) return 0; /* cannot happen for a maximum; guards rounding */
    *apex_mz = mz[c] + u;
    *apex_height = i1 * exp(-b * b / (4.0 * a));
    return 1;
}

/* Trapezoid area of the samples [left, right] over m/z (0 for a single sample). */
LV_INLINE double lv_peak_area(const double *mz, const float *x, uint64_t left, uint64_t right)
{
    double area = 0.0;
    for (uint64_t j = left; j < right; j++)
        area += (mz[j + 1] - mz[j]) * 0.5 * ((double)x[j] + (double)x[j + 1]);
    return area;
}

/* Full width at half of `height`, within the extent [left, right] around apex c: on each side the
 * m/z where the intensity crosses height / 2, interpolated linearly between the two samples that
 * bracket it; where a flank stays above half height up to the extent's end, that end's m/z. */
LV_INLINE double lv_peak_fwhm(const double *mz, const float *x, uint64_t c, uint64_t left,
                              uint64_t right, double height)
{
    const double half = 0.5 * height;
    uint64_t j = c;
    while (j > left && (double)x[j - 1] >= half)
        j--;
    double lo = mz[j];
    if (j > left) { /* x[j-1] < half <= x[j] */
        const double a = x[j - 1], b = x[j];
        lo = mz[j - 1] + (half - a) / (b - a) * (mz[j] - mz[j - 1]);
    }
    j = c;
    while (j < right && (double)x[j + 1] >= half)
        j++;
    double hi = mz[j];
    if (j < right) { /* x[j+1] < half <= x[j] */
        const double a = x[j + 1], b = x[j];
        hi = mz[j + 1] - (half - a) / (b - a) * (mz[j + 1] - mz[j]);
    }
    return hi - lo;
}

/* The intensity a centroid must reach: max(min_intensity, snr * noise). */
LV_INLINE double lv_centroid_threshold(double min_intensity, double snr, double noise)
{
    const double t = snr * noise;
    return t > min_intensity ? t : min_intensity;
}

#endif
