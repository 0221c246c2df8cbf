/* saxpy_math.h - per-element math of lv_saxpy, shared by host/ops/saxpy.c and kernels/saxpy.cu. */
#ifndef LV_SAXPY_MATH_H
#define LV_SAXPY_MATH_H

#include <math.h>

#include "lv_hd.h"

/* a * x + y with a single rounding.  fmaf is correctly rounded on both sides (glibc on the CPU,
 * the fma.rn.f32 instruction on the GPU), so CPU and GPU results are bit-identical.  Written as
 * a * x + y instead, nvcc would contract it into an FMA on the GPU (one rounding) while the CPU
 * rounds the product and the sum separately (two roundings), and the backends would disagree in
 * the last bit. */
LV_INLINE float lv_saxpy_element(float a, float x, float y)
{
    return fmaf(a, x, y);
}

#endif
