/* snip_math.h - one step of the SNIP baseline (Ryan et al. 1988, as MALDIquant's src/snip.c),
 * shared by host/ops/denoise_snip.c and kernels/snip.cu.
 *
 * For window i (i = iterations .. 1 when decreasing, 1 .. iterations otherwise) every point
 * j in [i, n - i) becomes min(y[j], (y[j - i] + y[j + i]) / 2), all computed from the values of
 * the previous window (MALDIquant writes into a copy and copies back).  Points outside
 * [i, n - i) keep their value.  Computed in double, as R does. */
#ifndef LV_SNIP_MATH_H
#define LV_SNIP_MATH_H

#include <stdint.h>

#include "lv_hd.h"

LV_INLINE double lv_snip_point(double y, double left, double right)
{
    const double mean = (left + right) / 2;
    return mean < y ? mean : y;
}

/* The window of step s (0-based) of `iterations` steps. */
LV_INLINE int64_t lv_snip_window(uint32_t iterations, int decreasing, uint32_t s)
{
    return decreasing ? (int64_t)iterations - (int64_t)s : (int64_t)s + 1;
}

#endif
