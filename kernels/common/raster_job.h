/* raster_job.h - one lv_frames call as both backends see it (plain C, no CUDA types).
 *
 * The front end (host/ops/raster_frames.c) turns the public parameters into this plan: which
 * spectra are drawn ("profiles": each spectrum's points reduced to one value per m/z row), and
 * which profiles land in which column of which frame ("cells", CSR over frame * width_c + col,
 * profiles in spectrum order).  Both backends then run the same steps: profiles, cells,
 * scale, normalize, blur, quantize.  All pointers are host memory. */
#ifndef LV_RASTER_JOB_H
#define LV_RASTER_JOB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Values of lv_normalize as the backends see them (GLOBAL is resolved by the front end into
 * FIXED with the maximum over every frame). */
#define LV_RASTER_NORM_FRAME 0
#define LV_RASTER_NORM_FIXED 2

typedef struct lv_raster_job {
    /* Input spectra (CSR, as passed to lv_frames); unused when acc is set. */
    const uint64_t *offsets;
    const double *mz;
    const float *intensity;
    uint64_t n_profiles;
    const uint64_t *profile_spectrum; /* n_profiles: the spectrum whose points profile p holds */
    /* Cells: profiles cell_profiles[cell_offsets[c] .. cell_offsets[c + 1]) land in cell
     * c = frame * width_c + col, combined in that order. */
    const uint64_t *cell_offsets; /* n_frames * width_c + 1 */
    const uint32_t *cell_profiles;
    /* Or accumulated frames given by the caller (lv_frames_render): n_frames x height x width_c. */
    const float *acc;

    uint64_t n_frames;
    uint32_t height;
    uint32_t width_c;   /* columns computed: width (heatmap) or 1 (stripe) */
    uint32_t width_out; /* columns written: width; a stripe's one column is repeated */
    double mz_min, mz_max, bin_scale;
    int32_t ppm;            /* 1 = ppm-uniform bins */
    int32_t sum;            /* 1 = sum, 0 = max */
    int32_t scale;          /* LV_RASTER_SCALE_* */
    int32_t normalize;      /* LV_RASTER_NORM_FRAME or LV_RASTER_NORM_FIXED */
    float norm_value;       /* FIXED: divide by this */
    int32_t blur_x, blur_y; /* blur along columns / rows */
    int32_t radius;
    const float *weights; /* 2 * radius + 1 */
    int32_t format;       /* lv_frame_format value */
    int32_t colormap;     /* lv_colormap value */
    void *out;            /* n_frames frames; NULL = compute frame_max only */
} lv_raster_job;

#ifdef __cplusplus
}
#endif
#endif
