/* mzml_writer.c - the public writer: an indexed mzML 1.1 copy of a source file in which the
 * processed spectra of the batches passed to it replace the originals (see writer.h).
 *
 * The source is copied in document order.  A cursor (pos) walks the source; everything before it
 * is written.  Moving it forward copies bytes, applies the static edits planned at open, and
 * notes the output offset of every record start it passes, which becomes the new index.  A
 * processed spectrum is emitted from its rewritten text instead and the cursor jumps over the
 * original.  Rewriting (base64 + zlib of the arrays, and the markup edits) runs in parallel on
 * the context's threads, one task per processed spectrum; emission is serial, through the
 * simulator's buffered, hashed, write-to-temporary-then-rename stream, which with two threads or
 * more hashes and writes each full buffer on a thread of its own while the next one fills. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/reader_raw.h"
#include "io/writer.h"
#include "runtime/context.h"
#include "sim/sim_writer.h"

#define WR_COPY_CHUNK ((size_t)8 << 20)
/* Copied source pages are dropped from the mapping in steps of this much: each drop is a
 * madvise whose TLB flush interrupts every other thread of the process (the reader's too), so
 * one per record (tens of thousands per run) cost more than the copies. */
#define WR_RELEASE_STEP ((uint64_t)8 << 20)

struct lv_writer {
    char *path;
    lv_reader_raw raw;
    lv_context *ctx;
    lv_context *own_ctx;
    lv_writer_params params;
    char *processing; /* copy of params.processing */
    wr_plan plan;
    sim_writer *out;
    lv_status failed; /* sticky: set once the output is inconsistent */
    int finished;

    uint64_t pos;        /* next source byte to emit */
    uint64_t prefaulted; /* source bytes before it were prefaulted */
    uint64_t released;   /* source bytes before it were released */
    size_t next_edit;    /* next static edit */
    uint64_t next_spec;  /* spectra before it have their output offset */
    uint64_t next_chrom; /* same for chromatograms */
    uint64_t *spec_out;  /* output offsets */
    uint64_t *chrom_out;

    /* per batch, reused */
    lv_bytes *texts; /* rewritten records */
    size_t *consumed;
    uint64_t *rows; /* batch rows of the processed records */
    size_t cap;
    wr_scratch *scratch; /* per worker */
    uint32_t n_workers;
};

LV_API void lv_writer_params_init(lv_writer_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->compress = 1;
}

/* ---- emission ---- */

/* The bytes of a record list table at i, or UINT64_MAX past its end. */
static uint64_t table_at(const lv_record_table *t, uint64_t i)
{
    return i < t->n ? t->offsets[i] : UINT64_MAX;
}

static lv_status fail(lv_writer *w, lv_status st)
{
    if (w->failed == LV_OK) w->failed = st;
    return st;
}

static lv_status copy_source(lv_writer *w, uint64_t from, uint64_t to)
{
    while (from < to) {
        const uint8_t *p;
        size_t got;
        uint64_t want = to - from < WR_COPY_CHUNK ? to - from : WR_COPY_CHUNK;
        FORWARD_IF_ERROR(lv_source_view(w->raw.view, from, (size_t)want, &p, &got));
        RETURN_ERROR_IF(got == 0, LV_ERR_TRUNCATED, "%s: the source ends at byte %llu", w->raw.path,
                        (unsigned long long)from);
        sim_writer_put(w->out, (const char *)p, got);
        FORWARD_IF_ERROR(sim_writer_status(w->out));
        from += got;
    }
    /* Copied source bytes are not needed again: drop them from the resident set (they stay in
     * the page cache), or copying a whole run through the mapping would leave all of it mapped.
     * The reader streams ahead of the writer, so this only drops pages both are done with. */
    if (to >= w->released + WR_RELEASE_STEP) {
        lv_source_release_before(w->raw.view, to);
        w->released = to;
    }
    return LV_OK;
}

/* A record's index attribute must be its position, or readers (ours included) take the index
 * for stale.  Inputs with wrong ones exist (trimmed files, buggy converters); the value is
 * corrected, the only change made to an unprocessed record.  Called with the cursor on the
 * record's '<'; emits through the corrected value when a correction is due. */
static lv_status fix_index_attribute(lv_writer *w, uint64_t position)
{
    const uint8_t *p;
    size_t got;
    FORWARD_IF_ERROR(lv_source_view(w->raw.view, w->pos, 4096, &p, &got));
    size_t tl = lv_xml_tag_length(p, got);
    const uint8_t *v;
    size_t vl;
    if (tl == 0 || !lv_xml_find_attr(p, tl, "index", &v, &vl)) return LV_OK;
    char want[24];
    int n = snprintf(want, sizeof want, "%llu", (unsigned long long)position);
    if ((size_t)n == vl && memcmp(v, want, vl) == 0) return LV_OK;
    size_t before = (size_t)(v - p);
    sim_writer_put(w->out, (const char *)p, before);
    sim_writer_put(w->out, want, (size_t)n);
    w->pos += before + vl;
    return sim_writer_status(w->out);
}

/* Emits the source bytes before target, applying static edits and noting the offsets of the
 * records that start there (not of one starting at target itself). */
static lv_status advance_to(lv_writer *w, uint64_t target)
{
    const lv_mzml_index *ix = w->raw.index;
    /* The whole stretch is mapped in one call (the records in it are copied one by one). */
    if (target > w->prefaulted && target > w->pos) {
        const uint64_t from = w->prefaulted > w->pos ? w->prefaulted : w->pos;
        lv_source_prefault(w->raw.view, from, target - from);
        w->prefaulted = target;
    }
    for (;;) {
        if (w->pos >= target) return LV_OK;
        if (table_at(&ix->spectra, w->next_spec) == w->pos) {
            w->spec_out[w->next_spec++] = sim_writer_offset(w->out);
            FORWARD_IF_ERROR(fix_index_attribute(w, w->next_spec - 1));
            continue;
        }
        if (table_at(&ix->chromatograms, w->next_chrom) == w->pos) {
            w->chrom_out[w->next_chrom++] = sim_writer_offset(w->out);
            FORWARD_IF_ERROR(fix_index_attribute(w, w->next_chrom - 1));
            continue;
        }
        if (w->next_edit < w->plan.n_edits && w->plan.edits[w->next_edit].start == w->pos) {
            const wr_edit *e = &w->plan.edits[w->next_edit++];
            sim_writer_put(w->out, (const char *)e->text.data, e->text.len);
            FORWARD_IF_ERROR(sim_writer_status(w->out));
            w->pos = e->end;
            continue;
        }
        uint64_t stop = target;
        uint64_t s = table_at(&ix->spectra, w->next_spec),
                 c = table_at(&ix->chromatograms, w->next_chrom);
        if (s < stop) stop = s;
        if (c < stop) stop = c;
        if (w->next_edit < w->plan.n_edits && w->plan.edits[w->next_edit].start < stop)
            stop = w->plan.edits[w->next_edit].start;
        RETURN_ERROR_IF(stop < w->pos, LV_ERR_INTERNAL,
                        "%s: writer cursor at byte %llu passed an event at byte %llu", w->path,
                        (unsigned long long)w->pos, (unsigned long long)stop);
        FORWARD_IF_ERROR(copy_source(w, w->pos, stop));
        w->pos = stop;
    }
}

/* Source bytes available to spectrum i: up to the next spectrum, or the end of the last one. */
static uint64_t spectrum_limit(const lv_writer *w, uint64_t i)
{
    const lv_record_table *t = &w->raw.index->spectra;
    return i + 1 < t->n ? t->offsets[i + 1] : w->plan.last_spectrum_end;
}

/* ---- open / close ---- */

LV_API void lv_writer_close(lv_writer *w)
{
    if (!w) return;
    sim_writer_destroy(w->out); /* deletes the temporary file unless finished */
    wr_plan_free(&w->plan);
    lv_reader_raw_close(&w->raw);
    for (size_t i = 0; i < w->cap; i++)
        lv_bytes_free(&w->texts[i]);
    free(w->texts);
    free(w->consumed);
    free(w->rows);
    for (uint32_t k = 0; k < w->n_workers; k++)
        wr_scratch_free(&w->scratch[k]);
    free(w->scratch);
    free(w->spec_out);
    free(w->chrom_out);
    free(w->processing);
    free(w->path);
    lv_context_destroy(w->own_ctx);
    free(w);
}

static lv_status open_impl(lv_writer *w, const char *path, lv_reader *source)
{
    w->path = strdup(path);
    RETURN_IF_NULL_ALLOC(w->path, strlen(path) + 1);
    if (w->params.processing) {
        w->processing = strdup(w->params.processing);
        RETURN_IF_NULL_ALLOC(w->processing, strlen(w->params.processing) + 1);
        w->params.processing = w->processing;
    }
    if (w->params.context) {
        w->ctx = w->params.context;
    } else {
        lv_context_params cp;
        lv_context_params_init(&cp);
        cp.device = LV_DEVICE_CPU;
        cp.n_threads = 1;
        FORWARD_IF_ERROR(lv_context_create(&cp, &w->own_ctx));
        w->ctx = w->own_ctx;
    }
    w->n_workers = lv_context_threads(w->ctx);
    w->scratch = calloc(w->n_workers, sizeof *w->scratch);
    RETURN_IF_NULL_ALLOC(w->scratch, w->n_workers * sizeof *w->scratch);

    FORWARD_IF_ERROR(lv_reader_raw_open(source, &w->raw));
    const lv_mzml_index *ix = w->raw.index;
    /* The cursor walks both record lists in document order. */
    const lv_record_table *tables[2] = {&ix->spectra, &ix->chromatograms};
    for (int k = 0; k < 2; k++)
        for (uint64_t i = 1; i < tables[k]->n; i++)
            RETURN_ERROR_IF(tables[k]->offsets[i] <= tables[k]->offsets[i - 1], LV_ERR_FORMAT,
                            "%s: %s %llu starts at byte %llu, not after the previous one (%llu)",
                            w->raw.path, k ? "chromatogram" : "spectrum", (unsigned long long)i,
                            (unsigned long long)tables[k]->offsets[i],
                            (unsigned long long)tables[k]->offsets[i - 1]);
    w->spec_out = malloc((ix->spectra.n + 1) * sizeof *w->spec_out);
    w->chrom_out = malloc((ix->chromatograms.n + 1) * sizeof *w->chrom_out);
    RETURN_IF_NULL_ALLOC(w->spec_out && w->chrom_out ? w->spec_out : NULL,
                         (ix->spectra.n + ix->chromatograms.n + 2) * sizeof(uint64_t));
    FORWARD_IF_ERROR(
        wr_plan_make(w->raw.view, w->raw.path, w->raw.header, ix, &w->params, &w->plan));
    FORWARD_IF_ERROR(sim_writer_create(path, w->params.compress != 0, &w->out));
    /* With threads to spare, SHA-1 and write() run beside the encoding and emission instead of
     * after them: they are about a third of the writer's serial work. */
    if (w->n_workers >= 2) FORWARD_IF_ERROR(sim_writer_start_async(w->out));
    return LV_OK;
}

LV_API lv_status lv_writer_open(const char *path, lv_reader *source, const lv_writer_params *params,
                                lv_writer **out)
{
    RETURN_ERROR_IF(path == NULL || source == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_writer_open: path, source and out must not be NULL");
    RETURN_ERROR_IF(*path == '\0', LV_ERR_INVALID_ARGUMENT, "lv_writer_open: path is empty");
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_writer_params);
    lv_writer *w = calloc(1, sizeof *w);
    RETURN_IF_NULL_ALLOC(w, sizeof *w);
    lv_writer_params_init(&w->params);
    if (params) w->params = *params;
    lv_status st = open_impl(w, path, source);
    if (st != LV_OK) {
        lv_writer_close(w);
        return st;
    }
    lv_error_clear();
    *out = w;
    return LV_OK;
}

/* ---- writing batches ---- */

typedef struct rewrite_job {
    lv_writer *w;
    const lv_batch *batch;
    const uint8_t *base; /* view of [base_off, ...) covering every processed record */
    uint64_t base_off;
} rewrite_job;

static lv_status rewrite_task(void *arg, size_t task, uint32_t worker)
{
    rewrite_job *job = arg;
    lv_writer *w = job->w;
    uint64_t row = w->rows[task];
    uint64_t i = job->batch->index[row];
    uint64_t start = w->raw.index->spectra.offsets[i];
    uint64_t limit = spectrum_limit(w, i);
    wr_record_in in = {job->base + (start - job->base_off),
                       (size_t)(limit - start),
                       limit >= lv_source_size(w->raw.view),
                       job->batch,
                       row,
                       w->raw.header,
                       w->plan.processing_id,
                       w->params.compress != 0,
                       i};
    lv_status st =
        wr_rewrite_spectrum(&in, &w->scratch[worker], &w->texts[task], &w->consumed[task]);
    if (st != LV_OK)
        return lv_error_prefix(st, "%s: byte %llu: spectrum %llu '%s'", w->raw.path,
                               (unsigned long long)start, (unsigned long long)i,
                               lv_batch_id(job->batch, row));
    return LV_OK;
}

static lv_status reserve_rows(lv_writer *w, size_t n)
{
    if (n <= w->cap) return LV_OK;
    lv_bytes *t = realloc(w->texts, n * sizeof *t);
    RETURN_IF_NULL_ALLOC(t, n * sizeof *t);
    memset(t + w->cap, 0, (n - w->cap) * sizeof *t);
    w->texts = t;
    w->cap = n;
    size_t *c = realloc(w->consumed, n * sizeof *c);
    RETURN_IF_NULL_ALLOC(c, n * sizeof *c);
    w->consumed = c;
    uint64_t *r = realloc(w->rows, n * sizeof *r);
    RETURN_IF_NULL_ALLOC(r, n * sizeof *r);
    w->rows = r;
    return LV_OK;
}

static lv_status check_batch(lv_writer *w, const lv_batch *b)
{
    const lv_record_table *t = &w->raw.index->spectra;
    RETURN_ERROR_IF(b->kind != LV_RECORD_SPECTRUM, LV_ERR_INVALID_ARGUMENT,
                    "%s: lv_writer_write takes spectrum batches; this batch holds chromatograms",
                    w->path);
    for (uint64_t r = 0; r < b->n; r++) {
        uint64_t i = b->index[r];
        RETURN_ERROR_IF(i >= t->n, LV_ERR_INVALID_ARGUMENT,
                        "%s: batch record %llu is spectrum %llu '%s' but the source %s has %llu "
                        "spectra (a batch from another file?)",
                        w->path, (unsigned long long)r, (unsigned long long)i, lv_batch_id(b, r),
                        w->raw.path, (unsigned long long)t->n);
        RETURN_ERROR_IF(i < w->next_spec, LV_ERR_INVALID_ARGUMENT,
                        "%s: batch record %llu is spectrum %llu '%s', but spectra up to %llu are "
                        "already written: batches must come in increasing spectrum order",
                        w->path, (unsigned long long)r, (unsigned long long)i, lv_batch_id(b, r),
                        (unsigned long long)w->next_spec);
        RETURN_ERROR_IF(r > 0 && i <= b->index[r - 1], LV_ERR_INVALID_ARGUMENT,
                        "%s: batch record %llu is spectrum %llu after spectrum %llu: the indices "
                        "of a batch must increase",
                        w->path, (unsigned long long)r, (unsigned long long)i,
                        (unsigned long long)b->index[r - 1]);
        const char *want = lv_record_table_id(t, i);
        const char *got = lv_batch_id(b, r);
        RETURN_ERROR_IF(strcmp(want, got) != 0, LV_ERR_INVALID_ARGUMENT,
                        "%s: batch record %llu claims spectrum %llu with id '%s' but the source %s "
                        "has id '%s' there (a batch from another file?)",
                        w->path, (unsigned long long)r, (unsigned long long)i, got, w->raw.path,
                        want);
        RETURN_ERROR_IF(b->offsets[r + 1] < b->offsets[r], LV_ERR_INVALID_ARGUMENT,
                        "%s: batch record %llu (spectrum '%s'): offsets decrease", w->path,
                        (unsigned long long)r, got);
    }
    return LV_OK;
}

static lv_status write_impl(lv_writer *w, const lv_batch *b)
{
    size_t n_proc = 0;
    for (uint64_t r = 0; r < b->n; r++)
        n_proc += b->processed[r] != 0;
    FORWARD_IF_ERROR(reserve_rows(w, n_proc ? n_proc : 1));
    n_proc = 0;
    for (uint64_t r = 0; r < b->n; r++)
        if (b->processed[r]) w->rows[n_proc++] = r;

    const lv_record_table *t = &w->raw.index->spectra;
    if (n_proc > 0) {
        uint64_t lo = t->offsets[b->index[w->rows[0]]];
        uint64_t hi = spectrum_limit(w, b->index[w->rows[n_proc - 1]]);
        FORWARD_IF_ERROR(advance_to(w, lo));
        rewrite_job job = {w, b, NULL, lo};
        size_t got;
        FORWARD_IF_ERROR(lv_source_view(w->raw.view, lo, (size_t)(hi - lo), &job.base, &got));
        RETURN_ERROR_IF(got < hi - lo, LV_ERR_TRUNCATED, "%s: the source ends at byte %llu",
                        w->raw.path, (unsigned long long)(lo + got));
        FORWARD_IF_ERROR(lv_context_parallel(w->ctx, n_proc, rewrite_task, &job));
        for (size_t k = 0; k < n_proc; k++) {
            uint64_t i = b->index[w->rows[k]];
            FORWARD_IF_ERROR(advance_to(w, t->offsets[i]));
            RETURN_ERROR_IF(w->next_spec != i || w->pos != t->offsets[i], LV_ERR_INTERNAL,
                            "%s: spectrum %llu reached with the cursor at byte %llu", w->path,
                            (unsigned long long)i, (unsigned long long)w->pos);
            w->spec_out[w->next_spec++] = sim_writer_offset(w->out);
            sim_writer_put(w->out, (const char *)w->texts[k].data, w->texts[k].len);
            FORWARD_IF_ERROR(sim_writer_status(w->out));
            w->pos = t->offsets[i] + w->consumed[k];
        }
    }
    /* Unprocessed records of the batch (and those skipped over) go out now. */
    return advance_to(w, spectrum_limit(w, b->index[b->n - 1]));
}

LV_API lv_status lv_writer_write(lv_writer *w, const lv_batch *b)
{
    RETURN_ERROR_IF(w == NULL || b == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_writer_write: writer and batch must not be NULL");
    RETURN_ERROR_IF(w->finished, LV_ERR_INVALID_ARGUMENT,
                    "%s: lv_writer_write after lv_writer_finish", w->path);
    RETURN_ERROR_IF(w->failed != LV_OK, w->failed,
                    "%s: an earlier write failed; the output is incomplete and will be deleted",
                    w->path);
    if (b->n == 0) return LV_OK;
    FORWARD_IF_ERROR(check_batch(w, b));
    lv_status st = write_impl(w, b);
    if (st != LV_OK) return fail(w, st);
    lv_error_clear();
    return LV_OK;
}

/* ---- finish ---- */

static lv_status put_index(lv_writer *w, const char *name, const lv_record_table *t,
                           const uint64_t *offsets)
{
    sim_writer *o = w->out;
    sim_writer_printf(o, "    <index name=\"%s\">\n", name);
    lv_bytes esc = {0};
    lv_status st = LV_OK;
    for (uint64_t i = 0; i < t->n && st == LV_OK; i++) {
        esc.len = 0;
        st = wr_put_escaped(&esc, lv_record_table_id(t, i));
        if (st != LV_OK) break;
        sim_writer_puts(o, "      <offset idRef=\"");
        sim_writer_put(o, (const char *)esc.data, esc.len);
        sim_writer_put(o, "\">", 2);
        sim_writer_u64(o, offsets[i]);
        sim_writer_put(o, "</offset>\n", 10);
        st = sim_writer_status(o);
    }
    lv_bytes_free(&esc);
    sim_writer_puts(o, "    </index>\n");
    return st;
}

static lv_status finish_impl(lv_writer *w)
{
    const lv_mzml_index *ix = w->raw.index;
    FORWARD_IF_ERROR(advance_to(w, w->plan.mzml_end));
    RETURN_ERROR_IF(w->next_spec != ix->spectra.n || w->next_chrom != ix->chromatograms.n,
                    LV_ERR_INTERNAL,
                    "%s: %llu of %llu spectra and %llu of %llu chromatograms were placed", w->path,
                    (unsigned long long)w->next_spec, (unsigned long long)ix->spectra.n,
                    (unsigned long long)w->next_chrom, (unsigned long long)ix->chromatograms.n);
    sim_writer *o = w->out;
    sim_writer_puts(o, "\n  ");
    uint64_t index_offset = sim_writer_offset(o);
    /* An index with no offsets is not valid indexedmzML; a file without records gets the
     * spectrum index alone (empty), the only thing it can have. */
    int with_spectra = ix->spectra.n > 0 || ix->chromatograms.n == 0;
    int with_chroms = ix->chromatograms.n > 0;
    sim_writer_printf(o, "<indexList count=\"%d\">\n", with_spectra + with_chroms);
    if (with_spectra) FORWARD_IF_ERROR(put_index(w, "spectrum", &ix->spectra, w->spec_out));
    if (with_chroms)
        FORWARD_IF_ERROR(put_index(w, "chromatogram", &ix->chromatograms, w->chrom_out));
    sim_writer_puts(o, "  </indexList>\n  <indexListOffset>");
    sim_writer_u64(o, index_offset);
    sim_writer_puts(o, "</indexListOffset>\n  <fileChecksum>");
    char hex[41];
    sim_writer_checksum(o, hex);
    sim_writer_put(o, hex, 40);
    sim_writer_puts(o, "</fileChecksum>\n</indexedmzML>\n");
    FORWARD_IF_ERROR(sim_writer_status(o));
    return sim_writer_commit(o);
}

LV_API lv_status lv_writer_finish(lv_writer *w)
{
    RETURN_ERROR_IF(w == NULL, LV_ERR_INVALID_ARGUMENT, "lv_writer_finish: writer is NULL");
    RETURN_ERROR_IF(w->finished, LV_ERR_INVALID_ARGUMENT, "%s: lv_writer_finish called twice",
                    w->path);
    RETURN_ERROR_IF(w->failed != LV_OK, w->failed,
                    "%s: an earlier write failed; the output is incomplete and will be deleted",
                    w->path);
    lv_status st = finish_impl(w);
    if (st != LV_OK) return fail(w, st);
    w->finished = 1;
    lv_error_clear();
    return LV_OK;
}
