/* cli_pipeline.c - the reader-thread pipeline, mzML rewriting through a batch transform, batch-run
 * output naming and refusals, shared by `centroid`, `denoise` and `annotate`. */
#include "cli_pipeline.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define QUEUE_DEPTH 2

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double cli_rate(double amount, double seconds)
{
    return seconds > 0 ? amount / seconds : 0;
}

int cli_parse_levels(const char *text, uint32_t *mask)
{
    uint32_t m = 0;
    const char *p = text;
    while (*p) {
        char *end = NULL;
        long l = strtol(p, &end, 10);
        if (end == p || l < 0 || l > 31) return -1;
        m |= 1u << l;
        p = end;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    if (!m) return -1;
    *mask = m;
    return 0;
}

void cli_describe_levels(uint32_t mask, char *buf, size_t cap)
{
    if (mask == 0xFFFFFFFFu) {
        snprintf(buf, cap, "all");
        return;
    }
    size_t n = 0;
    buf[0] = '\0';
    for (int l = 0; l < 32 && n < cap; l++)
        if (mask & (1u << l)) n += (size_t)snprintf(buf + n, cap - n, "%s%d", n ? "," : "", l);
}

int cli_parse_nonneg(const char *cmd, const char *opt, const char *text, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (!end || *end || end == text || !(v >= 0) || v > 1e300) {
        fprintf(stderr, "lavoisier %s: %s expects a non-negative number, got '%s'\n", cmd, opt,
                text);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_uint(const char *cmd, const char *opt, const char *text, uint32_t min, uint32_t max,
                   uint32_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!end || *end || end == text || errno || v < (long long)min || v > (long long)max) {
        fprintf(stderr, "lavoisier %s: %s expects an integer in %u..%u, got '%s'\n", cmd, opt, min,
                max, text);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* ---- inputs and outputs ---- */

/* OUTDIR/<input file name without .gz>. */
static int output_path(const char *dir, const char *in, char *buf, size_t cap)
{
    const char *base = strrchr(in, '/');
    base = base ? base + 1 : in;
    size_t n = strlen(base);
    if (n > 3 && strcmp(base + n - 3, ".gz") == 0) n -= 3;
    int w = snprintf(buf, cap, "%s/%.*s", dir, (int)n, base);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

int cli_check_outputs(const char *cmd, const char *const *inputs, int n_in, const char *out_file,
                      const char *out_dir)
{
    if (n_in == 0) {
        fprintf(stderr, "lavoisier %s: no input file\n", cmd);
        return 2;
    }
    if (!out_file == !out_dir) {
        fprintf(stderr, "lavoisier %s: give exactly one of -o OUT and -O OUTDIR\n", cmd);
        return 2;
    }
    if (out_file && n_in > 1) {
        fprintf(stderr, "lavoisier %s: -o takes one input; use -O OUTDIR for %d inputs\n", cmd,
                n_in);
        return 2;
    }
    if (out_dir) {
        struct stat sb;
        if (stat(out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "lavoisier %s: -O %s: not an existing folder\n", cmd, out_dir);
            return 2;
        }
        /* run.mzML and run.mzML.gz would both become OUTDIR/run.mzML: refuse before writing
         * anything rather than let the second silently replace the first. */
        for (int a = 0; a < n_in; a++)
            for (int b = a + 1; b < n_in; b++) {
                char pa[PATH_MAX], pb[PATH_MAX];
                if (output_path(out_dir, inputs[a], pa, sizeof pa) == 0 &&
                    output_path(out_dir, inputs[b], pb, sizeof pb) == 0 && strcmp(pa, pb) == 0) {
                    fprintf(stderr,
                            "lavoisier %s: %s and %s would both be written to %s; process them "
                            "into different folders\n",
                            cmd, inputs[a], inputs[b], pa);
                    return 2;
                }
            }
    }
    return 0;
}

int cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_run_files(const char *cmd, const char *const *inputs, int n_in, const char *out_file,
                  const char *out_dir, cli_file_fn fn, void *user)
{
    int failures = 0;
    for (int k = 0; k < n_in; k++) {
        char path[PATH_MAX];
        const char *out = out_file;
        if (out_dir) {
            if (output_path(out_dir, inputs[k], path, sizeof path) != 0) {
                fprintf(stderr, "lavoisier %s: output path for %s is too long\n", cmd, inputs[k]);
                failures++;
                continue;
            }
            out = path;
        }
        if (cli_same_file(inputs[k], out)) {
            fprintf(stderr, "lavoisier %s: %s: the output would overwrite the input\n", cmd, out);
            failures++;
            continue;
        }
        if (fn(user, inputs[k], out) != 0) failures++;
    }
    if (failures && n_in > 1)
        fprintf(stderr, "lavoisier %s: %d of %d files failed\n", cmd, failures, n_in);
    return failures ? 1 : 0;
}

/* ---- the reader thread and its queue ---- */

typedef struct batch_queue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    lv_batch *items[QUEUE_DEPTH];
    unsigned head, count;
    int done;      /* the reader has pushed its last batch (or failed) */
    int cancelled; /* the consumer gave up: the reader must stop */
    lv_status status;
    char error[2048]; /* lv_last_error() of the reader thread, copied: it is thread-local */
    lv_reader *reader;
    double reader_wait_s; /* the reader blocked on a full queue */
    double main_wait_s;   /* the consumer blocked on an empty one */
} batch_queue;

static void *reader_main(void *arg)
{
    batch_queue *q = arg;
    for (;;) {
        lv_batch *b = NULL;
        lv_status st = lv_reader_next(q->reader, &b);
        pthread_mutex_lock(&q->lock);
        if (st != LV_OK || b == NULL) {
            q->status = st;
            if (st != LV_OK) snprintf(q->error, sizeof q->error, "%s", lv_last_error());
            q->done = 1;
            pthread_cond_broadcast(&q->changed);
            pthread_mutex_unlock(&q->lock);
            return NULL;
        }
        if (q->count == QUEUE_DEPTH) {
            const double t0 = cli_now();
            while (q->count == QUEUE_DEPTH && !q->cancelled)
                pthread_cond_wait(&q->changed, &q->lock);
            q->reader_wait_s += cli_now() - t0;
        }
        if (q->cancelled) {
            pthread_mutex_unlock(&q->lock);
            lv_batch_destroy(b);
            return NULL;
        }
        q->items[(q->head + q->count++) % QUEUE_DEPTH] = b;
        pthread_cond_broadcast(&q->changed);
        pthread_mutex_unlock(&q->lock);
    }
}

/* The next batch, NULL at the end; *st is the reader's status once it is done. */
static lv_batch *queue_pop(batch_queue *q, lv_status *st)
{
    pthread_mutex_lock(&q->lock);
    if (q->count == 0 && !q->done) {
        const double t0 = cli_now();
        while (q->count == 0 && !q->done)
            pthread_cond_wait(&q->changed, &q->lock);
        q->main_wait_s += cli_now() - t0;
    }
    lv_batch *b = NULL;
    if (q->count) {
        b = q->items[q->head];
        q->head = (q->head + 1) % QUEUE_DEPTH;
        q->count--;
        pthread_cond_broadcast(&q->changed);
    }
    *st = q->status;
    pthread_mutex_unlock(&q->lock);
    return b;
}

static void queue_cancel(batch_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->cancelled = 1;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

int cli_stream_open(cli_stream *s, const cli_stream_params *p, const char *path)
{
    memset(s, 0, sizeof *s);
    s->p = *p;
    s->path = path;
    lv_reader_params rp;
    lv_reader_params_init(&rp);
    rp.context = p->ctx;
    rp.verify_checksum = p->verify_checksum;
    if (p->batch_points) rp.batch_points = p->batch_points;
    lv_status st = lv_reader_open(path, &rp, &s->reader);
    if (st != LV_OK) return cli_fail(p->cmd, path, st);
    s->info.size = sizeof s->info;
    (void)lv_reader_info(s->reader, &s->info);
    return 0;
}

int cli_stream_run(cli_stream *s, cli_batch_fn fn, void *user)
{
    batch_queue q;
    memset(&q, 0, sizeof q);
    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.changed, NULL);
    q.reader = s->reader;
    cli_progress_begin(&s->bar, s->path, s->info.n_spectra, s->p.quiet);
    pthread_t thread;
    if (pthread_create(&thread, NULL, reader_main, &q) != 0) {
        fprintf(stderr, "lavoisier %s: cannot start the reader thread: %s\n", s->p.cmd,
                strerror(errno));
        pthread_mutex_destroy(&q.lock);
        pthread_cond_destroy(&q.changed);
        return 1;
    }
    lv_status reader_st = LV_OK;
    int rc = 0;
    for (;;) {
        lv_batch *b = queue_pop(&q, &reader_st);
        if (!b) break;
        s->spectra += lv_batch_count(b);
        if (fn(user, b) != 0) {
            rc = 1;
            queue_cancel(&q);
            break;
        }
        cli_progress_update(&s->bar, s->spectra);
    }
    pthread_join(thread, NULL);
    s->reader_wait_s = q.reader_wait_s;
    s->main_wait_s = q.main_wait_s;
    for (unsigned k = 0; k < q.count; k++)
        lv_batch_destroy(q.items[(q.head + k) % QUEUE_DEPTH]);
    if (rc == 0 && reader_st != LV_OK) {
        /* The library's messages name the file already; name it here only if not. */
        if (strncmp(q.error, s->path, strlen(s->path)) == 0)
            fprintf(stderr, "lavoisier %s: %s: %s\n", s->p.cmd, lv_status_string(reader_st),
                    q.error);
        else
            fprintf(stderr, "lavoisier %s: %s: %s: %s\n", s->p.cmd, s->path,
                    lv_status_string(reader_st), q.error);
        rc = 1;
    }
    pthread_mutex_destroy(&q.lock);
    pthread_cond_destroy(&q.changed);
    return rc;
}

void cli_stream_close(cli_stream *s, int ok)
{
    cli_progress_end(&s->bar, ok);
    if (!s->reader) return;
    (void)lv_reader_info(s->reader, &s->info);
    lv_reader_close(s->reader);
    s->reader = NULL;
}

/* ---- rewriting one file ---- */

typedef struct rewrite_job {
    const char *cmd;
    lv_context *ctx;
    lv_writer *writer;
    cli_transform_fn transform;
    void *user;
    cli_rewrite_stats *stats;
} rewrite_job;

static int rewrite_batch(void *arg, lv_batch *b)
{
    rewrite_job *j = arg;
    lv_batch *c = NULL;
    const char *stage = "processing";
    lv_status st = j->transform(j->user, j->ctx, b, &c, &stage);
    lv_batch_destroy(b);
    if (st != LV_OK) return cli_fail(j->cmd, stage, st);
    double t0 = cli_now();
    st = lv_writer_write(j->writer, c);
    j->stats->write_s += cli_now() - t0;
    lv_batch_destroy(c);
    if (st != LV_OK) return cli_fail(j->cmd, "writing", st);
    return 0;
}

int cli_rewrite_file(const cli_stream_params *sp, const char *in, const char *out,
                     const char *processing, int peak_picking, cli_transform_fn transform,
                     void *user, cli_rewrite_stats *stats)
{
    const double t_start = cli_now();
    cli_stream s;
    if (cli_stream_open(&s, sp, in) != 0) return 1;
    stats->in_bytes = s.info.compressed_bytes;

    lv_writer_params wp;
    lv_writer_params_init(&wp);
    wp.context = sp->ctx;
    wp.processing = processing;
    wp.peak_picking = peak_picking ? 1u : 0u;
    lv_writer *writer = NULL;
    lv_status st = lv_writer_open(out, s.reader, &wp, &writer);
    if (st != LV_OK) {
        cli_stream_close(&s, 0);
        return cli_fail(sp->cmd, out, st);
    }
    rewrite_job job = {sp->cmd, sp->ctx, writer, transform, user, stats};
    int rc = cli_stream_run(&s, rewrite_batch, &job);
    if (rc == 0) {
        double t0 = cli_now();
        st = lv_writer_finish(writer);
        stats->write_s += cli_now() - t0;
        if (st != LV_OK) rc = cli_fail(sp->cmd, out, st);
    }
    lv_writer_close(writer); /* deletes an unfinished output */
    cli_stream_close(&s, rc == 0);
    stats->spectra = s.spectra;
    stats->reader_wait_s = s.reader_wait_s;
    stats->main_wait_s = s.main_wait_s;
    stats->parse_s = s.info.parse_seconds;
    stats->decode_s = s.info.decode_seconds;
    struct stat sb;
    if (rc == 0 && stat(out, &sb) == 0) stats->out_bytes = (uint64_t)sb.st_size;
    stats->wall_s = cli_now() - t_start;
    return rc;
}
