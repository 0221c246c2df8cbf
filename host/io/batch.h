/* batch.h - the internals of lv_batch: one allocation holding every column (pinned when the
 * context runs on CUDA), plus separately allocated extra arrays. */
#ifndef LV_BATCH_H
#define LV_BATCH_H

#include "lavoisier.h"

typedef struct lv_batch_extra_col {
    char name[96];
    lv_dtype dtype;
    uint64_t *offsets; /* n + 1, in elements */
    void *data;
} lv_batch_extra_col;

struct lv_batch {
    lv_record_kind kind;
    uint64_t n;
    uint64_t n_points;
    lv_context *ctx; /* the block came from lv_host_alloc(ctx) when non-NULL */
    void *block;
    uint64_t *offsets;
    uint64_t *index;
    uint64_t *id_offsets;
    char *id_arena;
    double *mz;
    float *intensity;
    uint8_t *ms_level;
    double *rt_seconds;
    int8_t *polarity;
    uint8_t *representation;
    uint8_t *processed; /* 1 where an operation produced the record's arrays (see lv_batch_view) */
    double *precursor_mz;
    int32_t *precursor_charge;
    double *precursor_intensity;
    uint32_t n_extra;
    lv_batch_extra_col *extras;
};

/* Allocates a batch for n records, n_points points and id_bytes of ids (NULs included). */
lv_status lv_batch_alloc(lv_context *ctx, lv_record_kind kind, uint64_t n, uint64_t n_points,
                         size_t id_bytes, lv_batch **out);

/* Allocates a batch with src's kind, record count, ids and per-record metadata (index, ms level,
 * rt, polarity, representation, processed, precursor columns) and room for n_points values; the
 * caller fills offsets, mz, intensity and any extra columns. */
lv_status lv_batch_alloc_like(lv_context *ctx, const lv_batch *src, uint64_t n_points,
                              lv_batch **out);

/* Adds an extra column (offsets zeroed, data of `elements` elements); returns its position. */
lv_status lv_batch_add_extra(lv_batch *b, const char *name, lv_dtype dtype, uint64_t elements,
                             uint32_t *k);

#endif
