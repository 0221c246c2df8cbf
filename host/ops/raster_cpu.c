/* raster_cpu.c - the CPU backend of lv_frames: profiles, then one task per frame.
 *
 * Phase 1 reduces every drawn spectrum to its profile (one value per m/z row: the sum or maximum
 * of its points' intensities there), in parallel over spectra.  A spectrum shown in many frames
 * of a sliding window is binned once.  Phase 2 builds each frame in a worker's scratch buffers:
 * combine the profiles of every cell, scale, normalize, blur, quantize into the caller's buffer.
 * Per-pixel math comes from raster_math.h, shared with kernels/raster.cu. */
#include <stdlib.h>
#include <string.h>

#include "ops/raster.h"
#include "raster_math.h"
#include "runtime/context.h"
#include "runtime/error.h"

/* Profiles per task of phase 1: enough work per task to amortize the hand-out. */
#define PROFILES_PER_TASK 8

typedef struct cpu_run {
    const lv_raster_job *job;
    float *profiles; /* n_profiles x height */
    float *scratch;  /* per worker: 2 x height x width_c */
    size_t frame_px; /* height x width_c */
    size_t out_bytes;
    float *frame_max;
} cpu_run;

static lv_status profile_task(void *arg, size_t task, uint32_t worker)
{
    (void)worker;
    const cpu_run *run = arg;
    const lv_raster_job *job = run->job;
    const uint32_t h = job->height;
    uint64_t end = (uint64_t)(task + 1) * PROFILES_PER_TASK;
    if (end > job->n_profiles) end = job->n_profiles;
    for (uint64_t p = (uint64_t)task * PROFILES_PER_TASK; p < end; p++) {
        float *row = run->profiles + p * h;
        memset(row, 0, (size_t)h * sizeof *row);
        uint64_t s = job->profile_spectrum[p];
        for (uint64_t k = job->offsets[s]; k < job->offsets[s + 1]; k++) {
            int32_t b = lv_raster_mz_bin(job->mz[k], job->mz_min, job->mz_max, job->bin_scale,
                                         (int32_t)h, job->ppm);
            if (b >= 0)
                row[b] = lv_raster_combine(row[b], lv_raster_clean(job->intensity[k]), job->sum);
        }
    }
    return LV_OK;
}

/* Fills v (height x width_c) with frame f's accumulated values. */
static void accumulate_frame(const cpu_run *run, uint64_t f, float *v)
{
    const lv_raster_job *job = run->job;
    const uint32_t h = job->height, wc = job->width_c;
    if (job->acc) {
        memcpy(v, job->acc + f * run->frame_px, run->frame_px * sizeof *v);
        return;
    }
    memset(v, 0, run->frame_px * sizeof *v);
    for (uint32_t c = 0; c < wc; c++) {
        uint64_t cell = f * wc + c;
        for (uint64_t j = job->cell_offsets[cell]; j < job->cell_offsets[cell + 1]; j++) {
            const float *prof = run->profiles + (size_t)job->cell_profiles[j] * h;
            for (uint32_t r = 0; r < h; r++)
                v[(size_t)r * wc + c] = lv_raster_combine(v[(size_t)r * wc + c], prof[r], job->sum);
        }
    }
}

static lv_status frame_task(void *arg, size_t task, uint32_t worker)
{
    const cpu_run *run = arg;
    const lv_raster_job *job = run->job;
    float *v = run->scratch + (size_t)worker * 2 * run->frame_px;
    float *tmp = v + run->frame_px;
    accumulate_frame(run, task, v);
    float max = lv_raster_scale_frame(v, run->frame_px, job->scale);
    if (run->frame_max) run->frame_max[task] = max;
    if (job->out == NULL) return LV_OK;
    lv_raster_normalize_frame(v, run->frame_px,
                              job->normalize == LV_RASTER_NORM_FIXED ? job->norm_value : max);
    if (job->blur_x || job->blur_y)
        lv_raster_blur_frame(v, tmp, job->height, job->width_c, job->blur_x, job->blur_y,
                             job->weights, job->radius);
    lv_raster_write_frame(job, v, (uint8_t *)job->out + (size_t)task * run->out_bytes);
    return LV_OK;
}

lv_status lv_raster_cpu_run(lv_context *ctx, const lv_raster_job *job, float *frame_max)
{
    cpu_run run = {.job = job, .frame_max = frame_max};
    run.frame_px = (size_t)job->height * job->width_c;
    size_t channels = job->format == 1 ? 3 : 1;         /* LV_FRAME_RGB8 */
    size_t elem = job->format == 2 ? sizeof(float) : 1; /* LV_FRAME_F32 */
    run.out_bytes = (size_t)job->height * job->width_out * channels * elem;

    lv_status st = LV_OK;
    if (!job->acc && job->n_profiles > 0) {
        size_t bytes = (size_t)job->n_profiles * job->height * sizeof(float);
        run.profiles = malloc(bytes);
        RETURN_IF_NULL_ALLOC(run.profiles, bytes);
        size_t tasks = (size_t)((job->n_profiles + PROFILES_PER_TASK - 1) / PROFILES_PER_TASK);
        st = lv_context_parallel(ctx, tasks, profile_task, &run);
    }
    if (st == LV_OK && job->n_frames > 0) {
        size_t bytes = (size_t)lv_context_threads(ctx) * 2 * run.frame_px * sizeof(float);
        run.scratch = malloc(bytes);
        if (!run.scratch)
            st = lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes", bytes);
        else
            st = lv_context_parallel(ctx, (size_t)job->n_frames, frame_task, &run);
    }
    free(run.scratch);
    free(run.profiles);
    return st;
}
