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
#include <string.h>

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

/* ln(v) for a positive, finite, normal double v (every positive float is one), without calls,
 * tables or branches, so that a loop of it vectorizes (the CPU centroid fits four peaks per AVX2
 * vector) and a GPU thread runs the same operations.  fdlibm's e_log.c: v = 2^k m with m in
 * [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f), ln(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2))
 * with its degree-7 minimax R (error below 2^-58.45), k ln 2 in two parts; within 1 ulp of libm.
 * k and m come from integer operations on the bits (no int <-> double conversion either: k
 * reaches the double through the 2^52 rounding constant).  Other inputs give a meaningless
 * value (callers mask it), never a trap. */
LV_INLINE double lv_log_normal(double v)
{
    const uint64_t sqrt_half = 0x3fe6a09e667f3bcdull; /* the bits of sqrt(1/2) */
    const uint64_t exp_mask = 0xfffull << 52;
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    const uint64_t t = b - sqrt_half + (1023ull << 52); /* (k + 1023) << 52, plus m's offset */
    const uint64_t mb = b - (t & exp_mask) + (1023ull << 52);
    const uint64_t kb = 0x4330000000000000ull | (t >> 52); /* 2^52 + k + 1023 as a double */
    double m, kbd;
    memcpy(&m, &mb, sizeof m);
    memcpy(&kbd, &kb, sizeof kbd);
    const double k = kbd - (4503599627370496.0 + 1023.0);
    const double f = m - 1.0; /* exact: m is within a factor 2 of 1 */
    const double s = f / (2.0 + f);
    const double z = s * s, w = z * z;
    const double t1 = w * (3.999999999940941908e-01 +
                           w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
    const double t2 = z * (6.666666666666735130e-01 +
                           w * (2.857142874366239149e-01 +
                                w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
    const double r = t2 + t1, hfsq = 0.5 * f * f;
    return k * 6.93147180369123816490e-01 -
           ((hfsq - (s * (hfsq + r) + k * 1.90821492927058770002e-10)) - f);
}

/* mask ? a : b for a mask of all ones or all zeros, on the bits: a selection that compilers
 * do not turn back into a branch (they will not if-convert the floating-point work behind one,
 * because it might trap), so the loops around it vectorize. */
LV_INLINE double lv_select_bits(uint64_t mask, double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    x = (x & mask) | (y & ~mask);
    double r;
    memcpy(&r, &x, sizeof r);
    return r;
}

/* e^z for z >= 0 (the rise of a fitted apex over its sample, which uneven spacing can make
 * arbitrarily large), without calls, tables or branches: bayes_math.h's lv_exp_vec (Cody-Waite
 * reduction z = k ln 2 + r, Taylor polynomial of degree 13, here by Estrin's scheme; within 2 ulp
 * of libm) with its clamp done on the bits: z above 709 gives e^709 (8.2e307), so that i1 e^z
 * still overflows the float it is stored in, as libm's inf did (i1 >= 1.4e-45 makes it >= 1.1e263).
 * (GCC will not if-convert lv_exp_vec's clamps: constant folding on the clamped path produces an
 * overflowing product, which "might trap"; that keeps a loop of it from vectorizing.)  Not for z <
 * 0. */
LV_INLINE double lv_exp_rise(double z)
{
    const double shifter = 6755399441055744.0; /* 1.5 * 2^52 */
    z = lv_select_bits(0 - (uint64_t)(z > 709.0), 709.0, z);
    const double t = z * 1.4426950408889634 + shifter;
    const double kd = t - shifter; /* round(z / ln 2), 0..1023 */
    const double r = (z - kd * 6.93147180369123816490e-01) - kd * 1.90821492927058770002e-10;
    /* The Taylor polynomial sum r^k / k!, k = 0..13, by Estrin's scheme (pairs, then pairs of
     * pairs): a dependency chain of 5 multiply-adds instead of Horner's 13, so the fits of a
     * vector of peaks do not wait on it. */
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double p01 = 1.0 + r, p23 = 0.5 + r * (1.0 / 6.0);
    const double p45 = 1.0 / 24.0 + r * (1.0 / 120.0), p67 = 1.0 / 720.0 + r * (1.0 / 5040.0);
    const double p89 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    const double pab = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
    const double pcd = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    const double p03 = p01 + r2 * p23, p47 = p45 + r2 * p67, p8b = p89 + r2 * pab;
    const double p = (p03 + r4 * p47) + r8 * (p8b + r4 * pcd);
    uint64_t b;
    memcpy(&b, &t, sizeof b);
    b = (b + 1023u) << 52; /* the low bits of t hold 2^51 + k: (k + 1023) << 52 is 2^k */
    double s;
    memcpy(&s, &b, sizeof s);
    return p * s;
}

/* The Gaussian through three samples: the vertex of the parabola through (u, ln intensity) at
 * u0 < 0 (left neighbour), 0 (the apex) and u2 > 0 (right neighbour), with offsets u relative to
 * the apex m/z so that the small spacings keep their precision next to m/z values of ~1000.
 * Returns all ones (as a mask) when the fit is defined: all three intensities positive and
 * finite, the offsets on both sides and the parabola strictly concave (the vertex then lies
 * between the neighbours; that is checked too, against rounding); *u then is the vertex offset
 * and *z = ln(vertex height / i1).  Otherwise returns 0 with *u = *z = 0, and the caller keeps
 * the apex sample.
 *
 * With L0 = ln(i0 / i1), L2 = ln(i2 / i1) (differences of logs, so equal intensities give an
 * exact 0) and y = y1 + b u + a u^2 through the three points:
 *   a = na / d, b = nb / d, na = L2 u0 - L0 u2, nb = L0 u2^2 - L2 u0^2, d = u0 u2 (u2 - u0) < 0,
 * so a < 0 <=> na > 0, the vertex u = -b / (2a) = -nb d / (2 na d) and the rise there
 * z = -b^2 / (4a) = -nb^2 / (4 na d): one division for both.  Branch-free, so it vectorizes. */
LV_INLINE uint64_t lv_gauss3_fit(double i0, double i1, double i2, double u0, double u2, double *u,
                                 double *z)
{
    const double big = 1.79769313486231570815e+308; /* DBL_MAX: rejects inf (and NaN) */
    const int usable = (i0 > 0.0) & (i1 > 0.0) & (i2 > 0.0) & (i0 <= big) & (i1 <= big) &
                       (i2 <= big) & (u0 < 0.0) & (u2 > 0.0);
    const double l1 = lv_log_normal(i1);
    const double L0 = lv_log_normal(i0) - l1, L2 = lv_log_normal(i2) - l1;
    const double na = L2 * u0 - L0 * u2;
    const double nb = L0 * (u2 * u2) - L2 * (u0 * u0);
    const double d = u0 * u2 * (u2 - u0);
    const double inv = 1.0 / (na * d);
    const double v = -0.5 * nb * d * inv;
    const uint64_t ok = 0 - (uint64_t)(usable & (na > 0.0) & (v >= u0) & (v <= u2));
    *u = lv_select_bits(ok, v, 0.0);
    *z = lv_select_bits(ok, -0.25 * nb * nb * inv, 0.0);
    return ok;
}

/* The apex of the peak at c by lv_gauss3_fit of c and its neighbours: returns 1 and the vertex
 * m/z and height (i1 e^z by lv_exp_rise) when the fit is defined; otherwise returns 0 and the
 * apex sample itself (m/z and intensity), the documented fallback (e^0 is exactly 1). */
LV_INLINE int lv_gauss3_apex(const double *mz, const float *x, uint64_t c, double *apex_mz,
                             double *apex_height)
{
    const double i1 = x[c];
    double u, z;
    const uint64_t ok =
        lv_gauss3_fit(x[c - 1], i1, x[c + 1], mz[c - 1] - mz[c], mz[c + 1] - mz[c], &u, &z);
    *apex_mz = lv_select_bits(ok, mz[c] + u, mz[c]);
    *apex_height = i1 * lv_exp_rise(z);
    return ok != 0;
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
