/* raster_colormap.c - quantization and colormap of one normalized frame into the caller's buffer
 * (step 5 of lv_frames); a stripe frame's single computed column is repeated across its width. */
#include <string.h>

#include "ops/raster.h"
#include "raster_math.h"

void lv_raster_write_frame(const lv_raster_job *job, const float *v, void *dst)
{
    const uint32_t h = job->height, wc = job->width_c, wo = job->width_out;
    for (uint32_t r = 0; r < h; r++) {
        const float *in = v + (size_t)r * wc;
        switch (job->format) {
        case LV_FRAME_F32: {
            float *out = (float *)dst + (size_t)r * wo;
            for (uint32_t c = 0; c < wo; c++)
                out[c] = in[wc == 1 ? 0 : c];
            break;
        }
        case LV_FRAME_RGB8: {
            uint8_t *out = (uint8_t *)dst + (size_t)r * wo * 3;
            for (uint32_t c = 0; c < wo; c++) {
                const uint8_t *rgb = lv_raster_color(lv_colormap_tables, job->colormap,
                                                     lv_raster_quantize(in[wc == 1 ? 0 : c]));
                out[3 * c] = rgb[0];
                out[3 * c + 1] = rgb[1];
                out[3 * c + 2] = rgb[2];
            }
            break;
        }
        default: {
            uint8_t *out = (uint8_t *)dst + (size_t)r * wo;
            if (wc == 1) {
                memset(out, (int)lv_raster_quantize(in[0]), wo);
            } else {
                for (uint32_t c = 0; c < wo; c++)
                    out[c] = (uint8_t)lv_raster_quantize(in[c]);
            }
            break;
        }
        }
    }
}
