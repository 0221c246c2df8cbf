/* cmd_centroid.c - `lavoisier centroid`: the main job.  Profile spectra in, centroided indexed
 * mzML out, for one file or many, optionally denoised first (--denoise[=METHOD]).
 *
 * Each file runs through the pipeline of cli_pipeline.h: a reader thread streams batches (parse +
 * decode, into pinned memory when the context runs on CUDA) into a queue two deep, while this
 * thread [denoises,] centroids batch k and hands it to the writer.  So decoding batch k+1 overlaps
 * picking and writing batch k; on a GPU the device works while the CPU decodes. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_denoise.h"
#include "cli_pipeline.h"

#define CMD "centroid"

/* Points per streamed batch unless --batch-points says otherwise: half the reader's default.
 * Peak memory is about four batches (two queued, one being decoded, one being centroided and
 * written), 24 MB each at 2 M points; at 1 M the 1 GB benchmark peaks at ~120 MB instead of
 * ~205 MB for the same CPU time, and the pipeline fills and drains in half the time. */
#define CENTROID_BATCH_POINTS 1000000u

typedef struct centroid_opts {
    cli_common_opts common;
    lv_centroid_params params;
    int denoise; /* --denoise[=METHOD]: denoise before centroiding */
    lv_denoise_params denoise_params;
    const char *out_file;
    const char *out_dir;
    uint64_t batch_points;
    int quiet;
    int json;
    lv_context *ctx;
    const char *backend;
} centroid_opts;

typedef struct run_stats {
    uint64_t centroided, points_in, peaks_out;
    double denoise_s, pick_s;
} run_stats;

/* Points of the spectra that were centroided in `in`, and the peaks they became in `out`. */
static void count_points(const lv_batch *in, const lv_batch *out, run_stats *s)
{
    lv_batch_view vi = {.size = sizeof vi}, vo = {.size = sizeof vo};
    if (lv_batch_get_view(in, &vi) != LV_OK || lv_batch_get_view(out, &vo) != LV_OK) return;
    for (uint64_t i = 0; i < vo.n_records; i++) {
        if (!vo.processed[i]) continue;
        s->centroided++;
        s->points_in += vi.offsets[i + 1] - vi.offsets[i];
        s->peaks_out += vo.offsets[i + 1] - vo.offsets[i];
    }
}

static void describe_params(const centroid_opts *o, char *buf, size_t cap)
{
    const lv_centroid_params *p = &o->params;
    char levels[160], noise[48], denoise[512] = "";
    cli_describe_levels(p->ms_levels, levels, sizeof levels);
    if (p->noise > 0)
        snprintf(noise, sizeof noise, "%g", p->noise);
    else
        snprintf(noise, sizeof noise, "1.4826*MAD");
    if (o->denoise) {
        cli_describe_denoise(&o->denoise_params, denoise, sizeof denoise - 2);
        strcat(denoise, "; ");
    }
    snprintf(buf, cap, "%scentroid ms_levels=%s snr=%g min_intensity=%g noise=%s intensity=%s%s",
             denoise, levels, p->snr, p->min_intensity, noise,
             p->intensity == LV_CENTROID_AREA ? "area" : "apex", p->fwhm ? " fwhm=1" : "");
}

typedef struct centroid_job {
    const centroid_opts *o;
    run_stats *s;
} centroid_job;

/* One batch: [denoise], centroid, count. */
static lv_status centroid_batch(void *user, lv_context *ctx, const lv_batch *b, lv_batch **out,
                                const char **stage)
{
    centroid_job *j = user;
    const lv_batch *src = b;
    lv_batch *d = NULL;
    if (j->o->denoise) {
        double t0 = cli_now();
        lv_status st = lv_denoise_batch(ctx, &j->o->denoise_params, b, &d);
        j->s->denoise_s += cli_now() - t0;
        if (st != LV_OK) {
            *stage = "denoising";
            return st;
        }
        src = d;
    }
    double t0 = cli_now();
    lv_status st = lv_centroid_batch(ctx, &j->o->params, src, out);
    j->s->pick_s += cli_now() - t0;
    lv_batch_destroy(d);
    if (st != LV_OK) {
        *stage = "centroiding";
        return st;
    }
    count_points(b, *out, j->s);
    return LV_OK;
}

/* ---- reporting ---- */

static void print_summary(const centroid_opts *o, const char *in, const char *out,
                          const cli_rewrite_stats *w, const run_stats *s)
{
    if (o->json) {
        printf("{\"input\": ");
        cli_json_string(stdout, in);
        printf(", \"output\": ");
        cli_json_string(stdout, out);
        printf(", \"backend\": ");
        cli_json_string(stdout, o->backend);
        printf(", \"spectra\": %llu, \"centroided\": %llu, \"points_in\": %llu, "
               "\"peaks_out\": %llu, \"input_bytes\": %llu, \"output_bytes\": %llu, ",
               (unsigned long long)w->spectra, (unsigned long long)s->centroided,
               (unsigned long long)s->points_in, (unsigned long long)s->peaks_out,
               (unsigned long long)w->in_bytes, (unsigned long long)w->out_bytes);
        printf("\"seconds\": {\"parse\": %.6f, \"decode\": %.6f, ", w->parse_s, w->decode_s);
        if (o->denoise) printf("\"denoise\": %.6f, ", s->denoise_s);
        printf("\"pick\": %.6f, \"write\": %.6f, \"wall\": %.6f, \"reader_waiting\": %.6f, "
               "\"main_waiting\": %.6f}}\n",
               s->pick_s, w->write_s, w->wall_s, w->reader_wait_s, w->main_wait_s);
        return;
    }
    printf("%s -> %s\n", in, out);
    printf("  spectra      %llu (%llu centroided: %llu points -> %llu peaks)\n",
           (unsigned long long)w->spectra, (unsigned long long)s->centroided,
           (unsigned long long)s->points_in, (unsigned long long)s->peaks_out);
    printf("  read+parse   %8.3f s  %9.1f MB/s of input\n", w->parse_s,
           cli_rate((double)w->in_bytes / 1e6, w->parse_s));
    printf("  decode       %8.3f s  %9.1f MB/s of input\n", w->decode_s,
           cli_rate((double)w->in_bytes / 1e6, w->decode_s));
    if (o->denoise)
        printf("  denoise      %8.3f s  %9.1f Mpoints/s\n", s->denoise_s,
               cli_rate((double)s->points_in / 1e6, s->denoise_s));
    printf("  pick         %8.3f s  %9.1f Mpoints/s\n", s->pick_s,
           cli_rate((double)s->points_in / 1e6, s->pick_s));
    printf("  write        %8.3f s  %9.1f MB/s of output\n", w->write_s,
           cli_rate((double)w->out_bytes / 1e6, w->write_s));
    printf("  total        %8.3f s  %9.1f MB/s end to end, on %s\n", w->wall_s,
           cli_rate((double)w->in_bytes / 1e6, w->wall_s), o->backend);
    printf("  (read+parse and decode run on the reader thread, overlapped with pick and write;\n"
           "   the reader waited %.3f s for room in the queue, pick+write %.3f s for batches)\n",
           w->reader_wait_s, w->main_wait_s);
}

static int centroid_file(void *user, const char *in, const char *out)
{
    const centroid_opts *o = user;
    char processing[1024];
    describe_params(o, processing, sizeof processing);
    cli_stream_params sp = {CMD, o->ctx, o->common.verify_checksum, o->batch_points, o->quiet};
    run_stats s;
    memset(&s, 0, sizeof s);
    centroid_job job = {o, &s};
    cli_rewrite_stats w;
    memset(&w, 0, sizeof w);
    if (cli_rewrite_file(&sp, in, out, processing, 1, centroid_batch, &job, &w) != 0) return 1;
    print_summary(o, in, out, &w, &s);
    fflush(stdout);
    return 0;
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
            "  --denoise[=METHOD]    denoise before centroiding: zengeza (default), wavelet,\n"
            "                        savgol or snip; tuned by the options of 'lavoisier denoise'\n"
            "                        (--wavelet, --level, --threshold, --threshold-value,\n"
            "                        --window, --polyorder, --iterations)\n"
            "  --batch-points N      points per streamed batch (default 1000000)\n"
            "  --device auto|cpu|cuda  backend (default auto: CUDA when present)\n"
            "  --threads N           CPU threads (default: all)\n"
            "  --verify-checksum     check the input's SHA-1 before processing\n"
            "  --quiet               no progress bar\n"
            "  --json                summary as one JSON object per file\n");
}

int cli_centroid(int argc, char **argv)
{
    centroid_opts o;
    memset(&o, 0, sizeof o);
    o.common.device = LV_DEVICE_AUTO;
    o.batch_points = CENTROID_BATCH_POINTS;
    lv_centroid_params_init(&o.params);
    lv_denoise_params_init(&o.denoise_params);
    int denoise_options = 0;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (!inputs) return 1;
    int n_in = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = cli_parse_common(&o.common, CMD, &i, argc, argv);
        if (c < 0) goto usage_error;
        if (c > 0) continue;
        if (strcmp(a, "--method") != 0) {
            c = cli_parse_denoise_option(&o.denoise_params, CMD, &i, argc, argv);
            if (c < 0) goto usage_error;
            if (c > 0) {
                denoise_options = 1;
                continue;
            }
        }
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
            if (cli_parse_levels(argv[++i], &o.params.ms_levels) != 0) {
                fprintf(stderr,
                        "lavoisier %s: --ms-levels expects levels like 1 or 1,2, got '%s'\n", CMD,
                        argv[i]);
                goto usage_error;
            }
        } else if (strcmp(a, "--snr") == 0 && has_value) {
            if (cli_parse_nonneg(CMD, a, argv[++i], &o.params.snr) != 0) goto usage_error;
        } else if (strcmp(a, "--min-intensity") == 0 && has_value) {
            if (cli_parse_nonneg(CMD, a, argv[++i], &o.params.min_intensity) != 0) goto usage_error;
        } else if (strcmp(a, "--noise") == 0 && has_value) {
            if (cli_parse_nonneg(CMD, a, argv[++i], &o.params.noise) != 0) goto usage_error;
        } else if (strcmp(a, "--batch-points") == 0 && has_value) {
            if (cli_parse_size(argv[++i], &o.batch_points) != 0 || o.batch_points == 0) {
                fprintf(stderr, "lavoisier %s: --batch-points expects a positive count, got '%s'\n",
                        CMD, argv[i]);
                goto usage_error;
            }
        } else if (strcmp(a, "--denoise") == 0) {
            o.denoise = 1;
        } else if (strncmp(a, "--denoise=", 10) == 0) {
            o.denoise = 1;
            if (cli_parse_denoise_method(a + 10, &o.denoise_params.method) != 0) {
                fprintf(stderr,
                        "lavoisier %s: --denoise= expects zengeza, wavelet, savgol or snip, got "
                        "'%s'\n",
                        CMD, a + 10);
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
    if (denoise_options && !o.denoise) {
        fprintf(stderr, "lavoisier %s: denoising options need --denoise[=METHOD]\n", CMD);
        goto usage_error;
    }
    if (cli_check_outputs(CMD, (const char *const *)inputs, n_in, o.out_file, o.out_dir) != 0)
        goto usage_error;
    /* Denoise what is centroided. */
    o.denoise_params.ms_levels = o.params.ms_levels;

    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = o.common.device;
    cp.n_threads = o.common.threads;
    lv_status st = lv_context_create(&cp, &o.ctx);
    if (st != LV_OK) {
        free(inputs);
        return cli_fail(CMD, "cannot create a context", st);
    }
    if (o.denoise && cli_check_denoise(CMD, o.ctx, &o.denoise_params) != 0) {
        lv_context_destroy(o.ctx);
        goto usage_error;
    }
    o.backend = lv_context_backend_name(o.ctx);
    int rc = cli_run_files(CMD, inputs, n_in, o.out_file, o.out_dir, centroid_file, &o);
    lv_context_destroy(o.ctx);
    free(inputs);
    return rc;

usage_error:
    free(inputs);
    fprintf(stderr, "run 'lavoisier %s --help' for the options\n", CMD);
    return 2;
}
