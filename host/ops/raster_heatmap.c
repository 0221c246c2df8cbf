/* raster_heatmap.c - the plan of heatmap frames: which spectra land in which column of which
 * frame.
 *
 * Frame k covers [t_k, t_k + rt_window) with t_k = t_0 + k * rt_stride; a spectrum at rt lands in
 * column floor((rt - t_k) / rt_window * width) of every frame whose window holds rt (several
 * frames when the stride is shorter than the window).  Each drawn spectrum gets one profile (its
 * points reduced to one value per m/z row, computed once however many frames show it), and each
 * cell (frame, column) lists its profiles in spectrum order, so that both backends combine them
 * in the same order. */
#include <math.h>
#include <stdlib.h>

#include "ops/raster.h"
#include "runtime/error.h"

typedef struct placement {
    uint64_t cell;
    uint32_t profile;
} placement;

typedef struct placements {
    placement *v;
    size_t n, cap;
} placements;

static lv_status push(placements *list, uint64_t cell, uint32_t profile)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 1024;
        placement *v = realloc(list->v, cap * sizeof *v);
        RETURN_IF_NULL_ALLOC(v, cap * sizeof *v);
        list->v = v;
        list->cap = cap;
    }
    list->v[list->n++] = (placement){cell, profile};
    return LV_OK;
}

/* Appends the placements of one spectrum at rt (profile `profile`); *placed says whether any. */
static lv_status place_spectrum(const lv_frame_params *p, double t0, double rt, uint64_t n_frames,
                                uint32_t profile, placements *list, int *placed)
{
    *placed = 0;
    double d = rt - t0;
    if (!(d >= 0.0)) return LV_OK;
    /* The latest frame that can hold rt, plus one for rounding in d / stride; frames are then
     * visited downwards until their window ends before rt. */
    double k_hi = floor(d / p->rt_stride) + 1.0;
    uint64_t k = k_hi >= (double)n_frames ? n_frames : (uint64_t)k_hi + 1;
    while (k-- > 0) {
        double tk = t0 + (double)k * p->rt_stride;
        if (rt < tk) continue;
        if (rt >= tk + p->rt_window) break;
        uint64_t col = (uint64_t)((rt - tk) / p->rt_window * (double)p->width);
        if (col >= p->width) col = p->width - 1;
        FORWARD_IF_ERROR(push(list, k * p->width + col, profile));
        *placed = 1;
    }
    return LV_OK;
}

lv_status lv_raster_plan_heatmap(const lv_frame_params *p, uint64_t n_spectra, const double *rt,
                                 const uint8_t *ms_level, uint64_t n_frames, lv_raster_plan *plan)
{
    *plan = (lv_raster_plan){0};
    RETURN_ERROR_IF(n_frames > (SIZE_MAX / sizeof(uint64_t) - 1) / p->width,
                    LV_ERR_INVALID_ARGUMENT, "lv_frames: %llu frames of width %u are too many",
                    (unsigned long long)n_frames, p->width);
    const uint64_t n_cells = n_frames * p->width;
    double t0 = lv_raster_rt_start(p, n_spectra, rt, ms_level);

    placements list = {0};
    uint64_t *profile_spectrum = NULL;
    size_t profile_cap = 0;
    uint64_t n_profiles = 0;
    lv_status st = LV_OK;
    for (uint64_t i = 0; i < n_spectra && n_frames > 0 && isfinite(t0); i++) {
        if (!lv_raster_selected(p, ms_level, i) || !isfinite(rt[i])) continue;
        if (n_profiles == UINT32_MAX) {
            st = lv_error_set(LV_ERR_INVALID_ARGUMENT,
                              "lv_frames: more than %u spectra drawn in one call", UINT32_MAX - 1);
            break;
        }
        int placed = 0;
        st = place_spectrum(p, t0, rt[i], n_frames, (uint32_t)n_profiles, &list, &placed);
        if (st != LV_OK) break;
        if (!placed) continue;
        if (n_profiles == profile_cap) {
            size_t cap = profile_cap ? profile_cap * 2 : 256;
            uint64_t *v = realloc(profile_spectrum, cap * sizeof *v);
            if (!v) {
                st = lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes",
                                  cap * sizeof *v);
                break;
            }
            profile_spectrum = v;
            profile_cap = cap;
        }
        profile_spectrum[n_profiles++] = i;
    }
    if (st == LV_OK && list.n >= UINT32_MAX)
        st = lv_error_set(LV_ERR_INVALID_ARGUMENT,
                          "lv_frames: %zu (frame, spectrum) placements in one call are too many",
                          list.n);

    uint64_t *cell_offsets = NULL;
    uint32_t *cell_profiles = NULL;
    if (st == LV_OK) {
        cell_offsets = calloc((size_t)n_cells + 1, sizeof *cell_offsets);
        cell_profiles = malloc((list.n ? list.n : 1) * sizeof *cell_profiles);
        if (!cell_offsets || !cell_profiles)
            st = lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes",
                              ((size_t)n_cells + 1) * sizeof *cell_offsets);
    }
    if (st == LV_OK) {
        /* Stable counting sort by cell: profiles stay in spectrum order within a cell. */
        for (size_t j = 0; j < list.n; j++)
            cell_offsets[list.v[j].cell + 1]++;
        for (uint64_t c = 0; c < n_cells; c++)
            cell_offsets[c + 1] += cell_offsets[c];
        uint64_t *fill = malloc(((size_t)n_cells + 1) * sizeof *fill);
        if (!fill) {
            st = lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes",
                              ((size_t)n_cells + 1) * sizeof *fill);
        } else {
            for (uint64_t c = 0; c <= n_cells; c++)
                fill[c] = cell_offsets[c];
            for (size_t j = 0; j < list.n; j++)
                cell_profiles[fill[list.v[j].cell]++] = list.v[j].profile;
            free(fill);
        }
    }
    free(list.v);
    if (st != LV_OK) {
        free(profile_spectrum);
        free(cell_offsets);
        free(cell_profiles);
        return st;
    }
    if (!profile_spectrum) profile_spectrum = malloc(sizeof *profile_spectrum);
    plan->n_profiles = n_profiles;
    plan->profile_spectrum = profile_spectrum;
    plan->cell_offsets = cell_offsets;
    plan->cell_profiles = cell_profiles;
    RETURN_IF_NULL_ALLOC(profile_spectrum, sizeof *profile_spectrum);
    return LV_OK;
}
