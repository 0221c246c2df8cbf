/* cmd_dump.c - `lavoisier dump [--json] FILE --index I | --id ID`: one record, its metadata, a
 * summary of its arrays (computed from the decoded values) and, on request, the arrays. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: lavoisier dump [--json] [--arrays] [--chromatogram] FILE (--index I | --id ID)\n"
        "Prints one spectrum (or chromatogram with --chromatogram): id, MS level, retention\n"
        "time, points, intensity sum, m/z range, base peak, and with --arrays every value.\n");
}

typedef struct summary {
    double intensity_sum, x_min, x_max, base_x, base_y;
} summary;

static summary summarize(const double *x, const float *y, uint64_t n)
{
    summary s = {0, NAN, NAN, NAN, NAN};
    for (uint64_t k = 0; k < n; k++) {
        if (isfinite(y[k])) s.intensity_sum += y[k];
        if (!(x[k] >= s.x_min)) s.x_min = x[k];
        if (!(x[k] <= s.x_max)) s.x_max = x[k];
        if (!(y[k] <= s.base_y)) { /* the first maximum */
            s.base_y = y[k];
            s.base_x = x[k];
        }
    }
    return s;
}

static const char *polarity_name(int8_t p)
{
    return p > 0 ? "positive" : p < 0 ? "negative" : "unknown";
}

static const char *repr_name(uint8_t r)
{
    return r == LV_REPR_PROFILE ? "profile" : r == LV_REPR_CENTROID ? "centroid" : "unknown";
}

static void json_field_double(FILE *o, const char *key, double v)
{
    fprintf(o, ",\n  \"%s\": ", key);
    cli_json_double(o, v);
}

static void print_json(const lv_batch_view *v, int chrom, int arrays)
{
    FILE *o = stdout;
    uint64_t n = v->offsets[1] - v->offsets[0];
    summary s = summarize(v->mz, v->intensity, n);
    const char *x = chrom ? "time" : "mz";
    fprintf(o, "{\n  \"kind\": \"%s\",\n  \"index\": %llu,\n  \"id\": ",
            chrom ? "chromatogram" : "spectrum", (unsigned long long)v->index[0]);
    cli_json_string(o, v->id_arena + v->id_offsets[0]);
    if (!chrom) {
        fprintf(o, ",\n  \"ms_level\": %u", v->ms_level[0]);
        json_field_double(o, "scan_start_time_seconds", v->rt_seconds[0]);
        fprintf(o, ",\n  \"polarity\": \"%s\",\n  \"representation\": \"%s\"",
                polarity_name(v->polarity[0]), repr_name(v->representation[0]));
    }
    json_field_double(o, "precursor_mz", v->precursor_mz[0]);
    fprintf(o, ",\n  \"precursor_charge\": %d", (int)v->precursor_charge[0]);
    json_field_double(o, "precursor_intensity", v->precursor_intensity[0]);
    fprintf(o, ",\n  \"points\": %llu", (unsigned long long)n);
    json_field_double(o, "intensity_sum", s.intensity_sum);
    char key[32];
    snprintf(key, sizeof key, "%s_min", chrom ? "time_seconds" : "mz");
    json_field_double(o, key, s.x_min);
    snprintf(key, sizeof key, "%s_max", chrom ? "time_seconds" : "mz");
    json_field_double(o, key, s.x_max);
    json_field_double(o, chrom ? "base_peak_time_seconds" : "base_peak_mz", s.base_x);
    json_field_double(o, "base_peak_intensity", s.base_y);
    if (arrays) {
        fprintf(o, ",\n  \"%s\": [", chrom ? "time_seconds" : x);
        for (uint64_t k = 0; k < n; k++) {
            if (k) fputs(", ", o);
            cli_json_double(o, v->mz[k]);
        }
        fputs("],\n  \"intensity\": [", o);
        for (uint64_t k = 0; k < n; k++) {
            if (k) fputs(", ", o);
            cli_json_double(o, v->intensity[k]);
        }
        fputc(']', o);
    }
    fputs("\n}\n", o);
}

static void print_text(const lv_batch_view *v, int chrom, int arrays)
{
    uint64_t n = v->offsets[1] - v->offsets[0];
    summary s = summarize(v->mz, v->intensity, n);
    printf("%s %llu  id '%s'\n", chrom ? "chromatogram" : "spectrum",
           (unsigned long long)v->index[0], v->id_arena + v->id_offsets[0]);
    if (!chrom)
        printf("MS level %u, %s, %s, scan start %.4f s\n", v->ms_level[0],
               repr_name(v->representation[0]), polarity_name(v->polarity[0]), v->rt_seconds[0]);
    if (isfinite(v->precursor_mz[0]))
        printf("precursor m/z %.6f charge %d intensity %g\n", v->precursor_mz[0],
               (int)v->precursor_charge[0], v->precursor_intensity[0]);
    printf("%llu points, intensity sum %.10g\n", (unsigned long long)n, s.intensity_sum);
    if (n)
        printf("%s %.6f - %.6f, base peak %.6f (%g)\n", chrom ? "time (s)" : "m/z", s.x_min,
               s.x_max, s.base_x, s.base_y);
    if (arrays)
        for (uint64_t k = 0; k < n; k++)
            printf("%.10f\t%.9g\n", v->mz[k], v->intensity[k]);
}

int cli_dump(int argc, char **argv)
{
    cli_common_opts opts = {1, LV_DEVICE_CPU, 0};
    int json = 0, arrays = 0, chrom = 0, have_index = 0;
    uint64_t index = 0;
    const char *id = NULL, *path = NULL;
    for (int i = 1; i < argc; i++) {
        int c = cli_parse_common(&opts, "dump", &i, argc, argv);
        if (c < 0) return 2;
        if (c > 0) continue;
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--arrays") == 0)
            arrays = 1;
        else if (strcmp(argv[i], "--chromatogram") == 0)
            chrom = 1;
        else if (strcmp(argv[i], "--index") == 0 && i + 1 < argc) {
            char *end = NULL;
            index = strtoull(argv[++i], &end, 10);
            if (!end || *end || argv[i][0] == '-') {
                fprintf(stderr, "lavoisier dump: --index expects a number, got '%s'\n", argv[i]);
                return 2;
            }
            have_index = 1;
        } else if (strcmp(argv[i], "--id") == 0 && i + 1 < argc) {
            id = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "lavoisier dump: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (!path)
            path = argv[i];
        else {
            fprintf(stderr, "lavoisier dump: one FILE expected\n");
            return 2;
        }
    }
    if (!path || have_index == (id != NULL)) {
        usage(stderr);
        return 2;
    }
    lv_context *ctx = NULL;
    lv_reader *r = NULL;
    int rc = cli_open(&opts, "dump", path, &ctx, &r);
    if (rc) return rc;
    lv_record_kind kind = chrom ? LV_RECORD_CHROMATOGRAM : LV_RECORD_SPECTRUM;
    lv_status st = id ? lv_reader_find_id(r, kind, id, &index) : LV_OK;
    lv_batch *b = NULL;
    if (st == LV_OK) st = lv_reader_read(r, kind, index, 1, &b);
    if (st != LV_OK) {
        rc = cli_fail("dump", path, st);
    } else {
        lv_batch_view v = {.size = sizeof v};
        lv_batch_get_view(b, &v);
        if (json)
            print_json(&v, chrom, arrays);
        else
            print_text(&v, chrom, arrays);
    }
    lv_batch_destroy(b);
    lv_reader_close(r);
    lv_context_destroy(ctx);
    return rc;
}
