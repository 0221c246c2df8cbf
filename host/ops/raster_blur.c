/* raster_blur.c - the separable Gaussian blur of one frame on the CPU (step 4 of lv_frames).
 *
 * Each output value is lv_raster_blur_at over the line, the function the kernels call, so both
 * backends sum the same taps in the same order.  The horizontal pass runs along contiguous rows;
 * the vertical pass walks down columns, one row of results at a time, so that its reads also
 * stream through memory. */
#include <string.h>

#include "ops/raster.h"
#include "raster_math.h"

static void blur_rows(const float *src, float *dst, uint32_t height, uint32_t width,
                      const float *weights, int32_t radius)
{
    for (uint32_t r = 0; r < height; r++) {
        const float *line = src + (size_t)r * width;
        float *out = dst + (size_t)r * width;
        for (uint32_t c = 0; c < width; c++)
            out[c] = lv_raster_blur_at(line, 1, (int32_t)width, (int32_t)c, weights, radius);
    }
}

static void blur_columns(const float *src, float *dst, uint32_t height, uint32_t width,
                         const float *weights, int32_t radius)
{
    for (uint32_t r = 0; r < height; r++) {
        float *out = dst + (size_t)r * width;
        /* Columns in the inner loop: the taps of neighbouring columns are neighbours in memory. */
        if ((int64_t)r - radius >= 0 && (int64_t)r + radius < (int64_t)height) {
            memset(out, 0, (size_t)width * sizeof *out);
            for (int32_t k = 0; k <= 2 * radius; k++) {
                const float *in = src + (size_t)(r - (uint32_t)radius + (uint32_t)k) * width;
                for (uint32_t c = 0; c < width; c++)
                    out[c] = lv_raster_madd(weights[k], in[c], out[c]);
            }
        } else {
            for (uint32_t c = 0; c < width; c++)
                out[c] = lv_raster_blur_at(src + c, (int64_t)width, (int32_t)height, (int32_t)r,
                                           weights, radius);
        }
    }
}

void lv_raster_blur_frame(float *v, float *tmp, uint32_t height, uint32_t width, int blur_x,
                          int blur_y, const float *weights, int32_t radius)
{
    size_t bytes = (size_t)height * width * sizeof *v;
    if (blur_x && blur_y) {
        blur_rows(v, tmp, height, width, weights, radius);
        blur_columns(tmp, v, height, width, weights, radius);
    } else if (blur_x) {
        blur_rows(v, tmp, height, width, weights, radius);
        memcpy(v, tmp, bytes);
    } else if (blur_y) {
        blur_columns(v, tmp, height, width, weights, radius);
        memcpy(v, tmp, bytes);
    }
}
