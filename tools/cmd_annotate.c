/* cmd_annotate.c - `lavoisier annotate`: every centroid of one MS level annotated against a
 * compound table (OpenMS's HMDB tables by default), candidates ranked by posterior, as TSV.
 *
 * The file streams through the reader-thread pipeline of cli_pipeline.h; each batch is
 * centroided first when it holds profile spectra of the annotated level (lv_centroid_batch), then
 * annotated (lv_annotate_batch), and its rows are appended to a temporary file beside the output,
 * renamed when the whole run succeeded (removed otherwise). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_pipeline.h"

#define CMD "annotate"

typedef struct annotate_opts {
    cli_common_opts common;
    lv_annotate_params params;
    lv_centroid_params centroid;
    const char *db_file;
    const char *names_file;
    const char *adducts[2]; /* given --adducts files: [0] positive, [1] negative */
    int polarity_set;
    const char *out_file;
    uint64_t batch_points;
    int quiet;
    int json;
} annotate_opts;

typedef struct annotate_run {
    const annotate_opts *o;
    lv_context *ctx;
    const lv_compound_db *db;
    FILE *tsv;
    uint64_t searched, centroided, peaks, annotated, rows;
    double centroid_s, annotate_s, write_s;
} annotate_run;

/* ---- TSV fields ---- */

/* Text that reads back to the same double; NaN and infinities as "NaN", "inf". */
static void put_double(FILE *f, double v)
{
    if (isnan(v)) {
        fputs("NaN", f);
        return;
    }
    if (isinf(v)) {
        fputs(v > 0 ? "inf" : "-inf", f);
        return;
    }
    /* 15 digits when they read back exactly (most short values), else 17 (always exact): at
     * most two conversions, which dominate the cost of writing a row. */
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, f);
}

/* The same for a float (intensities are stored as float). */
static void put_float(FILE *f, float v)
{
    if (!isfinite(v)) {
        put_double(f, v);
        return;
    }
    char buf[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    fputs(buf, f);
}

/* A text field: tabs and line breaks would break the columns, so they become spaces. */
static void put_text(FILE *f, const char *s)
{
    for (const char *p = s ? s : "";;) {
        size_t n = strcspn(p, "\t\n\r");
        fwrite(p, 1, n, f);
        if (!p[n]) return;
        fputc(' ', f);
        p += n + 1;
    }
}

static const char tsv_header[] = "spectrum_index\tnative_id\trt_seconds\tpeak_mz\tintensity\trank\t"
                                 "compound_id\tname\tformula\tadduct\ttheoretical_mz\tppm_error\t"
                                 "isotope_score\tposterior\n";

static int write_rows(annotate_run *r, const lv_batch *b, const lv_annotation *ann)
{
    lv_annotation_view v = {.size = sizeof v};
    lv_batch_view bv = {.size = sizeof bv};
    lv_status st = lv_annotation_get_view(ann, &v);
    if (st == LV_OK) st = lv_batch_get_view(b, &bv);
    if (st != LV_OK) return cli_fail(CMD, "annotation", st);
    FILE *f = r->tsv;
    r->peaks += v.n_peaks;
    for (uint64_t p = 0; p < v.n_peaks; p++) {
        const uint64_t first = v.peak_offsets[p], end = v.peak_offsets[p + 1];
        if (end > first) r->annotated++;
        const uint64_t s = v.peak_spectrum[p];
        for (uint64_t k = first; k < end; k++) {
            lv_compound_info ci = {.size = sizeof ci};
            lv_adduct_info ai = {.size = sizeof ai};
            st = lv_compound_db_get(r->db, v.compound[k], &ci);
            if (st == LV_OK)
                st = lv_compound_db_adduct(r->db, v.peak_polarity[p], v.adduct[k], &ai);
            if (st != LV_OK) return cli_fail(CMD, "annotation", st);
            fprintf(f, "%llu\t", (unsigned long long)bv.index[s]);
            put_text(f, lv_batch_id(b, s));
            fputc('\t', f);
            put_double(f, v.peak_rt[p]);
            fputc('\t', f);
            put_double(f, v.peak_mz[p]);
            fputc('\t', f);
            put_float(f, v.peak_intensity[p]);
            fprintf(f, "\t%llu\t", (unsigned long long)(k - first + 1));
            put_text(f, ci.ids);
            fputc('\t', f);
            put_text(f, ci.name);
            fputc('\t', f);
            put_text(f, ci.formula);
            fputc('\t', f);
            put_text(f, ai.name);
            fputc('\t', f);
            put_double(f, v.theoretical_mz[k]);
            fputc('\t', f);
            put_double(f, v.ppm_error[k]);
            fputc('\t', f);
            put_double(f, v.isotope_score[k]);
            fputc('\t', f);
            put_double(f, v.posterior[k]);
            fputc('\n', f);
            r->rows++;
        }
    }
    return 0;
}

/* ---- one batch ---- */

/* 1 when a spectrum of the annotated level is profile data (lv_annotate_batch refuses those). */
static int needs_centroiding(const lv_batch *b, uint32_t ms_levels, uint64_t *selected)
{
    lv_batch_view v = {.size = sizeof v};
    if (lv_batch_get_view(b, &v) != LV_OK) return 0;
    int need = 0;
    for (uint64_t i = 0; i < v.n_records; i++) {
        if (v.ms_level[i] >= 32 || !((ms_levels >> v.ms_level[i]) & 1u)) continue;
        ++*selected;
        if (v.representation[i] == LV_REPR_PROFILE) need = 1;
    }
    return need;
}

static int annotate_batch(void *user, lv_batch *b)
{
    annotate_run *r = user;
    lv_batch *c = NULL;
    const lv_batch *src = b;
    int rc = 0;
    if (needs_centroiding(b, r->o->params.ms_levels, &r->searched)) {
        double t0 = cli_now();
        lv_status st = lv_centroid_batch(r->ctx, &r->o->centroid, b, &c);
        r->centroid_s += cli_now() - t0;
        if (st != LV_OK) {
            lv_batch_destroy(b);
            return cli_fail(CMD, "centroiding", st);
        }
        lv_batch_view cv = {.size = sizeof cv}, bv = {.size = sizeof bv};
        if (lv_batch_get_view(c, &cv) == LV_OK && lv_batch_get_view(b, &bv) == LV_OK)
            for (uint64_t i = 0; i < cv.n_records; i++)
                r->centroided += cv.processed[i] && !bv.processed[i];
        src = c;
    }
    double t0 = cli_now();
    lv_annotation *ann = NULL;
    lv_status st = lv_annotate_batch(r->ctx, r->db, &r->o->params, src, &ann);
    double t1 = cli_now();
    r->annotate_s += t1 - t0;
    if (st != LV_OK)
        rc = cli_fail(CMD, "annotating", st);
    else
        rc = write_rows(r, src, ann);
    r->write_s += cli_now() - t1;
    lv_annotation_destroy(ann);
    lv_batch_destroy(c);
    lv_batch_destroy(b);
    return rc;
}

/* ---- the run ---- */

static void print_summary(const annotate_opts *o, const char *in, const cli_stream *s,
                          const annotate_run *r, const char *backend, double wall_s)
{
    const lv_file_info *fi = &s->info;
    if (o->json) {
        printf("{\"input\": ");
        cli_json_string(stdout, in);
        printf(", \"output\": ");
        cli_json_string(stdout, o->out_file);
        printf(", \"backend\": ");
        cli_json_string(stdout, backend);
        printf(", \"spectra\": %llu, \"searched_spectra\": %llu, \"centroided\": %llu, "
               "\"peaks\": %llu, \"annotated_peaks\": %llu, \"rows\": %llu, ",
               (unsigned long long)s->spectra, (unsigned long long)r->searched,
               (unsigned long long)r->centroided, (unsigned long long)r->peaks,
               (unsigned long long)r->annotated, (unsigned long long)r->rows);
        printf("\"seconds\": {\"parse\": %.6f, \"decode\": %.6f, \"centroid\": %.6f, "
               "\"annotate\": %.6f, \"write\": %.6f, \"wall\": %.6f}}\n",
               fi->parse_seconds, fi->decode_seconds, r->centroid_s, r->annotate_s, r->write_s,
               wall_s);
        return;
    }
    printf("%s -> %s\n", in, o->out_file);
    printf("  spectra      %llu (%llu searched, %llu centroided first)\n",
           (unsigned long long)s->spectra, (unsigned long long)r->searched,
           (unsigned long long)r->centroided);
    printf("  peaks        %llu (%llu annotated, %llu candidate rows)\n",
           (unsigned long long)r->peaks, (unsigned long long)r->annotated,
           (unsigned long long)r->rows);
    printf("  read+parse   %8.3f s\n", fi->parse_seconds);
    printf("  decode       %8.3f s\n", fi->decode_seconds);
    printf("  centroid     %8.3f s\n", r->centroid_s);
    printf("  annotate     %8.3f s  %9.0f peaks/s\n", r->annotate_s,
           cli_rate((double)r->peaks, r->annotate_s));
    printf("  write        %8.3f s\n", r->write_s);
    printf("  total        %8.3f s  on %s\n", wall_s, backend);
}

/* The polarity of an adduct file from the charge sign of its first adduct ("M+H;1+"): 0 for
 * positive, 1 for negative, -1 when the file cannot be opened (errno set), -2 when its first
 * line is no adduct. */
static int adduct_file_polarity(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[512];
    int slot = -2;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        if (n == 0) continue;
        if (line[n - 1] == '+') slot = 0;
        if (line[n - 1] == '-') slot = 1;
        break;
    }
    fclose(f);
    return slot;
}

static int open_db(const annotate_opts *o, lv_compound_db **db)
{
    lv_compound_db_params p;
    lv_compound_db_params_init(&p);
    if (o->db_file) {
        p.mapping = o->db_file;
        p.structures = ""; /* HMDB names do not belong to another table */
    }
    if (o->names_file) p.structures = o->names_file;
    if (o->adducts[0] || o->adducts[1]) {
        p.positive_adducts = o->adducts[0] ? o->adducts[0] : "";
        p.negative_adducts = o->adducts[1] ? o->adducts[1] : "";
    }
    /* A fixed polarity needs only its own list. */
    if (o->params.polarity > 0) p.negative_adducts = "";
    if (o->params.polarity < 0) p.positive_adducts = "";
    lv_status st = lv_compound_db_open(&p, db);
    return st == LV_OK ? 0 : cli_fail(CMD, "compound tables", st);
}

static int annotate_file(const annotate_opts *o, lv_context *ctx, const lv_compound_db *db,
                         const char *in)
{
    const double t_start = cli_now();
    cli_stream_params sp = {CMD, ctx, o->common.verify_checksum, o->batch_points, o->quiet};
    cli_stream s;
    if (cli_stream_open(&s, &sp, in) != 0) return 1;

    /* Temporary file beside the output, so that the rename is atomic. */
    size_t n = strlen(o->out_file) + 16;
    char *tmp = malloc(n);
    if (!tmp) {
        cli_stream_close(&s, 0);
        return 1;
    }
    snprintf(tmp, n, "%s.tmp.XXXXXX", o->out_file);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "lavoisier %s: %s: cannot create: %s\n", CMD, o->out_file, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        cli_stream_close(&s, 0);
        return 1;
    }
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask); /* mkstemp makes 0600; an output is an ordinary file */
    static char buffer[1 << 20];
    setvbuf(f, buffer, _IOFBF, sizeof buffer);
    fputs(tsv_header, f);

    annotate_run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.ctx = ctx;
    r.db = db;
    r.tsv = f;
    int rc = cli_stream_run(&s, annotate_batch, &r);
    double t0 = cli_now();
    int write_error = ferror(f);
    if (fclose(f) != 0) write_error = 1;
    if (rc == 0 && write_error) {
        fprintf(stderr, "lavoisier %s: %s: write failed: %s\n", CMD, o->out_file, strerror(errno));
        rc = 1;
    }
    if (rc == 0 && rename(tmp, o->out_file) != 0) {
        fprintf(stderr, "lavoisier %s: %s: cannot rename the temporary file: %s\n", CMD,
                o->out_file, strerror(errno));
        rc = 1;
    }
    if (rc != 0) unlink(tmp);
    r.write_s += cli_now() - t0;
    free(tmp);
    cli_stream_close(&s, rc == 0);
    if (rc == 0) print_summary(o, in, &s, &r, lv_context_backend_name(ctx), cli_now() - t_start);
    return rc;
}

/* ---- options ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavoisier annotate IN.mzML -o OUT.tsv [OPTIONS]\n"
            "\n"
            "Annotates the centroids of one MS level against a compound table: candidates are\n"
            "compound x adduct pairs within the ppm window, ranked by the posterior that fuses\n"
            "the mass error, the M+1/M+2 isotope intensities and the adduct prior against a\n"
            "\"no match\" hypothesis.  Profile spectra are centroided first.  Writes one TSV row\n"
            "per candidate (header first):\n"
            "  spectrum_index native_id rt_seconds peak_mz intensity rank compound_id name\n"
            "  formula adduct theoretical_mz ppm_error isotope_score posterior\n"
            "The output is written under a temporary name and renamed when complete.\n"
            "\n"
            "options:\n"
            "  -o OUT                output TSV file\n"
            "  --db FILE             compound table (\"mass<TAB>formula<TAB>ID...\"; default\n"
            "                        " LV_OPENMS_CHEMISTRY_DIR "/HMDBMappingFile.tsv)\n"
            "  --names FILE          ID<TAB>name table (default with the HMDB table:\n"
            "                        HMDB2StructMapping.tsv; none with --db)\n"
            "  --adducts FILE        adduct list (\"M+H;1+\" per line), positive or negative as\n"
            "                        its charges say; give it once per polarity.  Default:\n"
            "                        PositiveAdducts.tsv / NegativeAdducts.tsv of OpenMS\n"
            "  --ppm X               candidate window in ppm (default 5)\n"
            "  --top N               candidates per peak, best first; 0 = all (default 5)\n"
            "  --ms-level L          MS level to annotate (default 1)\n"
            "  --polarity P          auto (each spectrum's, default), positive or negative\n"
            "  --snr X               signal-to-noise threshold when centroiding (default 0)\n"
            "  --batch-points N      points per streamed batch (default 2000000)\n"
            "  --device auto|cpu|cuda  backend (default auto: CUDA when present)\n"
            "  --threads N           CPU threads (default: all)\n"
            "  --verify-checksum     check the input's SHA-1 before processing\n"
            "  --quiet               no progress bar\n"
            "  --json                summary as one JSON object\n");
}

int cli_annotate(int argc, char **argv)
{
    annotate_opts o;
    memset(&o, 0, sizeof o);
    o.common.device = LV_DEVICE_AUTO;
    lv_annotate_params_init(&o.params);
    lv_centroid_params_init(&o.centroid);
    const char *in = NULL;
    int n_in = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = cli_parse_common(&o.common, CMD, &i, argc, argv);
        if (c < 0) goto usage_error;
        if (c > 0) continue;
        int has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "-o") == 0 && has_value) {
            o.out_file = argv[++i];
        } else if (strcmp(a, "--db") == 0 && has_value) {
            o.db_file = argv[++i];
        } else if (strcmp(a, "--names") == 0 && has_value) {
            o.names_file = argv[++i];
        } else if (strcmp(a, "--adducts") == 0 && has_value) {
            const char *path = argv[++i];
            int slot = adduct_file_polarity(path);
            if (slot == -1) {
                fprintf(stderr, "lavoisier %s: --adducts %s: cannot open: %s\n", CMD, path,
                        strerror(errno));
                return 1;
            }
            if (slot < 0) {
                fprintf(stderr,
                        "lavoisier %s: --adducts %s: no adduct such as M+H;1+ on its first line\n",
                        CMD, path);
                return 1;
            }
            if (o.adducts[slot]) {
                fprintf(stderr, "lavoisier %s: --adducts: two %s lists (%s and %s)\n", CMD,
                        slot ? "negative" : "positive", o.adducts[slot], path);
                goto usage_error;
            }
            o.adducts[slot] = path;
        } else if (strcmp(a, "--ppm") == 0 && has_value) {
            if (cli_parse_nonneg(CMD, a, argv[++i], &o.params.ppm) != 0) goto usage_error;
            if (!(o.params.ppm > 0 && o.params.ppm < 1e6)) {
                fprintf(stderr, "lavoisier %s: --ppm expects a number in (0, 1e6)\n", CMD);
                goto usage_error;
            }
        } else if (strcmp(a, "--top") == 0 && has_value) {
            if (cli_parse_uint(CMD, a, argv[++i], 0, 1u << 30, &o.params.top_k) != 0)
                goto usage_error;
        } else if (strcmp(a, "--ms-level") == 0 && has_value) {
            uint32_t level;
            if (cli_parse_uint(CMD, a, argv[++i], 0, 31, &level) != 0) goto usage_error;
            o.params.ms_levels = 1u << level;
        } else if (strcmp(a, "--polarity") == 0 && has_value) {
            const char *p = argv[++i];
            if (strcmp(p, "auto") == 0)
                o.params.polarity = 0;
            else if (strcmp(p, "positive") == 0)
                o.params.polarity = 1;
            else if (strcmp(p, "negative") == 0)
                o.params.polarity = -1;
            else {
                fprintf(stderr,
                        "lavoisier %s: --polarity expects auto, positive or negative, got '%s'\n",
                        CMD, p);
                goto usage_error;
            }
        } else if (strcmp(a, "--snr") == 0 && has_value) {
            if (cli_parse_nonneg(CMD, a, argv[++i], &o.centroid.snr) != 0) goto usage_error;
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
            in = a;
            n_in++;
        }
    }
    if (n_in != 1) {
        fprintf(stderr, "lavoisier %s: give one input file (got %d)\n", CMD, n_in);
        goto usage_error;
    }
    if (!o.out_file) {
        fprintf(stderr, "lavoisier %s: give the output with -o OUT.tsv\n", CMD);
        goto usage_error;
    }
    if ((o.adducts[0] || o.adducts[1]) && o.params.polarity != 0 &&
        !o.adducts[o.params.polarity > 0 ? 0 : 1]) {
        fprintf(stderr, "lavoisier %s: --polarity %s but no %s list among --adducts\n", CMD,
                o.params.polarity > 0 ? "positive" : "negative",
                o.params.polarity > 0 ? "positive" : "negative");
        goto usage_error;
    }
    if (cli_same_file(in, o.out_file)) {
        fprintf(stderr, "lavoisier %s: %s: the output would overwrite the input\n", CMD,
                o.out_file);
        return 1;
    }
    /* Centroid exactly what is annotated. */
    o.centroid.ms_levels = o.params.ms_levels;

    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = o.common.device;
    cp.n_threads = o.common.threads;
    lv_context *ctx = NULL;
    lv_status st = lv_context_create(&cp, &ctx);
    if (st != LV_OK) return cli_fail(CMD, "cannot create a context", st);
    lv_compound_db *db = NULL;
    int rc = open_db(&o, &db);
    if (rc == 0) rc = annotate_file(&o, ctx, db, in);
    lv_compound_db_destroy(db);
    lv_context_destroy(ctx);
    fflush(stdout);
    return rc;

usage_error:
    fprintf(stderr, "run 'lavoisier %s --help' for the options\n", CMD);
    return 2;
}
