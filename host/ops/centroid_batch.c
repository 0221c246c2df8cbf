/* centroid_batch.c - lv_centroid_batch: centroid the selected spectra of a batch into a new batch.
 *
 * The selected spectra (MS level chosen by params.ms_levels, representation profile or unknown)
 * are centroided in one parallel call (so the work spreads over all threads or goes to the GPU in
 * one piece), and the new batch interleaves their centroids with the untouched records in the
 * original order.  On the CPU they are read where they lie and their centroids copied from
 * half-slot staging straight into the new batch; for the GPU they are first gathered into one
 * CSR run when they are not the whole batch (the device path takes contiguous spectra). */
#include <stdlib.h>
#include <string.h>

#include "io/batch.h"
#include "io/decode.h"
#include "ops/centroid_cpu.h"
#include "ops/localmax_cpu.h" /* lv_half_slot */
#include "runtime/context.h"
#include "runtime/error.h"
#include "runtime/pages.h"

static int selected(const lv_batch *in, uint64_t i, uint32_t ms_levels)
{
    if (in->representation[i] == LV_REPR_CENTROID) return 0;
    const uint32_t level = in->ms_level[i];
    return level < 32 ? (int)((ms_levels >> level) & 1u) : ms_levels == 0xFFFFFFFFu;
}

/* Copies extra column k of `in` into `out`, keeping the elements of unprocessed records only. */
static lv_status copy_extra_unprocessed(const lv_batch *in, uint32_t k, lv_batch *out,
                                        const uint8_t *sel)
{
    const lv_batch_extra_col *c = &in->extras[k];
    const size_t es = lv_dtype_size(c->dtype);
    uint64_t elements = 0;
    for (uint64_t i = 0; i < in->n; i++)
        if (!sel[i]) elements += c->offsets[i + 1] - c->offsets[i];
    uint32_t nk;
    FORWARD_IF_ERROR(lv_batch_add_extra(out, c->name, c->dtype, elements, &nk));
    lv_batch_extra_col *d = &out->extras[nk];
    uint64_t pos = 0;
    d->offsets[0] = 0;
    for (uint64_t i = 0; i < in->n; i++) {
        if (!sel[i]) {
            const uint64_t len = c->offsets[i + 1] - c->offsets[i];
            if (len)
                memcpy((char *)d->data + pos * es, (const char *)c->data + c->offsets[i] * es,
                       (size_t)(len * es));
            pos += len;
        }
        d->offsets[i + 1] = pos;
    }
    return LV_OK;
}

/* Work arrays of one call; all freed by release(). */
typedef struct batch_work {
    uint8_t *sel;
    uint64_t *sel_offsets; /* CSR of the gathered selected spectra */
    double *sel_mz;        /* gathered values (NULL when the whole batch is selected) */
    float *sel_intensity;
    uint64_t *cen_offsets; /* centroids of the selected spectra */
    double *cen_mz;
    float *cen_intensity;
    float *cen_fwhm;
    void *block; /* holds sel_mz, sel_intensity, cen_mz, cen_intensity, cen_fwhm */
    int slots;   /* CPU: cen_* are half-slot staging laid out by the batch's offsets, and
                    cen_offsets[i + 1] counts record i's centroids (0 when not selected) */
} batch_work;

static void release(batch_work *w)
{
    free(w->sel);
    free(w->sel_offsets);
    free(w->cen_offsets);
    lv_pages_free(w->block);
}

/* The point-sized temporaries (selected spectra gathered, centroids before assembly) share one
 * block from lv_pages_alloc: a stream centroids one batch after another, and reusing the block
 * spares a page fault per 4 KiB of it (malloc would hand out fresh pages every time). */
static lv_status alloc_points(batch_work *w, uint64_t sel_points, int gather, uint64_t cap,
                              int fwhm)
{
    const size_t gather_bytes = gather ? (size_t)sel_points * (sizeof(double) + sizeof(float)) : 0;
    const size_t cen_bytes = (size_t)cap * (sizeof(double) + sizeof(float) + (fwhm ? 4 : 0));
    w->block = lv_pages_alloc(gather_bytes + cen_bytes + 64);
    RETURN_IF_NULL_ALLOC(w->block, gather_bytes + cen_bytes + 64);
    uint8_t *p = w->block;
    /* Doubles first, then floats: every array stays naturally aligned. */
    if (gather) {
        w->sel_mz = (double *)p;
        p += (size_t)sel_points * sizeof(double);
    }
    w->cen_mz = (double *)p;
    p += (size_t)cap * sizeof(double);
    if (gather) {
        w->sel_intensity = (float *)p;
        p += (size_t)sel_points * sizeof(float);
    }
    w->cen_intensity = (float *)p;
    p += (size_t)cap * sizeof(float);
    if (fwhm) w->cen_fwhm = (float *)p;
    return LV_OK;
}

/* The CPU path: the selected records are centroided where they lie in the batch (no gathering
 * copy), into half-slot staging laid out by the batch's own offsets; assemble() copies each
 * record's centroids from its slot straight into the new batch (no packing pass either). */
static lv_status centroid_in_place(lv_context *ctx, const lv_centroid_params *p, const lv_batch *in,
                                   batch_work *w)
{
    const uint64_t n = in->n;
    const uint64_t slots = lv_half_slot(in->offsets[n] - in->offsets[0]) + 1;
    const size_t bytes = (size_t)slots * (sizeof(double) + sizeof(float) + (p->fwhm ? 4 : 0));
    w->block = lv_pages_alloc(bytes + 64);
    RETURN_IF_NULL_ALLOC(w->block, bytes + 64);
    w->cen_mz = w->block;
    w->cen_intensity = (float *)(w->cen_mz + slots);
    if (p->fwhm) w->cen_fwhm = w->cen_intensity + slots;
    w->cen_offsets = malloc((size_t)(n + 1) * sizeof *w->cen_offsets);
    RETURN_IF_NULL_ALLOC(w->cen_offsets, (size_t)(n + 1) * sizeof *w->cen_offsets);
    w->slots = 1;
    return lv_centroid_cpu_slots(ctx, p, n, in->offsets, in->mz, in->intensity, w->sel, w->cen_mz,
                                 w->cen_intensity, w->cen_fwhm, w->cen_offsets);
}

static lv_status centroid_selected(lv_context *ctx, const lv_centroid_params *p, const lv_batch *in,
                                   batch_work *w, uint64_t *n_sel_out)
{
    const uint64_t n = in->n;
    w->sel = malloc((size_t)n + 1);
    RETURN_IF_NULL_ALLOC(w->sel, (size_t)n + 1);
    uint64_t n_sel = 0, sel_points = 0;
    for (uint64_t i = 0; i < n; i++) {
        w->sel[i] = (uint8_t)selected(in, i, p->ms_levels);
        if (w->sel[i]) {
            n_sel++;
            sel_points += in->offsets[i + 1] - in->offsets[i];
        }
    }
    *n_sel_out = n_sel;
    if (ctx->device != LV_DEVICE_CUDA) return centroid_in_place(ctx, p, in, w);
    w->sel_offsets = malloc((size_t)(n_sel + 1) * sizeof *w->sel_offsets);
    w->cen_offsets = malloc((size_t)(n_sel + 1) * sizeof *w->cen_offsets);
    RETURN_IF_NULL_ALLOC(w->sel_offsets && w->cen_offsets ? w->sel_offsets : NULL,
                         (size_t)(n_sel + 1) * sizeof *w->sel_offsets);
    const double *mz = in->mz;
    const float *intensity = in->intensity;
    /* A spectrum of m points has at most (m - 1) / 2 peaks. */
    const uint64_t cap = sel_points / 2 + 1;
    FORWARD_IF_ERROR(alloc_points(w, sel_points, n_sel != n, cap, p->fwhm != 0));
    if (n_sel == n) {
        memcpy(w->sel_offsets, in->offsets, (size_t)(n + 1) * sizeof *w->sel_offsets);
    } else {
        uint64_t s = 0, pos = 0;
        w->sel_offsets[0] = 0;
        for (uint64_t i = 0; i < n; i++) {
            if (!w->sel[i]) continue;
            const uint64_t b = in->offsets[i], len = in->offsets[i + 1] - b;
            memcpy(w->sel_mz + pos, in->mz + b, (size_t)len * sizeof *w->sel_mz);
            memcpy(w->sel_intensity + pos, in->intensity + b,
                   (size_t)len * sizeof *w->sel_intensity);
            pos += len;
            w->sel_offsets[++s] = pos;
        }
        mz = w->sel_mz;
        intensity = w->sel_intensity;
    }
    return lv_centroid_checked(ctx, p, n_sel, w->sel_offsets, mz, intensity, cap, w->cen_mz,
                               w->cen_intensity, w->cen_fwhm, w->cen_offsets);
}

/* Where the centroids of record i (the s-th selected one) lie in the work arrays, and how many. */
static uint64_t centroids_of(const lv_batch *in, const batch_work *w, uint64_t i, uint64_t s,
                             uint64_t *first)
{
    if (w->slots) {
        *first = lv_half_slot(in->offsets[i] - in->offsets[0]);
        return w->cen_offsets[i + 1];
    }
    *first = w->cen_offsets[s];
    return w->cen_offsets[s + 1] - w->cen_offsets[s];
}

/* Builds the output batch from the input and the centroids of the selected spectra. */
static lv_status assemble(lv_context *ctx, const lv_centroid_params *p, const lv_batch *in,
                          const batch_work *w, lv_batch **out)
{
    const uint64_t n = in->n;
    uint64_t points = 0, found = 0, s = 0, first;
    for (uint64_t i = 0; i < n; i++) {
        if (w->sel[i]) {
            const uint64_t c = centroids_of(in, w, i, s++, &first);
            points += c;
            found += c;
        } else {
            points += in->offsets[i + 1] - in->offsets[i];
        }
    }
    lv_batch *b;
    FORWARD_IF_ERROR(lv_batch_alloc_like(ctx, in, points, &b));
    uint64_t pos = 0;
    s = 0;
    for (uint64_t i = 0; i < n; i++) {
        b->offsets[i] = pos;
        if (w->sel[i]) {
            const uint64_t len = centroids_of(in, w, i, s++, &first);
            memcpy(b->mz + pos, w->cen_mz + first, (size_t)len * sizeof *b->mz);
            memcpy(b->intensity + pos, w->cen_intensity + first,
                   (size_t)len * sizeof *b->intensity);
            b->representation[i] = LV_REPR_CENTROID;
            b->processed[i] = 1;
            pos += len;
        } else {
            const uint64_t c0 = in->offsets[i], len = in->offsets[i + 1] - c0;
            memcpy(b->mz + pos, in->mz + c0, (size_t)len * sizeof *b->mz);
            memcpy(b->intensity + pos, in->intensity + c0, (size_t)len * sizeof *b->intensity);
            pos += len;
        }
    }
    b->offsets[n] = pos;

    lv_status st = LV_OK;
    for (uint32_t k = 0; st == LV_OK && k < in->n_extra; k++)
        st = copy_extra_unprocessed(in, k, b, w->sel);
    if (st == LV_OK && p->fwhm) {
        uint32_t k;
        st = lv_batch_add_extra(b, "FWHM", LV_DTYPE_F32, found, &k);
        if (st == LV_OK) {
            lv_batch_extra_col *c = &b->extras[k];
            uint64_t t = 0;
            s = 0;
            c->offsets[0] = 0;
            for (uint64_t i = 0; i < n; i++) {
                if (w->sel[i]) {
                    const uint64_t len = centroids_of(in, w, i, s++, &first);
                    if (len) memcpy((float *)c->data + t, w->cen_fwhm + first, (size_t)len * 4);
                    t += len;
                }
                c->offsets[i + 1] = t;
            }
        }
    }
    if (st != LV_OK) {
        lv_batch_destroy(b);
        return st;
    }
    *out = b;
    return LV_OK;
}

LV_API lv_status lv_centroid_batch(lv_context *ctx, const lv_centroid_params *params,
                                   const lv_batch *in, lv_batch **out)
{
    RETURN_ERROR_IF(ctx == NULL || in == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_centroid_batch: %s is NULL",
                    ctx == NULL  ? "ctx"
                    : in == NULL ? "in"
                                 : "out");
    RETURN_ERROR_IF(in->kind != LV_RECORD_SPECTRUM, LV_ERR_INVALID_ARGUMENT,
                    "lv_centroid_batch: the batch holds chromatograms, not spectra");
    lv_centroid_params p;
    FORWARD_IF_ERROR(lv_centroid_check_params("lv_centroid_batch", params, &p));
    batch_work w;
    memset(&w, 0, sizeof w);
    uint64_t n_sel = 0;
    lv_status st = centroid_selected(ctx, &p, in, &w, &n_sel);
    if (st != LV_OK && !w.slots && n_sel < in->n && st == LV_ERR_INVALID_ARGUMENT)
        st = lv_error_prefix(
            st, "lv_centroid_batch (spectrum numbers below count the selected spectra only)");
    if (st == LV_OK) st = assemble(ctx, &p, in, &w, out);
    release(&w);
    return st;
}
