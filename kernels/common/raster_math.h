/* raster_math.h - per-pixel math of the rasterizer (lv_frames), shared by the CPU fallback
 * (host/ops/raster_*.c) and the CUDA kernels (kernels/raster.cu).
 *
 * Every function here gives bit-identical results on both sides: no operation that nvcc could
 * contract into an FMA while the C compiler rounds twice (the blur's multiply-add is spelled out
 * with round-to-nearest intrinsics on the device), and the one transcendental the pixels go
 * through (log1p) is evaluated in double and rounded to float, so the two libms' last-bit
 * differences vanish in the rounding (short of a 1-in-2^29 tie).  The m/z bin mapping is in
 * double, as m/z is. */
#ifndef LV_RASTER_MATH_H
#define LV_RASTER_MATH_H

#include <math.h>
#include <stdint.h>

#include "colormaps.h"
#include "lv_hd.h"

/* Values of lv_intensity_scale, repeated so that the kernels need not see the public header. */
#define LV_RASTER_SCALE_LINEAR 0
#define LV_RASTER_SCALE_SQRT   1
#define LV_RASTER_SCALE_LOG1P  2

/* The largest blur radius (sigma <= 100 pixels): bounds the weight table. */
#define LV_RASTER_MAX_RADIUS 400

/* ---- m/z bins -------------------------------------------------------------------------------- */

/* The factor that turns an offset from mz_min into a bin: bins per m/z unit (linear) or per unit
 * of log(m/z) (ppm-uniform: every bin spans the same ratio, hence the same width in ppm). */
LV_INLINE double lv_raster_bin_scale(double mz_min, double mz_max, int32_t n_bins, int ppm)
{
    return ppm ? (double)n_bins / log(mz_max / mz_min) : (double)n_bins / (mz_max - mz_min);
}

/* The bin of m/z in [mz_min, mz_max], mz_max itself in the last bin; -1 outside (and for NaN). */
LV_INLINE int32_t lv_raster_mz_bin(double mz, double mz_min, double mz_max, double scale,
                                   int32_t n_bins, int ppm)
{
    if (!(mz >= mz_min && mz <= mz_max)) return -1;
    /* mz >= mz_min makes both offsets >= 0 (division and log are monotonic and correctly
     * rounded at 1), so truncation is floor. */
    double u = ppm ? log(mz / mz_min) * scale : (mz - mz_min) * scale;
    int32_t bin = (int32_t)u;
    return bin < n_bins ? bin : n_bins - 1;
}

/* ---- intensities ----------------------------------------------------------------------------- */

/* Negative and NaN intensities count as 0 (absent signal), so every accumulated value is >= 0. */
LV_INLINE float lv_raster_clean(float x)
{
    return x > 0.0f ? x : 0.0f;
}

/* One point or one spectrum's row value into an accumulated pixel. */
LV_INLINE float lv_raster_combine(float acc, float x, int sum)
{
    return sum ? acc + x : (x > acc ? x : acc);
}

/* Intensity scaling of an accumulated value (>= 0); every kind maps 0 to 0. */
LV_INLINE float lv_raster_scale(float x, int kind)
{
    switch (kind) {
    case LV_RASTER_SCALE_SQRT: return sqrtf(x); /* correctly rounded on both sides */
    case LV_RASTER_SCALE_LOG1P: return (float)log1p((double)x);
    default: return x;
    }
}

/* Division by the normalization value; a frame whose maximum is 0 stays 0. */
LV_INLINE float lv_raster_normalize(float x, float norm)
{
    return norm > 0.0f ? x / norm : 0.0f;
}

/* ---- quantization and colormaps -------------------------------------------------------------- */

/* v in [0, 1] to a table index: min(255, floor(v * 256)), as matplotlib's Colormap.__call__
 * (v * 256 is exact in float).  Below 0 and NaN give 0, above 1 gives 255. */
LV_INLINE uint32_t lv_raster_quantize(float v)
{
    if (!(v > 0.0f)) return 0;
    if (v >= 1.0f) return 255;
    uint32_t q = (uint32_t)(v * 256.0f);
    return q > 255 ? 255 : q;
}

/* The colormap's entry for index q (colormap in lv_colormap order). */
LV_INLINE const uint8_t *lv_raster_color(const uint8_t (*tables)[256][3], int colormap, uint32_t q)
{
    return tables[colormap][q];
}

/* ---- Gaussian blur --------------------------------------------------------------------------- */

/* scipy.ndimage's radius for truncate = 4: int(4 * sigma + 0.5). */
LV_INLINE int32_t lv_raster_blur_radius(double sigma)
{
    return (int32_t)(4.0 * sigma + 0.5);
}

/* The 2r + 1 normalized weights exp(-x^2 / (2 sigma^2)) / sum, x = -r..r, computed in double
 * as scipy.ndimage._gaussian_kernel1d does and rounded to float once. */
LV_INLINE void lv_raster_gaussian_weights(double sigma, int32_t radius, float *weights)
{
    double sum = 0.0;
    for (int32_t x = -radius; x <= radius; x++)
        sum += exp(-0.5 / (sigma * sigma) * (double)x * (double)x);
    for (int32_t x = -radius; x <= radius; x++)
        weights[x + radius] = (float)(exp(-0.5 / (sigma * sigma) * (double)x * (double)x) / sum);
}

/* scipy's "reflect" boundary (d c b a | a b c d | d c b a), for any distance outside [0, n). */
LV_INLINE int32_t lv_raster_reflect(int32_t i, int32_t n)
{
    if (i >= 0 && i < n) return i;
    int32_t period = 2 * n;
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - 1 - i;
}

/* acc + w * x with two roundings on both sides (never a fused multiply-add). */
LV_INLINE float lv_raster_madd(float w, float x, float acc)
{
#if defined(__CUDA_ARCH__)
    return __fadd_rn(__fmul_rn(w, x), acc);
#else
    float product = w * x;
    return product + acc;
#endif
}

/* Blurred value at position i of a line of n values spaced `stride` apart: taps from -r to r,
 * always summed in that order. */
LV_INLINE float lv_raster_blur_at(const float *line, int64_t stride, int32_t n, int32_t i,
                                  const float *weights, int32_t radius)
{
    float acc = 0.0f;
    if (i - radius >= 0 && i + radius < n) {
        const float *p = line + (int64_t)(i - radius) * stride;
        for (int32_t k = 0; k <= 2 * radius; k++)
            acc = lv_raster_madd(weights[k], p[(int64_t)k * stride], acc);
        return acc;
    }
    for (int32_t k = -radius; k <= radius; k++)
        acc = lv_raster_madd(weights[k + radius],
                             line[(int64_t)lv_raster_reflect(i + k, n) * stride], acc);
    return acc;
}

#endif
