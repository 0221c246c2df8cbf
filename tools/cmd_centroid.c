/* cmd_centroid.c - `lavoisier centroid`: the main job.  Profile spectra in, centroided indexed
 * mzML out, for one file or many.
 *
 * Each file runs as a two-stage pipeline: a reader thread streams batches (parse + decode, into
 * pinned memory when the context runs on CUDA) into a queue two deep, while this thread centroids
 * batch k and hands it to the writer.  So decoding batch k+1 overlaps picking and writing batch k;
 * on a GPU the device works while the CPU decodes.  Memory stays bounded by the queue depth times
 * the batch budget, whatever the file size. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_progress.h"

#define CMD         "centroid"
#define QUEUE_DEPTH 2

typedef struct centroid_opts {
    cli_common_opts common;
    lv_centroid_params params;
    const char *out_file;
    const char *out_dir;
    uint64_t batch_points;
    int quiet;
    int json;
} centroid_opts;

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
} batch_queue;

typedef struct reader_stage {
    lv_reader *reader;
    batch_queue *queue;
} reader_stage;

static void *reader_main(void *arg)
{
    reader_stage *rs = arg;
    batch_queue *q = rs->queue;
    for (;;) {
        lv_batch *b = NULL;
        lv_status st = lv_reader_next(rs->reader, &b);
        pthread_mutex_lock(&q->lock);
        if (st != LV_OK || b == NULL) {
            q->status = st;
            if (st != LV_OK) snprintf(q->error, sizeof q->error, "%s", lv_last_error());
            q->done = 1;
            pthread_cond_broadcast(&q->changed);
            pthread_mutex_unlock(&q->lock);
            return NULL;
        }
        while (q->count == QUEUE_DEPTH && !q->cancelled)
            pthread_cond_wait(&q->changed, &q->lock);
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
    while (q->count == 0 && !q->done)
        pthread_cond_wait(&q->changed, &q->lock);
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

/* ---- one file ---- */

typedef struct run_stats {
    uint64_t spectra, centroided, points_in, peaks_out;
    uint64_t in_bytes, out_bytes;
    double parse_s, decode_s, pick_s, write_s, wall_s;
} run_stats;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Points of the spectra that were centroided in `in`, and the peaks they became in `out`. */
static void count_points(const lv_batch *in, const lv_batch *out, run_stats *s)
{
    lv_batch_view vi = {.size = sizeof vi}, vo = {.size = sizeof vo};
    if (lv_batch_get_view(in, &vi) != LV_OK || lv_batch_get_view(out, &vo) != LV_OK) return;
    s->spectra += vo.n_records;
    for (uint64_t i = 0; i < vo.n_records; i++) {
        if (!vo.processed[i]) continue;
        s->centroided++;
        s->points_in += vi.offsets[i + 1] - vi.offsets[i];
        s->peaks_out += vo.offsets[i + 1] - vo.offsets[i];
    }
}

static void describe_params(const lv_centroid_params *p, char *buf, size_t cap)
{
    char levels[160] = "";
    size_t n = 0;
    if (p->ms_levels == 0xFFFFFFFFu) {
        snprintf(levels, sizeof levels, "all");
    } else {
        for (int l = 0; l < 32; l++)
            if (p->ms_levels & (1u << l))
                n += (size_t)snprintf(levels + n, sizeof levels - n, "%s%d", n ? "," : "", l);
    }
    char noise[48];
    if (p->noise > 0)
        snprintf(noise, sizeof noise, "%g", p->noise);
    else
        snprintf(noise, sizeof noise, "1.4826*MAD");
    snprintf(buf, cap, "centroid ms_levels=%s snr=%g min_intensity=%g noise=%s intensity=%s%s",
             levels, p->snr, p->min_intensity, noise,
             p->intensity == LV_CENTROID_AREA ? "area" : "apex", p->fwhm ? " fwhm=1" : "");
}

static int centroid_file(const centroid_opts *o, lv_context *ctx, const char *in, const char *out,
                         run_stats *s)
{
    double t_start = now_s();
    lv_reader_params rp;
    lv_reader_params_init(&rp);
    rp.context = ctx;
    rp.verify_checksum = o->common.verify_checksum;
    if (o->batch_points) rp.batch_points = o->batch_points;
    lv_reader *reader = NULL;
    lv_status st = lv_reader_open(in, &rp, &reader);
    if (st != LV_OK) return cli_fail(CMD, in, st);
    lv_file_info info = {.size = sizeof info};
    (void)lv_reader_info(reader, &info);
    s->in_bytes = info.compressed_bytes;

    char processing[512];
    describe_params(&o->params, processing, sizeof processing);
    lv_writer_params wp;
    lv_writer_params_init(&wp);
    wp.context = ctx;
    wp.processing = processing;
    wp.peak_picking = 1;
    lv_writer *writer = NULL;
    st = lv_writer_open(out, reader, &wp, &writer);
    if (st != LV_OK) {
        lv_reader_close(reader);
        return cli_fail(CMD, out, st);
    }

    batch_queue q;
    memset(&q, 0, sizeof q);
    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.changed, NULL);
    reader_stage rs = {reader, &q};
    pthread_t thread;
    int rc = 0;
    if (pthread_create(&thread, NULL, reader_main, &rs) != 0) {
        fprintf(stderr, "lavoisier %s: cannot start the reader thread: %s\n", CMD, strerror(errno));
        lv_writer_close(writer);
        lv_reader_close(reader);
        return 1;
    }

    cli_progress bar;
    cli_progress_begin(&bar, in, info.n_spectra, o->quiet);
    lv_status reader_st = LV_OK;
    const char *failed_stage = NULL;
    for (;;) {
        lv_batch *b = queue_pop(&q, &reader_st);
        if (!b) break;
        double t0 = now_s();
        lv_batch *c = NULL;
        st = lv_centroid_batch(ctx, &o->params, b, &c);
        double t1 = now_s();
        s->pick_s += t1 - t0;
        if (st != LV_OK) {
            failed_stage = "centroiding";
            lv_batch_destroy(b);
            break;
        }
        count_points(b, c, s);
        lv_batch_destroy(b);
        st = lv_writer_write(writer, c);
        s->write_s += now_s() - t1;
        lv_batch_destroy(c);
        if (st != LV_OK) {
            failed_stage = "writing";
            break;
        }
        cli_progress_update(&bar, s->spectra);
    }
    if (failed_stage) {
        rc = cli_fail(CMD, failed_stage, st);
        queue_cancel(&q);
    }
    pthread_join(thread, NULL);
    for (unsigned k = 0; k < q.count; k++)
        lv_batch_destroy(q.items[(q.head + k) % QUEUE_DEPTH]);
    if (!failed_stage && reader_st != LV_OK) {
        fprintf(stderr, "lavoisier %s: %s: %s\n", CMD, in, q.error);
        rc = 1;
    }
    if (rc == 0) {
        double t0 = now_s();
        st = lv_writer_finish(writer);
        s->write_s += now_s() - t0;
        if (st != LV_OK) rc = cli_fail(CMD, out, st);
    }
    cli_progress_end(&bar, rc == 0);
    lv_writer_close(writer);
    (void)lv_reader_info(reader, &info);
    s->parse_s = info.parse_seconds;
    s->decode_s = info.decode_seconds;
    lv_reader_close(reader);
    pthread_mutex_destroy(&q.lock);
    pthread_cond_destroy(&q.changed);
    struct stat sb;
    if (rc == 0 && stat(out, &sb) == 0) s->out_bytes = (uint64_t)sb.st_size;
    s->wall_s = now_s() - t_start;
    return rc;
}

/* ---- reporting ---- */

static double rate(double amount, double seconds)
{
    return seconds > 0 ? amount / seconds : 0;
}

static void print_summary(const centroid_opts *o, const char *in, const char *out,
                          const run_stats *s, const char *backend)
{
    if (o->json) {
        printf("{\"input\": ");
        cli_json_string(stdout, in);
        printf(", \"output\": ");
        cli_json_string(stdout, out);
        printf(", \"backend\": ");
        cli_json_string(stdout, backend);
        printf(", \"spectra\": %llu, \"centroided\": %llu, \"points_in\": %llu, "
               "\"peaks_out\": %llu, \"input_bytes\": %llu, \"output_bytes\": %llu, ",
               (unsigned long long)s->spectra, (unsigned long long)s->centroided,
               (unsigned long long)s->points_in, (unsigned long long)s->peaks_out,
               (unsigned long long)s->in_bytes, (unsigned long long)s->out_bytes);
        printf("\"seconds\": {\"parse\": %.6f, \"decode\": %.6f, \"pick\": %.6f, \"write\": %.6f, "
               "\"wall\": %.6f}}\n",
               s->parse_s, s->decode_s, s->pick_s, s->write_s, s->wall_s);
        return;
    }
    printf("%s -> %s\n", in, out);
    printf("  spectra      %llu (%llu centroided: %llu points -> %llu peaks)\n",
           (unsigned long long)s->spectra, (unsigned long long)s->centroided,
           (unsigned long long)s->points_in, (unsigned long long)s->peaks_out);
    printf("  read+parse   %8.3f s  %9.1f MB/s of input\n", s->parse_s,
           rate((double)s->in_bytes / 1e6, s->parse_s));
    printf("  decode       %8.3f s  %9.1f MB/s of input\n", s->decode_s,
           rate((double)s->in_bytes / 1e6, s->decode_s));
    printf("  pick         %8.3f s  %9.1f Mpoints/s\n", s->pick_s,
           rate((double)s->points_in / 1e6, s->pick_s));
    printf("  write        %8.3f s  %9.1f MB/s of output\n", s->write_s,
           rate((double)s->out_bytes / 1e6, s->write_s));
    printf("  total        %8.3f s  %9.1f MB/s end to end, on %s\n", s->wall_s,
           rate((double)s->in_bytes / 1e6, s->wall_s), backend);
    printf("  (read+parse and decode run on the reader thread, overlapped with pick and write)\n");
}

/* ---- options ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavoisier centroid IN... (-o OUT | -O OUTDIR) [OPTIONS]\n"
            "\n"
            "Centroids profile spectra (noise from 1.4826*MAD, local maxima above the thresholds,\n"
            "3-point Gaussian apex) and writes indexed mzML 1.1 with zlib arrays and a SHA-1\n"
            "checksum.  Metadata are kept; spectra that are already centroided or of other MS\n"
            "levels are copied unchanged.  Output is written under a temporary name and renamed\n"
            "when complete.\n"
            "\n"
            "options:\n"
            "  -o OUT                output file (one input)\n"
            "  -O OUTDIR             output folder (any number of inputs; same file names)\n"
            "  --ms-levels LIST      MS levels to centroid, e.g. 1 or 1,2 (default: all)\n"
            "  --snr X               minimum signal-to-noise ratio (default 0)\n"
            "  --min-intensity X     minimum peak intensity (default 0)\n"
            "  --noise X             fixed noise level instead of 1.4826*MAD per spectrum\n"
            "  --area                peak intensity = area instead of apex height\n"
            "  --fwhm                also write each peak's full width at half maximum\n"
            "  --batch-points N      points per streamed batch (default 2000000)\n"
            "  --device auto|cpu|cuda  backend (default auto: CUDA when present)\n"
            "  --threads N           CPU threads (default: all)\n"
            "  --verify-checksum     check the input's SHA-1 before processing\n"
            "  --quiet               no progress bar\n"
            "  --json                summary as one JSON object per file\n");
}

static int parse_levels(const char *text, uint32_t *mask)
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

static int parse_number(const char *opt, const char *text, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (!end || *end || end == text || !(v >= 0) || v > 1e300) {
        fprintf(stderr, "lavoisier %s: %s expects a non-negative number, got '%s'\n", CMD, opt,
                text);
        return -1;
    }
    *out = v;
    return 0;
}

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

/* Refuses to write over an input: the writer would truncate what the reader maps. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_centroid(int argc, char **argv)
{
    centroid_opts o;
    memset(&o, 0, sizeof o);
    o.common.device = LV_DEVICE_AUTO;
    lv_centroid_params_init(&o.params);
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (!inputs) return 1;
    int n_in = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = cli_parse_common(&o.common, CMD, &i, argc, argv);
        if (c < 0) goto usage_error;
        if (c > 0) continue;
        int has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(inputs);
            return 0;
        } else if (strcmp(a, "-o") == 0 && has_value) {
            o.out_file = argv[++i];
        } else if (strcmp(a, "-O") == 0 && has_value) {
            o.out_dir = argv[++i];
        } else if (strcmp(a, "--ms-levels") == 0 && has_value) {
            if (parse_levels(argv[++i], &o.params.ms_levels) != 0) {
                fprintf(stderr,
                        "lavoisier %s: --ms-levels expects levels like 1 or 1,2, got '%s'\n", CMD,
                        argv[i]);
                goto usage_error;
            }
        } else if (strcmp(a, "--snr") == 0 && has_value) {
            if (parse_number(a, argv[++i], &o.params.snr) != 0) goto usage_error;
        } else if (strcmp(a, "--min-intensity") == 0 && has_value) {
            if (parse_number(a, argv[++i], &o.params.min_intensity) != 0) goto usage_error;
        } else if (strcmp(a, "--noise") == 0 && has_value) {
            if (parse_number(a, argv[++i], &o.params.noise) != 0) goto usage_error;
        } else if (strcmp(a, "--batch-points") == 0 && has_value) {
            if (cli_parse_size(argv[++i], &o.batch_points) != 0 || o.batch_points == 0) {
                fprintf(stderr, "lavoisier %s: --batch-points expects a positive count, got '%s'\n",
                        CMD, argv[i]);
                goto usage_error;
            }
        } else if (strcmp(a, "--area") == 0) {
            o.params.intensity = LV_CENTROID_AREA;
        } else if (strcmp(a, "--fwhm") == 0) {
            o.params.fwhm = 1;
        } else if (strcmp(a, "--verify-checksum") == 0) {
            o.common.verify_checksum = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--json") == 0) {
            o.json = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "lavoisier %s: unknown option or missing value: '%s'\n", CMD, a);
            goto usage_error;
        } else {
            inputs[n_in++] = a;
        }
    }
    if (n_in == 0) {
        fprintf(stderr, "lavoisier %s: no input file\n", CMD);
        goto usage_error;
    }
    if (!o.out_file == !o.out_dir) {
        fprintf(stderr, "lavoisier %s: give exactly one of -o OUT and -O OUTDIR\n", CMD);
        goto usage_error;
    }
    if (o.out_file && n_in > 1) {
        fprintf(stderr, "lavoisier %s: -o takes one input; use -O OUTDIR for %d inputs\n", CMD,
                n_in);
        goto usage_error;
    }
    if (o.out_dir) {
        struct stat sb;
        if (stat(o.out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "lavoisier %s: -O %s: not an existing folder\n", CMD, o.out_dir);
            goto usage_error;
        }
    }

    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = o.common.device;
    cp.n_threads = o.common.threads;
    lv_context *ctx = NULL;
    lv_status st = lv_context_create(&cp, &ctx);
    if (st != LV_OK) {
        free(inputs);
        return cli_fail(CMD, "cannot create a context", st);
    }
    const char *backend = lv_context_backend_name(ctx);
    int failures = 0;
    for (int k = 0; k < n_in; k++) {
        char path[PATH_MAX];
        const char *out = o.out_file;
        if (o.out_dir) {
            if (output_path(o.out_dir, inputs[k], path, sizeof path) != 0) {
                fprintf(stderr, "lavoisier %s: output path for %s is too long\n", CMD, inputs[k]);
                failures++;
                continue;
            }
            out = path;
        }
        if (same_file(inputs[k], out)) {
            fprintf(stderr, "lavoisier %s: %s: the output would overwrite the input\n", CMD, out);
            failures++;
            continue;
        }
        run_stats s;
        memset(&s, 0, sizeof s);
        if (centroid_file(&o, ctx, inputs[k], out, &s) != 0) {
            failures++;
            continue;
        }
        print_summary(&o, inputs[k], out, &s, backend);
        fflush(stdout);
    }
    lv_context_destroy(ctx);
    free(inputs);
    if (failures && n_in > 1)
        fprintf(stderr, "lavoisier %s: %d of %d files failed\n", CMD, failures, n_in);
    return failures ? 1 : 0;

usage_error:
    free(inputs);
    fprintf(stderr, "run 'lavoisier %s --help' for the options\n", CMD);
    return 2;
}
