/* raster_scale.c - intensity scaling and normalization of one accumulated frame (steps 2 and 3
 * of lv_frames), with the per-pixel functions the kernels use. */
#include "ops/raster.h"
#include "raster_math.h"

float lv_raster_scale_frame(float *v, size_t n, int kind)
{
    float max = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float x = lv_raster_clean(v[i]);
        /* Most heatmap pixels are empty; every scale maps 0 to 0, so skip the libm call. */
        if (x != 0.0f) x = lv_raster_scale(x, kind);
        v[i] = x;
        if (x > max) max = x;
    }
    return max;
}

void lv_raster_normalize_frame(float *v, size_t n, float norm)
{
    for (size_t i = 0; i < n; i++)
        v[i] = lv_raster_normalize(v[i], norm);
}
