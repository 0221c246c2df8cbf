/* raster_frames.c - the public rasterization entry points (lv_frames, lv_frames_batch,
 * lv_frames_render): argument checks, the plan (which spectra land where), global normalization,
 * and dispatch to the CUDA backend or the CPU fallback.
 *
 * Global normalization needs every frame's maximum before any frame can be written: the backend
 * runs twice, first computing maxima only (out = NULL), then rendering with their largest as a
 * fixed normalization value. */
#include <math.h>
#include <stdlib.h>

#include "io/batch.h"
#include "ops/raster.h"
#include "raster_math.h"
#include "runtime/context.h"
#include "runtime/error.h"

static lv_status run_backend(lv_context *ctx, const lv_raster_job *job, float *frame_max,
                             const char *fn)
{
    if (ctx->device == LV_DEVICE_CUDA) {
        char err[512] = "";
        int st = ctx->cuda->frames(ctx->cuda_ctx, job, frame_max, err, sizeof err);
        RETURN_ERROR_IF(st != LV_OK, (lv_status)st, "%s on %s: %s", fn, ctx->backend_name, err);
        return LV_OK;
    }
    return lv_raster_cpu_run(ctx, job, frame_max);
}

/* Runs the job, resolving LV_NORMALIZE_GLOBAL by a first pass that computes frame maxima. */
static lv_status run_job(lv_context *ctx, const lv_frame_params *p, lv_raster_job *job,
                         const char *fn)
{
    float weights[2 * LV_RASTER_MAX_RADIUS + 1];
    job->radius = lv_raster_blur_radius(p->blur_sigma);
    if (p->blur_sigma > 0.0 && job->radius > 0) {
        lv_raster_gaussian_weights(p->blur_sigma, job->radius, weights);
        job->weights = weights;
        job->blur_x = p->mode == LV_FRAMES_HEATMAP;
        job->blur_y = 1;
    }
    job->normalize =
        p->normalize == LV_NORMALIZE_FRAME ? LV_RASTER_NORM_FRAME : LV_RASTER_NORM_FIXED;
    job->norm_value = (float)p->norm_value;
    if (p->normalize == LV_NORMALIZE_GLOBAL && job->n_frames > 0) {
        float *maxima = malloc((size_t)job->n_frames * sizeof *maxima);
        RETURN_IF_NULL_ALLOC(maxima, (size_t)job->n_frames * sizeof *maxima);
        void *out = job->out;
        job->out = NULL;
        lv_status st = run_backend(ctx, job, maxima, fn);
        job->out = out;
        float global = 0.0f;
        for (uint64_t f = 0; f < job->n_frames; f++)
            if (maxima[f] > global) global = maxima[f];
        free(maxima);
        FORWARD_IF_ERROR(st);
        job->norm_value = global;
    }
    return run_backend(ctx, job, NULL, fn);
}

static void job_init(lv_raster_job *job, const lv_frame_params *p, uint64_t n_frames, void *out)
{
    *job = (lv_raster_job){0};
    job->n_frames = n_frames;
    job->height = p->height;
    job->width_c = p->mode == LV_FRAMES_STRIPE ? 1 : p->width;
    job->width_out = p->width;
    job->mz_min = p->mz_min;
    job->mz_max = p->mz_max;
    job->ppm = p->mz_bins == LV_MZ_BINS_PPM;
    job->bin_scale = lv_raster_bin_scale(p->mz_min, p->mz_max, (int32_t)p->height, job->ppm);
    job->sum = p->accumulate == LV_ACCUMULATE_SUM;
    job->scale = (int32_t)p->scale;
    job->format = (int32_t)p->format;
    job->colormap = (int32_t)p->colormap;
    job->out = out;
}

LV_API lv_status lv_frames(lv_context *ctx, const lv_frame_params *params, uint64_t n_spectra,
                           const uint64_t *offsets, const double *mz, const float *intensity,
                           const double *rt, const uint8_t *ms_level, uint64_t n_frames, void *out)
{
    RETURN_ERROR_IF(ctx == NULL, LV_ERR_INVALID_ARGUMENT, "lv_frames: ctx is NULL");
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_frame_params);
    lv_frame_params defaults;
    lv_frame_params_init(&defaults);
    const lv_frame_params *p = params ? params : &defaults;
    FORWARD_IF_ERROR(lv_raster_check_params(p, "lv_frames"));
    if (n_frames == 0) return LV_OK;
    RETURN_ERROR_IF(out == NULL, LV_ERR_INVALID_ARGUMENT, "lv_frames: out is NULL with %llu frames",
                    (unsigned long long)n_frames);
    if (n_spectra > 0) {
        RETURN_ERROR_IF(offsets == NULL || mz == NULL || intensity == NULL, LV_ERR_INVALID_ARGUMENT,
                        "lv_frames: %s is NULL with %llu spectra",
                        offsets == NULL ? "offsets"
                        : mz == NULL    ? "mz"
                                        : "intensity",
                        (unsigned long long)n_spectra);
        RETURN_ERROR_IF(p->mode == LV_FRAMES_HEATMAP && rt == NULL, LV_ERR_INVALID_ARGUMENT,
                        "lv_frames: heatmap frames need rt (retention times)");
        for (uint64_t i = 0; i < n_spectra; i++)
            RETURN_ERROR_IF(offsets[i + 1] < offsets[i], LV_ERR_INVALID_ARGUMENT,
                            "lv_frames: offsets decrease at spectrum %llu (%llu > %llu)",
                            (unsigned long long)i, (unsigned long long)offsets[i],
                            (unsigned long long)offsets[i + 1]);
    }

    lv_raster_plan plan;
    lv_status st = p->mode == LV_FRAMES_STRIPE
                       ? lv_raster_plan_stripe(p, n_spectra, ms_level, n_frames, &plan)
                       : lv_raster_plan_heatmap(p, n_spectra, rt, ms_level, n_frames, &plan);
    if (st == LV_OK) {
        lv_raster_job job;
        job_init(&job, p, n_frames, out);
        job.offsets = offsets;
        job.mz = mz;
        job.intensity = intensity;
        job.n_profiles = plan.n_profiles;
        job.profile_spectrum = plan.profile_spectrum;
        job.cell_offsets = plan.cell_offsets;
        job.cell_profiles = plan.cell_profiles;
        st = run_job(ctx, p, &job, "lv_frames");
    }
    lv_raster_plan_free(&plan);
    return st;
}

LV_API lv_status lv_frames_batch(lv_context *ctx, const lv_frame_params *params,
                                 const lv_batch *batch, uint64_t n_frames, void *out)
{
    RETURN_ERROR_IF(batch == NULL, LV_ERR_INVALID_ARGUMENT, "lv_frames_batch: batch is NULL");
    RETURN_ERROR_IF(batch->kind != LV_RECORD_SPECTRUM, LV_ERR_INVALID_ARGUMENT,
                    "lv_frames_batch: the batch holds chromatograms, not spectra");
    return lv_frames(ctx, params, batch->n, batch->offsets, batch->mz, batch->intensity,
                     batch->rt_seconds, batch->ms_level, n_frames, out);
}

LV_API lv_status lv_frames_render(lv_context *ctx, const lv_frame_params *params, uint64_t n_frames,
                                  const float *acc, void *out)
{
    RETURN_ERROR_IF(ctx == NULL, LV_ERR_INVALID_ARGUMENT, "lv_frames_render: ctx is NULL");
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_frame_params);
    lv_frame_params defaults;
    lv_frame_params_init(&defaults);
    const lv_frame_params *p = params ? params : &defaults;
    FORWARD_IF_ERROR(lv_raster_check_params(p, "lv_frames_render"));
    if (n_frames == 0) return LV_OK;
    RETURN_ERROR_IF(acc == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_frames_render: %s is NULL with %llu frames", acc == NULL ? "acc" : "out",
                    (unsigned long long)n_frames);
    lv_raster_job job;
    job_init(&job, p, n_frames, out);
    job.acc = acc;
    return run_job(ctx, p, &job, "lv_frames_render");
}
