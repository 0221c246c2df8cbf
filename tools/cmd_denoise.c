/* cmd_denoise.c - `lavoisier denoise`: profile spectra denoised (zengeza, wavelet shrinkage,
 * Savitzky-Golay or SNIP baseline removal), written as indexed mzML by the same writer and
 * pipeline as `centroid` (tools/cli_pipeline.h): same points, new intensities, metadata kept and a
 * dataProcessing entry naming the method and its parameters. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_denoise.h"
#include "cli_pipeline.h"

#define CMD "denoise"

typedef struct denoise_opts {
    cli_common_opts common;
    lv_denoise_params params;
    const char *out_file;
    const char *out_dir;
    uint64_t batch_points;
    int quiet;
    int json;
    lv_context *ctx;
    const char *backend;
} denoise_opts;

typedef struct run_stats {
    uint64_t denoised, points;
    double denoise_s;
} run_stats;

typedef struct denoise_job {
    const denoise_opts *o;
    run_stats *s;
} denoise_job;

static lv_status denoise_batch(void *user, lv_context *ctx, const lv_batch *b, lv_batch **out,
                               const char **stage)
{
    denoise_job *j = user;
    double t0 = cli_now();
    lv_status st = lv_denoise_batch(ctx, &j->o->params, b, out);
    j->s->denoise_s += cli_now() - t0;
    if (st != LV_OK) {
        *stage = "denoising";
        return st;
    }
    /* Denoised = processed in the output and not in the input (earlier flags are kept). */
    lv_batch_view vi = {.size = sizeof vi}, vo = {.size = sizeof vo};
    if (lv_batch_get_view(b, &vi) == LV_OK && lv_batch_get_view(*out, &vo) == LV_OK)
        for (uint64_t i = 0; i < vo.n_records; i++)
            if (vo.processed[i] && !vi.processed[i]) {
                j->s->denoised++;
                j->s->points += vo.offsets[i + 1] - vo.offsets[i];
            }
    return LV_OK;
}

static const char *method_name(lv_denoise_method m)
{
    switch (m) {
    case LV_DENOISE_ZENGEZA: return "zengeza";
    case LV_DENOISE_WAVELET: return "wavelet";
    case LV_DENOISE_SAVGOL: return "savgol";
    case LV_DENOISE_SNIP: return "snip";
    }
    return "?";
}

static void print_summary(const denoise_opts *o, const char *in, const char *out,
                          const cli_rewrite_stats *w, const run_stats *s)
{
    if (o->json) {
        printf("{\"input\": ");
        cli_json_string(stdout, in);
        printf(", \"output\": ");
        cli_json_string(stdout, out);
        printf(", \"backend\": ");
        cli_json_string(stdout, o->backend);
        printf(", \"method\": ");
        cli_json_string(stdout, method_name(o->params.method));
        printf(", \"spectra\": %llu, \"denoised\": %llu, \"points\": %llu, \"input_bytes\": %llu, "
               "\"output_bytes\": %llu, ",
               (unsigned long long)w->spectra, (unsigned long long)s->denoised,
               (unsigned long long)s->points, (unsigned long long)w->in_bytes,
               (unsigned long long)w->out_bytes);
        printf(
            "\"seconds\": {\"parse\": %.6f, \"decode\": %.6f, \"denoise\": %.6f, \"write\": %.6f, "
            "\"wall\": %.6f}}\n",
            w->parse_s, w->decode_s, s->denoise_s, w->write_s, w->wall_s);
        return;
    }
    printf("%s -> %s\n", in, out);
    printf("  spectra      %llu (%llu denoised with %s: %llu points)\n",
           (unsigned long long)w->spectra, (unsigned long long)s->denoised,
           method_name(o->params.method), (unsigned long long)s->points);
    printf("  read+parse   %8.3f s  %9.1f MB/s of input\n", w->parse_s,
           cli_rate((double)w->in_bytes / 1e6, w->parse_s));
    printf("  decode       %8.3f s  %9.1f MB/s of input\n", w->decode_s,
           cli_rate((double)w->in_bytes / 1e6, w->decode_s));
    printf("  denoise      %8.3f s  %9.1f Mpoints/s\n", s->denoise_s,
           cli_rate((double)s->points / 1e6, s->denoise_s));
    printf("  write        %8.3f s  %9.1f MB/s of output\n", w->write_s,
           cli_rate((double)w->out_bytes / 1e6, w->write_s));
    printf("  total        %8.3f s  %9.1f MB/s end to end, on %s\n", w->wall_s,
           cli_rate((double)w->in_bytes / 1e6, w->wall_s), o->backend);
    printf("  (read+parse and decode run on the reader thread, overlapped with denoise and "
           "write)\n");
}

static int denoise_file(void *user, const char *in, const char *out)
{
    const denoise_opts *o = user;
    char processing[512];
    cli_describe_denoise(&o->params, processing, sizeof processing);
    cli_stream_params sp = {CMD, o->ctx, o->common.verify_checksum, o->batch_points, o->quiet};
    run_stats s;
    memset(&s, 0, sizeof s);
    denoise_job job = {o, &s};
    cli_rewrite_stats w;
    memset(&w, 0, sizeof w);
    if (cli_rewrite_file(&sp, in, out, processing, 0, denoise_batch, &job, &w) != 0) return 1;
    print_summary(o, in, out, &w, &s);
    fflush(stdout);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavoisier denoise IN... (-o OUT | -O OUTDIR) [OPTIONS]\n"
            "\n"
            "Denoises profile spectra and writes indexed mzML 1.1 with zlib arrays and a SHA-1\n"
            "checksum: same points, new intensities, metadata kept, a dataProcessing entry naming\n"
            "the method and its parameters.  Centroided spectra and other MS levels are copied\n"
            "unchanged.  Output is written under a temporary name and renamed when complete.\n"
            "\n"
            "options:\n"
            "  -o OUT                output file (one input)\n"
            "  -O OUTDIR             output folder (any number of inputs; same file names)\n"
            "%s"
            "  --ms-levels LIST      MS levels to denoise, e.g. 1 or 1,2 (default: all)\n"
            "  --batch-points N      points per streamed batch (default 2000000)\n"
            "  --device auto|cpu|cuda  backend (default auto: CUDA when present)\n"
            "  --threads N           CPU threads (default: all)\n"
            "  --verify-checksum     check the input's SHA-1 before processing\n"
            "  --quiet               no progress bar\n"
            "  --json                summary as one JSON object per file\n",
            cli_denoise_options_help());
}

int cli_denoise(int argc, char **argv)
{
    denoise_opts o;
    memset(&o, 0, sizeof o);
    o.common.device = LV_DEVICE_AUTO;
    lv_denoise_params_init(&o.params);
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (!inputs) return 1;
    int n_in = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = cli_parse_common(&o.common, CMD, &i, argc, argv);
        if (c == 0) c = cli_parse_denoise_option(&o.params, CMD, &i, argc, argv);
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
            if (cli_parse_levels(argv[++i], &o.params.ms_levels) != 0) {
                fprintf(stderr,
                        "lavoisier %s: --ms-levels expects levels like 1 or 1,2, got '%s'\n", CMD,
                        argv[i]);
                goto usage_error;
            }
        } else if (strcmp(a, "--batch-points") == 0 && has_value) {
            if (cli_parse_size(argv[++i], &o.batch_points) != 0 || o.batch_points == 0) {
                fprintf(stderr, "lavoisier %s: --batch-points expects a positive count, got '%s'\n",
                        CMD, argv[i]);
                goto usage_error;
            }
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
    if (cli_check_outputs(CMD, (const char *const *)inputs, n_in, o.out_file, o.out_dir) != 0)
        goto usage_error;

    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = o.common.device;
    cp.n_threads = o.common.threads;
    lv_status st = lv_context_create(&cp, &o.ctx);
    if (st != LV_OK) {
        free(inputs);
        return cli_fail(CMD, "cannot create a context", st);
    }
    if (cli_check_denoise(CMD, o.ctx, &o.params) != 0) {
        lv_context_destroy(o.ctx);
        goto usage_error;
    }
    o.backend = lv_context_backend_name(o.ctx);
    int rc = cli_run_files(CMD, inputs, n_in, o.out_file, o.out_dir, denoise_file, &o);
    lv_context_destroy(o.ctx);
    free(inputs);
    return rc;

usage_error:
    free(inputs);
    fprintf(stderr, "run 'lavoisier %s --help' for the options\n", CMD);
    return 2;
}
