/* raster_stripe.c - the plan of stripe frames (Lavoisier's video analyzer): frame k is the k-th
 * selected spectrum, one profile in one computed column, repeated across the frame's width when
 * written. */
#include <stdlib.h>

#include "ops/raster.h"
#include "runtime/error.h"

lv_status lv_raster_plan_stripe(const lv_frame_params *p, uint64_t n_spectra,
                                const uint8_t *ms_level, uint64_t n_frames, lv_raster_plan *plan)
{
    *plan = (lv_raster_plan){0};
    RETURN_ERROR_IF(n_frames >= UINT32_MAX, LV_ERR_INVALID_ARGUMENT,
                    "lv_frames: %llu stripe frames in one call exceed the limit of %u",
                    (unsigned long long)n_frames, UINT32_MAX - 1);
    size_t nf = (size_t)n_frames;
    plan->profile_spectrum = malloc((nf ? nf : 1) * sizeof *plan->profile_spectrum);
    plan->cell_offsets = malloc((nf + 1) * sizeof *plan->cell_offsets);
    plan->cell_profiles = malloc((nf ? nf : 1) * sizeof *plan->cell_profiles);
    if (!plan->profile_spectrum || !plan->cell_offsets || !plan->cell_profiles) {
        lv_raster_plan_free(plan);
        RETURN_IF_NULL_ALLOC(NULL, (nf + 1) * 20);
    }
    uint64_t k = 0;
    for (uint64_t i = 0; i < n_spectra && k < n_frames; i++) {
        if (!lv_raster_selected(p, ms_level, i)) continue;
        plan->profile_spectrum[k] = i;
        plan->cell_offsets[k] = k;
        plan->cell_profiles[k] = (uint32_t)k;
        k++;
    }
    plan->n_profiles = k;
    /* Frames past the selected spectra have empty cells (blank frames). */
    for (uint64_t f = k; f <= n_frames; f++)
        plan->cell_offsets[f] = k;
    return LV_OK;
}

void lv_raster_plan_free(lv_raster_plan *plan)
{
    free(plan->profile_spectrum);
    free(plan->cell_offsets);
    free(plan->cell_profiles);
    *plan = (lv_raster_plan){0};
}
