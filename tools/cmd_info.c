/* cmd_info.c - `lavoisier info [--json] FILE`: one streaming pass over every spectrum (and the
 * chromatograms) reporting counts, ranges, encodings and what the reader made of the index. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

typedef struct info_stats {
    uint64_t ms_levels[256];
    uint64_t repr[3];     /* unknown, profile, centroid */
    uint64_t polarity[3]; /* negative, unknown, positive */
    uint64_t points;
    uint64_t chrom_points;
    double rt_min, rt_max, mz_min, mz_max;
} info_stats;

static void usage(FILE *out)
{
    fprintf(out, "usage: lavoisier info [--json] [--verify-checksum] [--threads N] "
                 "[--device auto|cpu|cuda] FILE\n"
                 "Reads every spectrum once and reports counts per MS level, retention time and\n"
                 "m/z ranges, profile/centroid counts, array encodings and the index state.\n");
}

static void add_batch(info_stats *s, const lv_batch_view *v)
{
    for (uint64_t i = 0; i < v->n_records; i++) {
        s->ms_levels[v->ms_level[i]]++;
        s->repr[v->representation[i] < 3 ? v->representation[i] : 0]++;
        s->polarity[v->polarity[i] + 1]++;
        double rt = v->rt_seconds[i];
        if (isfinite(rt)) {
            if (rt < s->rt_min) s->rt_min = rt;
            if (rt > s->rt_max) s->rt_max = rt;
        }
    }
    for (uint64_t k = 0; k < v->n_points; k++) {
        double mz = v->mz[k];
        if (mz < s->mz_min) s->mz_min = mz;
        if (mz > s->mz_max) s->mz_max = mz;
    }
    s->points += v->n_points;
}

static const struct {
    uint32_t bit;
    const char *name;
} encoding_names[] = {
    {LV_ENCODING_NONE, "no compression"},       {LV_ENCODING_ZLIB, "zlib"},
    {LV_ENCODING_NP_LINEAR, "numpress-linear"}, {LV_ENCODING_NP_PIC, "numpress-pic"},
    {LV_ENCODING_NP_SLOF, "numpress-slof"},     {LV_ENCODING_F32, "32-bit float"},
    {LV_ENCODING_F64, "64-bit float"},          {LV_ENCODING_I32, "32-bit integer"},
    {LV_ENCODING_I64, "64-bit integer"},        {LV_ENCODING_ASCII, "ASCII string"},
};

static const char *checksum_name(uint32_t s)
{
    static const char *names[] = {"not checked", "matches", "differs", "absent or placeholder"};
    return s < 4 ? names[s] : "unknown";
}

static void print_range(FILE *out, double lo, double hi)
{
    if (!(lo <= hi)) {
        fputs("null", out);
        return;
    }
    fputc('[', out);
    cli_json_double(out, lo);
    fputs(", ", out);
    cli_json_double(out, hi);
    fputc(']', out);
}

static void print_json(const char *path, const lv_file_info *fi, const info_stats *s,
                       const char *backend, double seconds)
{
    FILE *o = stdout;
    fputs("{\n  \"file\": ", o);
    cli_json_string(o, path);
    fprintf(o, ",\n  \"file_bytes\": %llu,\n  \"compressed_bytes\": %llu,\n  \"gzip\": %s",
            (unsigned long long)fi->file_bytes, (unsigned long long)fi->compressed_bytes,
            fi->gzip ? "true" : "false");
    fputs(",\n  \"mzml_version\": ", o);
    cli_json_string(o, fi->mzml_version);
    fputs(",\n  \"writer_software\": ", o);
    cli_json_string(o, fi->writer_software);
    fprintf(o, ",\n  \"n_spectra\": %llu,\n  \"n_chromatograms\": %llu,\n  \"ms_levels\": {",
            (unsigned long long)fi->n_spectra, (unsigned long long)fi->n_chromatograms);
    const char *sep = "";
    for (int l = 0; l < 256; l++)
        if (s->ms_levels[l]) {
            fprintf(o, "%s\"%d\": %llu", sep, l, (unsigned long long)s->ms_levels[l]);
            sep = ", ";
        }
    fprintf(o,
            "},\n  \"representation\": {\"profile\": %llu, \"centroid\": %llu, "
            "\"unknown\": %llu},\n",
            (unsigned long long)s->repr[1], (unsigned long long)s->repr[2],
            (unsigned long long)s->repr[0]);
    fprintf(o, "  \"polarity\": {\"positive\": %llu, \"negative\": %llu, \"unknown\": %llu},\n",
            (unsigned long long)s->polarity[2], (unsigned long long)s->polarity[0],
            (unsigned long long)s->polarity[1]);
    fprintf(o, "  \"total_spectrum_points\": %llu,\n  \"total_chromatogram_points\": %llu,\n",
            (unsigned long long)s->points, (unsigned long long)s->chrom_points);
    fputs("  \"rt_range_seconds\": ", o);
    print_range(o, s->rt_min, s->rt_max);
    fputs(",\n  \"mz_range\": ", o);
    print_range(o, s->mz_min, s->mz_max);
    fputs(",\n  \"encodings\": [", o);
    sep = "";
    for (size_t k = 0; k < sizeof encoding_names / sizeof encoding_names[0]; k++)
        if (fi->encodings_seen & encoding_names[k].bit) {
            fputs(sep, o);
            cli_json_string(o, encoding_names[k].name);
            sep = ", ";
        }
    fprintf(
        o, "],\n  \"index\": \"%s\",\n  \"index_message\": ", cli_index_state_key(fi->index_state));
    cli_json_string(o, fi->index_message);
    fprintf(o, ",\n  \"checksum\": \"%s\",\n  \"backend\": ", checksum_name(fi->checksum_state));
    cli_json_string(o, backend);
    fprintf(o, ",\n  \"seconds\": %.3f\n}\n", seconds);
}

static void print_text(const char *path, const lv_file_info *fi, const info_stats *s,
                       const char *backend, double seconds)
{
    printf("file:               %s\n", path);
    printf("size:               %llu bytes%s", (unsigned long long)fi->file_bytes,
           fi->gzip ? "" : "\n");
    if (fi->gzip) printf(" (gzip, %llu on disk)\n", (unsigned long long)fi->compressed_bytes);
    printf("mzML version:       %s\n", fi->mzml_version[0] ? fi->mzml_version : "(not stated)");
    printf("written by:         %s\n", fi->writer_software[0] ? fi->writer_software : "?");
    printf("spectra:            %llu\n", (unsigned long long)fi->n_spectra);
    for (int l = 0; l < 256; l++)
        if (s->ms_levels[l]) {
            if (l)
                printf("  MS level %-3d      %llu\n", l, (unsigned long long)s->ms_levels[l]);
            else
                printf("  MS level unknown  %llu\n", (unsigned long long)s->ms_levels[l]);
        }
    printf("  profile/centroid/unknown: %llu / %llu / %llu\n", (unsigned long long)s->repr[1],
           (unsigned long long)s->repr[2], (unsigned long long)s->repr[0]);
    printf("chromatograms:      %llu\n", (unsigned long long)fi->n_chromatograms);
    printf("spectrum points:    %llu\n", (unsigned long long)s->points);
    if (s->rt_min <= s->rt_max) printf("retention time:     %.3f - %.3f s\n", s->rt_min, s->rt_max);
    if (s->mz_min <= s->mz_max) printf("m/z:                %.4f - %.4f\n", s->mz_min, s->mz_max);
    printf("encodings:         ");
    for (size_t k = 0; k < sizeof encoding_names / sizeof encoding_names[0]; k++)
        if (fi->encodings_seen & encoding_names[k].bit) printf(" [%s]", encoding_names[k].name);
    printf("\nindex:              %s\n", cli_index_state_name(fi->index_state));
    if (fi->index_message[0]) printf("                    %s\n", fi->index_message);
    printf("checksum:           %s\n", checksum_name(fi->checksum_state));
    printf("read in %.3f s on %s\n", seconds, backend);
}

int cli_info(int argc, char **argv)
{
    cli_common_opts opts = {0, LV_DEVICE_AUTO, 0};
    int json = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        int c = cli_parse_common(&opts, "info", &i, argc, argv);
        if (c < 0) return 2;
        if (c > 0) continue;
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--verify-checksum") == 0)
            opts.verify_checksum = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "lavoisier info: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (!path)
            path = argv[i];
        else {
            fprintf(stderr, "lavoisier info: one FILE expected\n");
            return 2;
        }
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lv_context *ctx = NULL;
    lv_reader *r = NULL;
    int rc = cli_open(&opts, "info", path, &ctx, &r);
    if (rc) return rc;
    info_stats s;
    memset(&s, 0, sizeof s);
    s.rt_min = s.mz_min = INFINITY;
    s.rt_max = s.mz_max = -INFINITY;
    lv_status st = LV_OK;
    for (;;) {
        lv_batch *b = NULL;
        st = lv_reader_next(r, &b);
        if (st != LV_OK || !b) break;
        lv_batch_view v = {.size = sizeof v};
        lv_batch_get_view(b, &v);
        add_batch(&s, &v);
        lv_batch_destroy(b);
    }
    lv_file_info fi = {.size = sizeof fi};
    if (st == LV_OK) st = lv_reader_info(r, &fi);
    if (st == LV_OK && fi.n_chromatograms) {
        lv_batch *b = NULL;
        st = lv_reader_read(r, LV_RECORD_CHROMATOGRAM, 0, fi.n_chromatograms, &b);
        if (st == LV_OK) {
            lv_batch_view v = {.size = sizeof v};
            lv_batch_get_view(b, &v);
            s.chrom_points = v.n_points;
        }
        lv_batch_destroy(b);
    }
    if (st == LV_OK) st = lv_reader_info(r, &fi); /* encodings now include chromatograms */
    if (st != LV_OK) {
        rc = cli_fail("info", path, st);
    } else {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (json)
            print_json(path, &fi, &s, lv_context_backend_name(ctx), secs);
        else
            print_text(path, &fi, &s, lv_context_backend_name(ctx), secs);
    }
    lv_reader_close(r);
    lv_context_destroy(ctx);
    return rc;
}
