/* raster.h - internals shared by the rasterizer's files (host/ops/raster_*.c).
 *
 *   raster_params.c    defaults, checks, frame size, frame count
 *   raster_heatmap.c   plan of heatmap frames: which spectrum lands in which column of which frame
 *   raster_stripe.c    plan of stripe frames: one spectrum per frame
 *   raster_frames.c    the public entry points: plan, global normalization, backend dispatch
 *   raster_cpu.c       the CPU backend: profiles, then frames in parallel on the thread pool
 *   raster_scale.c     scaling and normalization of one frame
 *   raster_blur.c      separable Gaussian blur of one frame
 *   raster_colormap.c  quantization and colormap of one frame into the caller's buffer */
#ifndef LV_RASTER_H
#define LV_RASTER_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"
#include "raster_job.h"

/* Checks params (non-NULL, size already checked); fn names the public function in messages. */
lv_status lv_raster_check_params(const lv_frame_params *p, const char *fn);
uint32_t lv_raster_channels(const lv_frame_params *p);
size_t lv_raster_element_size(const lv_frame_params *p);

/* 1 when spectrum i is drawn: its MS level is selected (ms_level NULL selects all). */
static inline int lv_raster_selected(const lv_frame_params *p, const uint8_t *ms_level, uint64_t i)
{
    return ms_level == NULL || p->ms_level == 0 || ms_level[i] == p->ms_level;
}

/* The heatmap's frame 0 start: params.rt_start, or the RT of the first selected spectrum with a
 * finite RT; NaN when there is none. */
double lv_raster_rt_start(const lv_frame_params *p, uint64_t n_spectra, const double *rt,
                          const uint8_t *ms_level);

/* Profiles and cells of one call (see raster_job.h).  Owned arrays. */
typedef struct lv_raster_plan {
    uint64_t n_profiles;
    uint64_t *profile_spectrum;
    uint64_t *cell_offsets;
    uint32_t *cell_profiles;
} lv_raster_plan;

lv_status lv_raster_plan_heatmap(const lv_frame_params *p, uint64_t n_spectra, const double *rt,
                                 const uint8_t *ms_level, uint64_t n_frames, lv_raster_plan *plan);
lv_status lv_raster_plan_stripe(const lv_frame_params *p, uint64_t n_spectra,
                                const uint8_t *ms_level, uint64_t n_frames, lv_raster_plan *plan);
void lv_raster_plan_free(lv_raster_plan *plan);

/* Runs a job on the CPU (frame_max, when not NULL, receives each frame's largest scaled value). */
lv_status lv_raster_cpu_run(lv_context *ctx, const lv_raster_job *job, float *frame_max);

/* Scales n accumulated values in place (negative and NaN become 0); returns the largest. */
float lv_raster_scale_frame(float *v, size_t n, int kind);
/* Divides n values by norm (all become 0 when norm is 0). */
void lv_raster_normalize_frame(float *v, size_t n, float norm);

/* Blurs a height x width frame in place along rows (blur_x) and/or columns (blur_y); tmp holds
 * height x width floats. */
void lv_raster_blur_frame(float *v, float *tmp, uint32_t height, uint32_t width, int blur_x,
                          int blur_y, const float *weights, int32_t radius);

/* Writes one normalized height x width_c frame into dst as job->format (width_out columns). */
void lv_raster_write_frame(const lv_raster_job *job, const float *v, void *dst);

#endif
