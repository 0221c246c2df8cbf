/* reader.c - the public reader: open, info, streaming and random access.
 *
 * Reading a group of records runs in two parallel phases on the context's threads:
 *   1. split + parse: each record's markup is separated from its payloads and parsed by libxml2
 *      into an lv_record_meta (array lengths are known from the markup, without decoding);
 *   2. decode: with the batch allocated once for the exact point count, every array is decoded
 *      straight into its place in the batch.
 * Records parsed beyond the point budget of one lv_reader_next() call are kept for the next. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "io/batch.h"
#include "io/mzml.h"
#include "io/reader_raw.h"
#include "io/sha1.h"
#include "io/source.h"
#include "runtime/context.h"
#include "runtime/error.h"

typedef struct worker_state {
    lv_meta_parser *parser;
    lv_bytes markup;
    lv_span_list spans;
    lv_decode_scratch scratch;
} worker_state;

struct lv_reader {
    char *path;
    lv_source *src;
    lv_mzml_header header;
    lv_mzml_index index;
    lv_context *ctx;     /* threads (and pinned memory when it runs on CUDA) */
    lv_context *own_ctx; /* created when the caller gave none */
    uint64_t batch_points;
    uint64_t next_spectrum;
    uint32_t n_workers;
    worker_state *workers;
    /* parsed ahead by lv_reader_next: spectra [pending_first, pending_first + pending_n) */
    lv_record_meta *pending;
    uint64_t pending_first;
    uint64_t pending_n;
    uint64_t pending_cap;
    double *rt_table;       /* scan start time of every spectrum (NaN if none), built on demand */
    uint8_t compact_markup; /* UTF-8 file: lv_record_split_compact and lv_meta_parse fast */
    uint32_t checksum_state;
    uint32_t encodings_seen;
    double parse_seconds;  /* wall time in parse_group (split + markup) */
    double decode_seconds; /* wall time in build_batch (layout + array decoding) */
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *kind_name(lv_record_kind k)
{
    return k == LV_RECORD_SPECTRUM ? "spectrum" : "chromatogram";
}

static lv_record_table *table_of(lv_reader *r, lv_record_kind k)
{
    return k == LV_RECORD_SPECTRUM ? &r->index.spectra : &r->index.chromatograms;
}

LV_API void lv_reader_params_init(lv_reader_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->batch_points = 2000000;
}

static void free_pending(lv_reader *r)
{
    for (uint64_t i = 0; i < r->pending_n; i++)
        lv_record_meta_free(&r->pending[i]);
    r->pending_n = 0;
}

LV_API void lv_reader_close(lv_reader *r)
{
    if (!r) return;
    free_pending(r);
    free(r->pending);
    for (uint32_t w = 0; w < r->n_workers; w++) {
        lv_meta_parser_destroy(r->workers[w].parser);
        lv_bytes_free(&r->workers[w].markup);
        free(r->workers[w].spans.items);
        lv_decode_scratch_free(&r->workers[w].scratch);
    }
    free(r->workers);
    free(r->rt_table);
    lv_index_free(&r->index);
    lv_mzml_header_free(&r->header);
    lv_source_close(r->src);
    lv_context_destroy(r->own_ctx);
    free(r->path);
    free(r);
}

/* SHA-1 of the bytes before the checksum's value, compared with <fileChecksum>. */
static lv_status verify_checksum(lv_reader *r)
{
    const char *want = r->index.file_checksum;
    int placeholder = want[0] == '\0' || strspn(want, "0") == strlen(want);
    if (placeholder || r->index.checksum_extent == 0) {
        r->checksum_state = 3;
        return LV_OK;
    }
    lv_sha1 s;
    lv_sha1_init(&s);
    for (uint64_t off = 0; off < r->index.checksum_extent;) {
        const uint8_t *p;
        size_t got;
        uint64_t left = r->index.checksum_extent - off;
        FORWARD_IF_ERROR(
            lv_source_view(r->src, off, left < (8u << 20) ? left : (8u << 20), &p, &got));
        if (got == 0) break;
        lv_sha1_update(&s, p, got);
        off += got;
        lv_source_release_before(r->src, off);
    }
    char hex[41];
    lv_sha1_final_hex(&s, hex);
    r->checksum_state = strcasecmp(hex, want) == 0 ? 1 : 2;
    return LV_OK;
}

static lv_status open_impl(lv_reader *r, const char *path, const lv_reader_params *p)
{
    r->path = strdup(path);
    RETURN_IF_NULL_ALLOC(r->path, strlen(path) + 1);
    r->batch_points = p->batch_points ? p->batch_points : 2000000;
    if (p->context) {
        r->ctx = p->context;
    } else {
        lv_context_params cp;
        lv_context_params_init(&cp);
        cp.device = LV_DEVICE_CPU;
        cp.n_threads = 1;
        FORWARD_IF_ERROR(lv_context_create(&cp, &r->own_ctx));
        r->ctx = r->own_ctx;
    }
    FORWARD_IF_ERROR(lv_source_open(path, &r->src));
    uint64_t size = lv_source_size(r->src);

    /* The header ends where the first record list begins; read enough to find it. */
    size_t want = 1u << 20;
    const uint8_t *xml;
    size_t got;
    for (;;) {
        FORWARD_IF_ERROR(lv_source_view(r->src, 0, want, &xml, &got));
        if (got >= size || memmem(xml, got, "<spectrumList", 13) ||
            memmem(xml, got, "<chromatogramList", 17))
            break;
        want *= 4;
    }
    FORWARD_IF_ERROR(lv_mzml_header_parse(path, xml, got, &r->header));
    /* Dropping blanks byte-wise is safe in UTF-8 (and would be in any ASCII-compatible
     * encoding); other encodings keep their markup as it is. */
    r->compact_markup = lv_mzml_header_is_utf8(&r->header);
    const uint8_t *s = memmem(xml, got, "<spectrumList", 13);
    const uint8_t *c = memmem(xml, s ? (size_t)(s - xml) : got, "<chromatogramList", 17);
    const uint8_t *first = c ? c : s;
    uint64_t lists_start = first ? (uint64_t)(first - xml) : size;

    FORWARD_IF_ERROR(
        lv_index_load(r->src, path, &r->header, lists_start, p->rebuild_index != 0, &r->index));
    if (p->verify_checksum) FORWARD_IF_ERROR(verify_checksum(r));
    /* Checking the index touched a page at every record and read the index at the end of the
     * file; streaming releases pages only behind it, so those would stay resident (some 40 MB
     * of a 10 GB run's peak RSS). */
    lv_source_release_all(r->src);

    r->n_workers = lv_context_threads(r->ctx);
    r->workers = calloc(r->n_workers, sizeof *r->workers);
    RETURN_IF_NULL_ALLOC(r->workers, r->n_workers * sizeof *r->workers);
    return LV_OK;
}

LV_API lv_status lv_reader_open(const char *path, const lv_reader_params *params, lv_reader **out)
{
    RETURN_ERROR_IF(path == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_reader_open: path and out must not be NULL");
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_reader_params);
    lv_reader_params p;
    lv_reader_params_init(&p);
    if (params) p = *params;
    lv_reader *r = calloc(1, sizeof *r);
    RETURN_IF_NULL_ALLOC(r, sizeof *r);
    lv_status st = open_impl(r, path, &p);
    if (st != LV_OK) {
        lv_reader_close(r);
        return st;
    }
    lv_error_clear();
    *out = r;
    return LV_OK;
}

LV_API lv_status lv_reader_info(const lv_reader *r, lv_file_info *info)
{
    RETURN_ERROR_IF(r == NULL || info == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_reader_info: reader and info must not be NULL");
    RETURN_ERROR_IF(info->size != sizeof *info, LV_ERR_INVALID_ARGUMENT,
                    "lv_file_info.size is %zu, expected %zu", info->size, sizeof *info);
    info->n_spectra = r->index.spectra.n;
    info->n_chromatograms = r->index.chromatograms.n;
    info->file_bytes = lv_source_size(r->src);
    info->compressed_bytes = lv_source_disk_size(r->src);
    info->gzip = (uint32_t)lv_source_is_gzip(r->src);
    info->index_state = r->index.state;
    info->checksum_state = r->checksum_state;
    info->mzml_version = r->header.mzml_version;
    info->writer_software = r->header.writer_software;
    info->index_message = r->index.message;
    info->encodings_seen = r->encodings_seen;
    info->parse_seconds = r->parse_seconds;
    info->decode_seconds = r->decode_seconds;
    return LV_OK;
}

/* ---- phase 1: split and parse a group of records ---- */

typedef struct parse_job {
    lv_reader *r;
    lv_record_kind kind;
    uint64_t first;
    uint64_t count;
    const uint8_t *base; /* view of [base_off, base_off + base_len) */
    uint64_t base_off;
    uint64_t base_len;
    uint64_t last_end; /* end of the group's last record (known) */
    lv_record_meta *metas;
} parse_job;

static lv_status worker_init(lv_reader *r, uint32_t w)
{
    worker_state *ws = &r->workers[w];
    if (!ws->parser) FORWARD_IF_ERROR(lv_meta_parser_create(&r->header, &ws->parser));
    return LV_OK;
}

static lv_status record_context(lv_status st, lv_reader *r, lv_record_kind kind, uint64_t i,
                                uint64_t off)
{
    const char *id = lv_record_table_id(table_of(r, kind), i);
    return lv_error_prefix(st, "%s: byte %llu: %s %llu '%s'", r->path, (unsigned long long)off,
                           kind_name(kind), (unsigned long long)i, id ? id : "");
}

static lv_status parse_task(void *arg, size_t task, uint32_t w)
{
    parse_job *job = arg;
    lv_reader *r = job->r;
    lv_record_table *t = table_of(r, job->kind);
    uint64_t i = job->first + task;
    uint64_t start = t->offsets[i];
    /* A record ends before the next one starts; the group's last ends at last_end. */
    uint64_t limit = task + 1 < job->count ? t->offsets[i + 1] : job->last_end;
    FORWARD_IF_ERROR(worker_init(r, w));
    worker_state *ws = &r->workers[w];
    const uint8_t *p = job->base + (start - job->base_off);
    size_t end, n = (size_t)(limit - start);
    int at_eof = limit >= lv_source_size(r->src);
    lv_status st = (r->compact_markup ? lv_record_split_compact : lv_record_split)(
        p, n, job->kind, at_eof, &ws->markup, &ws->spans, &end);
    if (st == LV_OK)
        st = lv_meta_parse(ws->parser, job->kind, ws->markup.data, ws->markup.len, start,
                           &ws->spans, r->compact_markup, &job->metas[task]);
    if (st != LV_OK && r->compact_markup) {
        /* Errors are rare: the record is parsed again as it is written, so that the outcome,
         * libxml2's message and its line numbers are those of the record itself. */
        st = lv_record_split(p, n, job->kind, at_eof, &ws->markup, &ws->spans, &end);
        if (st == LV_OK)
            st = lv_meta_parse(ws->parser, job->kind, ws->markup.data, ws->markup.len, start,
                               &ws->spans, 0, &job->metas[task]);
    }
    if (st != LV_OK) return record_context(st, r, job->kind, i, start);
    job->metas[task].end = start + end;
    job->metas[task].index = i;
    return LV_OK;
}

/* Maps a group's file pages in ahead of the parse, in 1 MiB pieces across the context's threads:
 * done by one thread it was about 3% of a 1-thread read and serial, which alone cost 2-thread
 * reads some 5% of their scaling. */
#define PREFAULT_CHUNK ((uint64_t)1 << 20)

typedef struct prefault_job {
    lv_source *src;
    uint64_t off;
    uint64_t len;
} prefault_job;

static lv_status prefault_task(void *arg, size_t task, uint32_t w)
{
    (void)w;
    prefault_job *job = arg;
    uint64_t at = (uint64_t)task * PREFAULT_CHUNK;
    uint64_t len = job->len - at < PREFAULT_CHUNK ? job->len - at : PREFAULT_CHUNK;
    lv_source_prefault(job->src, job->off + at, len);
    return LV_OK;
}

static void prefault(lv_reader *r, uint64_t off, uint64_t len)
{
    prefault_job job = {r->src, off, len};
    size_t chunks = (size_t)((len + PREFAULT_CHUNK - 1) / PREFAULT_CHUNK);
    if (r->n_workers < 2 || chunks < 2) {
        lv_source_prefault(r->src, off, len);
        return;
    }
    (void)lv_context_parallel(r->ctx, chunks, prefault_task, &job); /* a hint: cannot fail */
}

/* Parses records [first, first + count) of a kind into metas (caller frees each). */
static lv_status parse_group(lv_reader *r, lv_record_kind kind, uint64_t first, uint64_t count,
                             lv_record_meta *metas)
{
    lv_record_table *t = table_of(r, kind);
    uint64_t last = first + count - 1;
    uint64_t last_end;
    if (last + 1 < t->n) {
        last_end = t->offsets[last + 1];
    } else {
        worker_state *ws = &r->workers[0];
        lv_status st = lv_locate_record_end(r->src, kind, t->offsets[last], &ws->markup, &ws->spans,
                                            &last_end);
        if (st != LV_OK) return record_context(st, r, kind, last, t->offsets[last]);
    }
    parse_job job = {r, kind, first, count, NULL, t->offsets[first], 0, last_end, metas};
    prefault(r, job.base_off, last_end - job.base_off);
    size_t got;
    FORWARD_IF_ERROR(
        lv_source_view(r->src, job.base_off, (size_t)(last_end - job.base_off), &job.base, &got));
    job.base_len = got;
    RETURN_ERROR_IF(got < last_end - job.base_off, LV_ERR_TRUNCATED,
                    "%s: the file ends at byte %llu, inside %s %llu", r->path,
                    (unsigned long long)(job.base_off + got), kind_name(kind),
                    (unsigned long long)last);
    memset(metas, 0, count * sizeof *metas);
    lv_status st = lv_context_parallel(r->ctx, (size_t)count, parse_task, &job);
    if (st != LV_OK)
        for (uint64_t k = 0; k < count; k++)
            lv_record_meta_free(&metas[k]);
    return st;
}

/* ---- phase 2: decode into a batch ---- */

/* The array that gives a record its points (m/z or time) and its intensity array. */
static void main_arrays(const lv_record_meta *m, lv_record_kind kind, const lv_array_meta **x,
                        const lv_array_meta **y)
{
    *x = *y = NULL;
    lv_array_role want = kind == LV_RECORD_SPECTRUM ? LV_ARRAY_MZ : LV_ARRAY_TIME;
    for (uint32_t a = 0; a < m->n_arrays; a++) {
        if (m->arrays[a].role == want && !*x)
            *x = &m->arrays[a];
        else if (m->arrays[a].role == LV_ARRAY_INTENSITY && !*y)
            *y = &m->arrays[a];
    }
}

static lv_dtype extra_dtype(const lv_array_meta *a)
{
    if (a->enc.numpress != LV_NUMPRESS_NONE || !a->enc.dtype_known) return LV_DTYPE_F64;
    return a->enc.dtype;
}

static const char *extra_name(const lv_array_meta *a)
{
    return a->name[0] ? a->name : "unnamed array";
}

typedef struct decode_job {
    lv_reader *r;
    lv_record_kind kind;
    const lv_record_meta *metas;
    lv_batch *batch;
    uint32_t *extra_col; /* per record, per array: the extra column (UINT32_MAX for main) */
    uint64_t *extra_first;
    const uint8_t *base;
    uint64_t base_off;
    uint8_t **ascii; /* per array slot: ASCII arrays decoded during layout (else NULL) */
} decode_job;

/* The base64 text of an array inside the group's view.  An array without a <binary> element
 * (payload_len 0, payload_off unset) reads as empty, and its declared length then decides
 * whether that is an error. */
static const char *payload_text(const decode_job *job, const lv_array_meta *a)
{
    return a->payload_len ? (const char *)job->base + (a->payload_off - job->base_off) : "";
}

static lv_status decode_one(decode_job *job, const lv_array_meta *a, uint64_t n, lv_dtype dtype,
                            void *out, worker_state *ws)
{
    const char *b64 = payload_text(job, a);
    return lv_decode_array(b64, (size_t)a->payload_len, &a->enc, n, dtype, out, &ws->scratch);
}

static lv_status decode_task(void *arg, size_t task, uint32_t w)
{
    decode_job *job = arg;
    lv_batch *b = job->batch;
    const lv_record_meta *m = &job->metas[task];
    worker_state *ws = &job->r->workers[w];
    const lv_array_meta *x, *y;
    main_arrays(m, job->kind, &x, &y);
    uint64_t off = b->offsets[task];
    uint64_t n = b->offsets[task + 1] - off;
    lv_status st = LV_OK;
    const lv_array_meta *failed = NULL;
    if (x && n) {
        st = decode_one(job, x, n, LV_DTYPE_F64, b->mz + off, ws);
        failed = x;
        if (st == LV_OK && x->role == LV_ARRAY_TIME && x->time_scale != 1.0)
            for (uint64_t k = 0; k < n; k++)
                b->mz[off + k] *= x->time_scale;
    }
    if (st == LV_OK && y && n) {
        st = decode_one(job, y, n, LV_DTYPE_F32, b->intensity + off, ws);
        failed = y;
    } else if (st == LV_OK && !y) {
        for (uint64_t k = 0; k < n; k++)
            b->intensity[off + k] = NAN;
    }
    for (uint32_t a = 0; st == LV_OK && a < m->n_arrays; a++) {
        uint64_t slot = job->extra_first[task] + a;
        uint32_t col = job->extra_col[slot];
        if (col == UINT32_MAX) continue;
        lv_batch_extra_col *c = &b->extras[col];
        uint64_t first = c->offsets[task];
        uint64_t len = c->offsets[task + 1] - first;
        void *dst = (uint8_t *)c->data + first * lv_dtype_size(c->dtype);
        if (job->ascii[slot]) {
            memcpy(dst, job->ascii[slot], (size_t)len);
            continue;
        }
        st = decode_one(job, &m->arrays[a], len, c->dtype, dst, ws);
        failed = &m->arrays[a];
    }
    if (st != LV_OK) {
        const char *what = failed->role == LV_ARRAY_MZ          ? "m/z array"
                           : failed->role == LV_ARRAY_INTENSITY ? "intensity array"
                           : failed->role == LV_ARRAY_TIME      ? "time array"
                                                                : extra_name(failed);
        const char *id = m->id ? m->id : "";
        return lv_error_prefix(st, "%s: byte %llu: %s %llu '%s': %s", job->r->path,
                               (unsigned long long)failed->payload_off, kind_name(job->kind),
                               (unsigned long long)m->index, id, what);
    }
    return LV_OK;
}

static uint32_t encoding_bits(const lv_array_meta *a)
{
    static const uint32_t np_bits[] = {0, LV_ENCODING_NP_LINEAR, LV_ENCODING_NP_PIC,
                                       LV_ENCODING_NP_SLOF};
    static const uint32_t type_bits[] = {LV_ENCODING_F32, LV_ENCODING_F64, LV_ENCODING_I32,
                                         LV_ENCODING_I64, LV_ENCODING_ASCII};
    uint32_t bits = np_bits[a->enc.numpress];
    if (a->enc.zlib) bits |= LV_ENCODING_ZLIB;
    if (!a->enc.zlib && a->enc.numpress == LV_NUMPRESS_NONE) bits |= LV_ENCODING_NONE;
    if (a->enc.numpress == LV_NUMPRESS_NONE && a->enc.dtype_known) bits |= type_bits[a->enc.dtype];
    return bits;
}

/* Finds or adds the extra column (name, dtype) among b's columns, counting a record's use. */
static lv_status extra_column(lv_batch *b, const char *name, lv_dtype dtype, uint64_t **counts,
                              uint32_t *col)
{
    for (uint32_t k = 0; k < b->n_extra; k++)
        if (b->extras[k].dtype == dtype && strcmp(b->extras[k].name, name) == 0) {
            *col = k;
            return LV_OK;
        }
    uint64_t *grown = realloc(*counts, (b->n_extra + 1) * sizeof *grown);
    RETURN_IF_NULL_ALLOC(grown, (b->n_extra + 1) * sizeof *grown);
    *counts = grown;
    grown[b->n_extra] = 0;
    return lv_batch_add_extra(b, name, dtype, 0, col);
}

static lv_status build_batch(lv_reader *r, lv_record_kind kind, const lv_record_meta *metas,
                             uint64_t n, lv_batch **out)
{
    uint64_t points = 0;
    size_t id_bytes = 0;
    size_t n_arrays = 0;
    for (uint64_t i = 0; i < n; i++) {
        const lv_record_meta *m = &metas[i];
        const lv_array_meta *x, *y;
        main_arrays(m, kind, &x, &y);
        if (!x && y)
            return lv_error_set(LV_ERR_FORMAT,
                                "%s: byte %llu: %s %llu '%s': an intensity array without %s",
                                r->path, (unsigned long long)m->start, kind_name(kind),
                                (unsigned long long)m->index, m->id,
                                kind == LV_RECORD_SPECTRUM ? "an m/z array" : "a time array");
        if (x && y && x->length != y->length)
            return lv_error_set(LV_ERR_ARRAY_LENGTH,
                                "%s: byte %llu: %s %llu '%s': %s array declares %llu values but "
                                "the intensity array %llu",
                                r->path, (unsigned long long)m->start, kind_name(kind),
                                (unsigned long long)m->index, m->id,
                                kind == LV_RECORD_SPECTRUM ? "the m/z" : "the time",
                                (unsigned long long)x->length, (unsigned long long)y->length);
        points += x ? x->length : 0;
        id_bytes += strlen(m->id) + 1;
        n_arrays += m->n_arrays;
        for (uint32_t a = 0; a < m->n_arrays; a++)
            r->encodings_seen |= encoding_bits(&m->arrays[a]);
    }
    lv_context *pinned = lv_context_device(r->ctx) == LV_DEVICE_CUDA && !r->own_ctx ? r->ctx : NULL;
    lv_batch *b;
    FORWARD_IF_ERROR(lv_batch_alloc(pinned, kind, n, points, id_bytes, &b));
    decode_job job = {r, kind, metas, b, NULL, NULL, NULL, 0, NULL};
    uint64_t *counts = NULL;
    job.extra_col = malloc((n_arrays ? n_arrays : 1) * sizeof *job.extra_col);
    job.extra_first = malloc(n * sizeof *job.extra_first + 1);
    job.ascii = calloc(n_arrays ? n_arrays : 1, sizeof *job.ascii);
    lv_status st = (job.extra_col && job.extra_first && job.ascii)
                       ? LV_OK
                       : lv_error_set(LV_ERR_NO_MEMORY, "out of memory assembling a batch");
    /* The payloads of the whole group, in one view (valid until the next view call). */
    if (st == LV_OK && n > 0) {
        uint64_t lo = metas[0].start, hi = metas[n - 1].end;
        size_t got;
        st = lv_source_view(r->src, lo, (size_t)(hi - lo), &job.base, &got);
        job.base_off = lo;
    }

    /* Columns, ids, and the extra-array layout (serial: cheap bookkeeping). */
    uint64_t pos = 0, id_pos = 0, slot = 0;
    for (uint64_t i = 0; st == LV_OK && i < n; i++) {
        const lv_record_meta *m = &metas[i];
        const lv_array_meta *x, *y;
        main_arrays(m, kind, &x, &y);
        b->offsets[i] = pos;
        pos += x ? x->length : 0;
        b->index[i] = m->index;
        b->id_offsets[i] = id_pos;
        size_t idl = strlen(m->id) + 1;
        memcpy(b->id_arena + id_pos, m->id, idl);
        id_pos += idl;
        b->ms_level[i] = m->ms_level;
        b->rt_seconds[i] = m->rt_seconds;
        b->polarity[i] = m->polarity;
        b->representation[i] = m->representation;
        b->precursor_mz[i] = m->precursor_mz;
        b->precursor_charge[i] = m->precursor_charge;
        b->precursor_intensity[i] = m->precursor_intensity;
        job.extra_first[i] = slot;
        for (uint32_t a = 0; st == LV_OK && a < m->n_arrays; a++, slot++) {
            const lv_array_meta *am = &m->arrays[a];
            if (am == x || am == y) {
                job.extra_col[slot] = UINT32_MAX;
                continue;
            }
            char name[LV_ARRAY_NAME_CAP + 16];
            snprintf(name, sizeof name, "%s", extra_name(am));
            uint32_t col;
            st = extra_column(b, name, extra_dtype(am), &counts, &col);
            /* a second array of the same name in one record gets its own column */
            for (int dup = 2; st == LV_OK && b->extras[col].offsets[i] != counts[col]; dup++) {
                snprintf(name, sizeof name, "%.80s (%d)", extra_name(am), dup);
                st = extra_column(b, name, extra_dtype(am), &counts, &col);
            }
            if (st != LV_OK) break;
            job.extra_col[slot] = col;
            if (extra_dtype(am) == LV_DTYPE_ASCII) {
                /* arrayLength counts strings, so the byte count is known only once decoded */
                uint64_t bytes = 0;
                lv_dtype got_type;
                const char *b64 = payload_text(&job, am);
                st = lv_decode_array_alloc(b64, (size_t)am->payload_len, &am->enc, LV_DTYPE_ASCII,
                                           (void **)&job.ascii[slot], &bytes, &got_type,
                                           &r->workers[0].scratch);
                uint64_t strings = 0;
                for (uint64_t k = 0; st == LV_OK && k < bytes; k++)
                    if (job.ascii[slot][k] == '\0' || k + 1 == bytes) strings++;
                if (st == LV_OK && strings != am->length)
                    st = lv_error_set(LV_ERR_ARRAY_LENGTH, "declares %llu strings but holds %llu",
                                      (unsigned long long)am->length, (unsigned long long)strings);
                if (st != LV_OK) {
                    st = lv_error_prefix(st, "%s: byte %llu: %s %llu '%s': %s", r->path,
                                         (unsigned long long)am->payload_off, kind_name(kind),
                                         (unsigned long long)m->index, m->id, extra_name(am));
                    break;
                }
                counts[col] += bytes;
            } else {
                counts[col] += am->length;
            }
        }
        /* close this record's extent in every column */
        for (uint32_t k = 0; st == LV_OK && k < b->n_extra; k++)
            b->extras[k].offsets[i + 1] = counts[k];
    }
    if (st == LV_OK) {
        b->offsets[n] = pos;
        b->id_offsets[n] = id_pos;
        for (uint32_t k = 0; k < b->n_extra; k++) {
            lv_batch_extra_col *c = &b->extras[k];
            /* columns added after record 0 start at 0 for earlier records */
            size_t bytes = (size_t)counts[k] * lv_dtype_size(c->dtype);
            void *d = realloc(c->data, bytes ? bytes : 1);
            if (!d) {
                st = lv_error_set(LV_ERR_NO_MEMORY, "out of memory for extra array '%s'", c->name);
                break;
            }
            c->data = d;
        }
    }
    if (st == LV_OK && n > 0) st = lv_context_parallel(r->ctx, (size_t)n, decode_task, &job);
    for (size_t k = 0; job.ascii && k < n_arrays; k++)
        free(job.ascii[k]);
    free(job.ascii);
    free(counts);
    free(job.extra_col);
    free(job.extra_first);
    if (st != LV_OK) {
        lv_batch_destroy(b);
        return st;
    }
    *out = b;
    return LV_OK;
}

/* ---- public reading calls ---- */

LV_API lv_status lv_reader_read(lv_reader *r, lv_record_kind kind, uint64_t first, uint64_t count,
                                lv_batch **out)
{
    RETURN_ERROR_IF(r == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_reader_read: reader and out must not be NULL");
    RETURN_ERROR_IF(kind != LV_RECORD_SPECTRUM && kind != LV_RECORD_CHROMATOGRAM,
                    LV_ERR_INVALID_ARGUMENT, "lv_reader_read: kind %d is not a record kind",
                    (int)kind);
    lv_record_table *t = table_of(r, kind);
    RETURN_ERROR_IF(first > t->n || count > t->n - first, LV_ERR_NOT_FOUND,
                    "%s: %ss [%llu, %llu) requested but the file has %llu", r->path,
                    kind_name(kind), (unsigned long long)first, (unsigned long long)(first + count),
                    (unsigned long long)t->n);
    lv_record_meta *metas = calloc(count ? count : 1, sizeof *metas);
    RETURN_IF_NULL_ALLOC(metas, count * sizeof *metas);
    double t0 = now_seconds();
    lv_status st = count ? parse_group(r, kind, first, count, metas) : LV_OK;
    double t1 = now_seconds();
    if (st == LV_OK) st = build_batch(r, kind, metas, count, out);
    r->parse_seconds += t1 - t0;
    r->decode_seconds += now_seconds() - t1;
    for (uint64_t i = 0; i < count; i++)
        lv_record_meta_free(&metas[i]);
    free(metas);
    if (st == LV_OK) lv_error_clear();
    return st;
}

/* How many spectra from `first` to parse ahead: about the bytes that hold the point budget. */
static uint64_t group_size(lv_reader *r, uint64_t first)
{
    lv_record_table *t = &r->index.spectra;
    uint64_t byte_budget = r->batch_points * 16;
    if (byte_budget < (1u << 20)) byte_budget = 1u << 20;
    uint64_t k = 1;
    while (first + k < t->n && k < 65536 && t->offsets[first + k] - t->offsets[first] < byte_budget)
        k++;
    return k;
}

LV_API lv_status lv_reader_next(lv_reader *r, lv_batch **out)
{
    RETURN_ERROR_IF(r == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_reader_next: reader and out must not be NULL");
    lv_record_table *t = &r->index.spectra;
    if (r->next_spectrum >= t->n) {
        *out = NULL;
        return LV_OK;
    }
    if (r->pending_n == 0 || r->pending_first != r->next_spectrum) {
        free_pending(r);
        uint64_t k = group_size(r, r->next_spectrum);
        if (k > r->pending_cap) {
            lv_record_meta *p = realloc(r->pending, k * sizeof *p);
            RETURN_IF_NULL_ALLOC(p, k * sizeof *p);
            r->pending = p;
            r->pending_cap = k;
        }
        double t0 = now_seconds();
        lv_status st = parse_group(r, LV_RECORD_SPECTRUM, r->next_spectrum, k, r->pending);
        r->parse_seconds += now_seconds() - t0;
        FORWARD_IF_ERROR(st);
        r->pending_first = r->next_spectrum;
        r->pending_n = k;
    }
    /* The prefix that fits the point budget (at least one spectrum). */
    uint64_t take = 0, points = 0;
    while (take < r->pending_n) {
        const lv_array_meta *x, *y;
        main_arrays(&r->pending[take], LV_RECORD_SPECTRUM, &x, &y);
        uint64_t n = x ? x->length : 0;
        if (take > 0 && points + n > r->batch_points) break;
        points += n;
        take++;
    }
    lv_batch *b;
    double t0 = now_seconds();
    lv_status st = build_batch(r, LV_RECORD_SPECTRUM, r->pending, take, &b);
    r->decode_seconds += now_seconds() - t0;
    FORWARD_IF_ERROR(st);
    for (uint64_t i = 0; i < take; i++)
        lv_record_meta_free(&r->pending[i]);
    memmove(r->pending, r->pending + take, (r->pending_n - take) * sizeof *r->pending);
    r->pending_n -= take;
    r->pending_first += take;
    r->next_spectrum += take;
    if (r->next_spectrum < t->n) lv_source_release_before(r->src, t->offsets[r->next_spectrum]);
    lv_error_clear();
    *out = b;
    return LV_OK;
}

LV_API lv_status lv_reader_seek(lv_reader *r, uint64_t index)
{
    RETURN_ERROR_IF(r == NULL, LV_ERR_INVALID_ARGUMENT, "lv_reader_seek: reader is NULL");
    RETURN_ERROR_IF(index > r->index.spectra.n, LV_ERR_NOT_FOUND,
                    "%s: seek to spectrum %llu but the file has %llu", r->path,
                    (unsigned long long)index, (unsigned long long)r->index.spectra.n);
    r->next_spectrum = index;
    return LV_OK;
}

LV_API lv_status lv_reader_find_id(lv_reader *r, lv_record_kind kind, const char *id,
                                   uint64_t *index)
{
    RETURN_ERROR_IF(r == NULL || id == NULL || index == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_reader_find_id: reader, id and index must not be NULL");
    RETURN_ERROR_IF(kind != LV_RECORD_SPECTRUM && kind != LV_RECORD_CHROMATOGRAM,
                    LV_ERR_INVALID_ARGUMENT, "lv_reader_find_id: kind %d is not a record kind",
                    (int)kind);
    RETURN_ERROR_IF(!lv_record_table_find(table_of(r, kind), id, index), LV_ERR_NOT_FOUND,
                    "%s: no %s has id '%s'", r->path, kind_name(kind), id);
    return LV_OK;
}

static lv_status build_rt_table(lv_reader *r)
{
    lv_record_table *t = &r->index.spectra;
    double *rt = malloc((t->n ? t->n : 1) * sizeof *rt);
    RETURN_IF_NULL_ALLOC(rt, t->n * sizeof *rt);
    lv_record_meta *metas = NULL;
    lv_status st = LV_OK;
    for (uint64_t first = 0; st == LV_OK && first < t->n;) {
        uint64_t k = group_size(r, first);
        lv_record_meta *m = realloc(metas, k * sizeof *m);
        if (!m) {
            st = lv_error_set(LV_ERR_NO_MEMORY, "out of memory reading retention times");
            break;
        }
        metas = m;
        st = parse_group(r, LV_RECORD_SPECTRUM, first, k, metas);
        for (uint64_t i = 0; st == LV_OK && i < k; i++) {
            rt[first + i] = metas[i].rt_seconds;
            lv_record_meta_free(&metas[i]);
        }
        first += k;
        if (first < t->n) lv_source_release_before(r->src, t->offsets[first]);
    }
    free(metas);
    if (st != LV_OK) {
        free(rt);
        return st;
    }
    r->rt_table = rt;
    return LV_OK;
}

LV_API lv_status lv_reader_find_rt(lv_reader *r, double rt_min, double rt_max, uint64_t *first,
                                   uint64_t *count)
{
    RETURN_ERROR_IF(r == NULL || first == NULL || count == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_reader_find_rt: reader, first and count must not be NULL");
    RETURN_ERROR_IF(!(rt_min <= rt_max), LV_ERR_INVALID_ARGUMENT,
                    "lv_reader_find_rt: rt_min %g > rt_max %g (or NaN)", rt_min, rt_max);
    if (!r->rt_table) FORWARD_IF_ERROR(build_rt_table(r));
    /* Retention times increase in real runs, but nothing forces it: a linear pass finds the
     * first and last spectrum in the window either way. */
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint64_t i = 0; i < r->index.spectra.n; i++) {
        double t = r->rt_table[i];
        if (t >= rt_min && t <= rt_max) {
            if (lo == UINT64_MAX) lo = i;
            hi = i;
        }
    }
    *first = lo == UINT64_MAX ? 0 : lo;
    *count = lo == UINT64_MAX ? 0 : hi - lo + 1;
    return LV_OK;
}

/* ---- raw access for the writer (reader_raw.h) ---- */

lv_status lv_reader_raw_open(lv_reader *r, lv_reader_raw *out)
{
    RETURN_ERROR_IF(r == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_reader_raw_open: NULL argument");
    memset(out, 0, sizeof *out);
    FORWARD_IF_ERROR(lv_source_open_view(r->src, &out->view));
    out->path = r->path;
    out->header = &r->header;
    out->index = &r->index;
    out->context = r->ctx;
    return LV_OK;
}

void lv_reader_raw_close(lv_reader_raw *raw)
{
    if (!raw) return;
    lv_source_close(raw->view);
    raw->view = NULL;
}
