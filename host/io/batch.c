/* batch.c - allocation and views of batches. */
#include "io/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/decode.h"
#include "runtime/error.h"
#include "runtime/pages.h"

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

lv_status lv_batch_alloc(lv_context *ctx, lv_record_kind kind, uint64_t n, uint64_t n_points,
                         size_t id_bytes, lv_batch **out)
{
    lv_batch *b = calloc(1, sizeof *b);
    RETURN_IF_NULL_ALLOC(b, sizeof *b);
    /* Column layout inside one block, each column 64-byte aligned. */
    size_t sizes[] = {
        (n + 1) * sizeof(uint64_t), /* offsets */
        n * sizeof(uint64_t),       /* index */
        (n + 1) * sizeof(uint64_t), /* id_offsets */
        n_points * sizeof(double),  /* mz */
        n_points * sizeof(float),   /* intensity */
        n * sizeof(double),         /* rt */
        n * sizeof(double),         /* precursor mz */
        n * sizeof(double),         /* precursor intensity */
        n * sizeof(int32_t),        /* precursor charge */
        n,                          /* ms level */
        n,                          /* polarity */
        n,                          /* representation */
        n,                          /* processed */
        id_bytes ? id_bytes : 1,    /* id arena (last: its size is not a multiple of 8) */
    };
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        total += align64(sizes[i]);
    void *block = NULL;
    lv_status st;
    if (ctx)
        st = lv_host_alloc(ctx, total, &block);
    else
        st = (block = lv_pages_alloc(total)) != NULL
                 ? LV_OK
                 : lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating a batch of %zu bytes",
                                total);
    if (st != LV_OK) {
        free(b);
        return st;
    }
    uint8_t *p = block;
    void *cols[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        cols[i] = p;
        p += align64(sizes[i]);
    }
    b->kind = kind;
    b->n = n;
    b->n_points = n_points;
    b->ctx = ctx;
    b->block = block;
    b->offsets = cols[0];
    b->index = cols[1];
    b->id_offsets = cols[2];
    b->mz = cols[3];
    b->intensity = cols[4];
    b->rt_seconds = cols[5];
    b->precursor_mz = cols[6];
    b->precursor_intensity = cols[7];
    b->precursor_charge = cols[8];
    b->ms_level = cols[9];
    b->polarity = cols[10];
    b->representation = cols[11];
    b->processed = cols[12];
    memset(b->processed, 0, (size_t)n);
    b->id_arena = cols[13];
    *out = b;
    return LV_OK;
}

lv_status lv_batch_alloc_like(lv_context *ctx, const lv_batch *src, uint64_t n_points,
                              lv_batch **out)
{
    const uint64_t n = src->n;
    const size_t id_bytes = (size_t)src->id_offsets[n];
    lv_batch *b;
    FORWARD_IF_ERROR(lv_batch_alloc(ctx, src->kind, n, n_points, id_bytes, &b));
    memcpy(b->id_offsets, src->id_offsets, (size_t)(n + 1) * sizeof *b->id_offsets);
    if (id_bytes) memcpy(b->id_arena, src->id_arena, id_bytes);
    memcpy(b->index, src->index, (size_t)n * sizeof *b->index);
    memcpy(b->rt_seconds, src->rt_seconds, (size_t)n * sizeof *b->rt_seconds);
    memcpy(b->precursor_mz, src->precursor_mz, (size_t)n * sizeof *b->precursor_mz);
    memcpy(b->precursor_intensity, src->precursor_intensity,
           (size_t)n * sizeof *b->precursor_intensity);
    memcpy(b->precursor_charge, src->precursor_charge, (size_t)n * sizeof *b->precursor_charge);
    memcpy(b->ms_level, src->ms_level, (size_t)n);
    memcpy(b->polarity, src->polarity, (size_t)n);
    memcpy(b->representation, src->representation, (size_t)n);
    memcpy(b->processed, src->processed, (size_t)n);
    *out = b;
    return LV_OK;
}

lv_status lv_batch_add_extra(lv_batch *b, const char *name, lv_dtype dtype, uint64_t elements,
                             uint32_t *k)
{
    lv_batch_extra_col *cols = realloc(b->extras, (b->n_extra + 1) * sizeof *cols);
    RETURN_IF_NULL_ALLOC(cols, (b->n_extra + 1) * sizeof *cols);
    b->extras = cols;
    lv_batch_extra_col *c = &cols[b->n_extra];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->dtype = dtype;
    c->offsets = calloc(b->n + 1, sizeof *c->offsets);
    size_t bytes = (size_t)elements * lv_dtype_size(dtype);
    c->data = malloc(bytes ? bytes : 1);
    if (!c->offsets || !c->data) {
        free(c->offsets);
        free(c->data);
        return lv_error_set(LV_ERR_NO_MEMORY, "out of memory for extra array '%s'", name);
    }
    *k = b->n_extra++;
    return LV_OK;
}

LV_API void lv_batch_destroy(lv_batch *b)
{
    if (!b) return;
    for (uint32_t k = 0; k < b->n_extra; k++) {
        free(b->extras[k].offsets);
        free(b->extras[k].data);
    }
    free(b->extras);
    if (b->ctx)
        lv_host_free(b->ctx, b->block);
    else
        lv_pages_free(b->block);
    free(b);
}

LV_API lv_status lv_batch_get_view(const lv_batch *b, lv_batch_view *v)
{
    RETURN_ERROR_IF(b == NULL || v == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_batch_get_view: batch and view must not be NULL");
    RETURN_ERROR_IF(v->size != sizeof *v, LV_ERR_INVALID_ARGUMENT,
                    "lv_batch_view.size is %zu, expected %zu", v->size, sizeof *v);
    v->kind = b->kind;
    v->n_records = b->n;
    v->n_points = b->n_points;
    v->offsets = b->offsets;
    v->mz = b->mz;
    v->intensity = b->intensity;
    v->index = b->index;
    v->id_offsets = b->id_offsets;
    v->id_arena = b->id_arena;
    v->ms_level = b->ms_level;
    v->rt_seconds = b->rt_seconds;
    v->polarity = b->polarity;
    v->representation = b->representation;
    v->precursor_mz = b->precursor_mz;
    v->precursor_charge = b->precursor_charge;
    v->precursor_intensity = b->precursor_intensity;
    v->n_extra = b->n_extra;
    v->processed = b->processed;
    return LV_OK;
}

LV_API lv_status lv_batch_extra(const lv_batch *b, uint32_t k, const char **name, lv_dtype *dtype,
                                const uint64_t **offsets, const void **data)
{
    RETURN_ERROR_IF(b == NULL, LV_ERR_INVALID_ARGUMENT, "lv_batch_extra: batch is NULL");
    RETURN_ERROR_IF(k >= b->n_extra, LV_ERR_INVALID_ARGUMENT,
                    "lv_batch_extra: k=%u but the batch has %u extra arrays", k, b->n_extra);
    const lv_batch_extra_col *c = &b->extras[k];
    if (name) *name = c->name;
    if (dtype) *dtype = c->dtype;
    if (offsets) *offsets = c->offsets;
    if (data) *data = c->data;
    return LV_OK;
}

LV_API uint64_t lv_batch_count(const lv_batch *b)
{
    return b ? b->n : 0;
}

LV_API const char *lv_batch_id(const lv_batch *b, uint64_t i)
{
    return (b && i < b->n) ? b->id_arena + b->id_offsets[i] : NULL;
}
