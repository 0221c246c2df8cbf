/* cmd_image.c - `lavoisier image`: one m/z x RT overview image of a whole run, with axes, ticks
 * and tick labels drawn into the PNG (a built-in 5x7 bitmap font), the first picture people look
 * at.
 *
 * Streams the file: each batch is rasterized into one float image covering the whole RT range
 * (lv_frames, linear, unnormalized, unblurred), the images are combined (sum or max, as asked),
 * and the total is scaled, normalized, blurred and colormapped once with lv_frames_render.
 * Without --mz/--rt a first pass finds the run's ranges.  m/z grows upwards in the picture. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- 5x7 bitmap font: the characters that tick labels and axis titles use ----------------------
 */

typedef struct glyph {
    char c;
    uint8_t rows[7]; /* 5 bits per row, most significant bit on the left */
} glyph;

static const glyph font[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
    {'/', {0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x10}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'e', {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}},
    {'i', {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E}},
    {'m', {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11}},
    {'n', {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'o', {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E}},
    {'r', {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}},
    {'t', {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}},
    {'z', {0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F}},
};

#define FONT_SCALE 2
#define CHAR_W     (6 * FONT_SCALE)
#define CHAR_H     (7 * FONT_SCALE)

typedef struct canvas {
    uint32_t w, h;
    uint8_t *px; /* RGB */
} canvas;

static void put(canvas *cv, long x, long y, uint8_t v)
{
    if (x < 0 || y < 0 || x >= (long)cv->w || y >= (long)cv->h) return;
    uint8_t *p = cv->px + 3 * ((size_t)y * cv->w + (size_t)x);
    p[0] = p[1] = p[2] = v;
}

static void text(canvas *cv, long x, long y, const char *s)
{
    for (; *s; s++, x += CHAR_W) {
        const glyph *g = NULL;
        for (size_t k = 0; k < sizeof font / sizeof font[0]; k++)
            if (font[k].c == *s) g = &font[k];
        if (!g) continue; /* space and characters the font lacks */
        for (int r = 0; r < 7; r++)
            for (int c = 0; c < 5; c++)
                if (g->rows[r] & (0x10 >> c))
                    for (int dy = 0; dy < FONT_SCALE; dy++)
                        for (int dx = 0; dx < FONT_SCALE; dx++)
                            put(cv, x + c * FONT_SCALE + dx, y + r * FONT_SCALE + dy, 0);
    }
}

/* About six round tick steps over [lo, hi]: 1, 2 or 5 times a power of ten. */
static double tick_step(double lo, double hi)
{
    double raw = (hi - lo) / 6.0;
    double mag = pow(10.0, floor(log10(raw)));
    double steps[] = {1, 2, 5, 10};
    for (int k = 0; k < 4; k++)
        if (steps[k] * mag >= raw) return steps[k] * mag;
    return 10 * mag;
}

static void tick_label(char *buf, size_t cap, double v, double step)
{
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buf, cap, "%.*f", decimals, fabs(v) < step * 1e-9 ? 0.0 : v);
}

/* ---- command ------------------------------------------------------------------------------------
 */

/* Marks the columns of the one-frame plan `p` that a selected spectrum of batch b lands in: the
 * same column rule as the rasterizer (raster_heatmap.c), floor((rt - start) / window * width). */
static void mark_scanned_columns(const lv_frame_params *p, const lv_batch *b, uint8_t *scanned)
{
    lv_batch_view v;
    v.size = sizeof v;
    if (lv_batch_get_view(b, &v) != LV_OK) return;
    for (uint64_t i = 0; i < v.n_records; i++) {
        double rt = v.rt_seconds[i];
        if ((p->ms_level && v.ms_level[i] != p->ms_level) || !isfinite(rt) || rt < p->rt_start)
            continue;
        double col = floor((rt - p->rt_start) / p->rt_window * (double)p->width);
        scanned[col >= (double)p->width ? p->width - 1 : (uint32_t)col] = 1;
    }
}

/* Scans are not evenly spaced in time, so a column of the uniform RT grid can fall between two
 * scans and hold none: drawn as it is, that is a black stripe that looks like missing signal.
 * Such a column shows the latest scan before it instead (the earliest after it at the start),
 * the way chromatogram viewers hold a scan until the next one. */
static void hold_scans(float *img, const uint8_t *scanned, uint32_t w, uint32_t h)
{
    long from = -1;
    for (uint32_t x = 0; x < w && from < 0; x++)
        if (scanned[x]) from = x;
    if (from < 0) return; /* nothing drawn */
    for (uint32_t x = 0; x < w; x++) {
        if (scanned[x]) {
            from = x;
            continue;
        }
        for (uint32_t y = 0; y < h; y++)
            img[(size_t)y * w + x] = img[(size_t)y * w + (size_t)from];
    }
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lavoisier image IN.mzML -o OUT.png [OPTIONS]\n"
            "\n"
            "Draws the whole run as one m/z x retention time image (m/z up, time right) with\n"
            "labelled axes.\n"
            "\n"
            "options:\n"
            "%s"
            "  --rt A:B              retention time range in seconds (default: the run's)\n"
            "  --threads N, --device auto|cpu|cuda\n",
            cli_frame_options_help());
}

/* First pass: RT and m/z ranges of the selected spectra. */
static int find_ranges(lv_reader *reader, const char *in, uint32_t level, double *rt_lo,
                       double *rt_hi, double *mz_lo, double *mz_hi, uint64_t *n_selected)
{
    *n_selected = 0;
    *rt_lo = *mz_lo = INFINITY;
    *rt_hi = *mz_hi = -INFINITY;
    for (;;) {
        lv_batch *b = NULL;
        lv_status st = lv_reader_next(reader, &b);
        if (st != LV_OK) return cli_fail("image", in, st);
        if (!b) break;
        lv_batch_view v;
        v.size = sizeof v;
        lv_batch_get_view(b, &v);
        for (uint64_t i = 0; i < v.n_records; i++) {
            if (level && v.ms_level[i] != level) continue;
            (*n_selected)++;
            double rt = v.rt_seconds[i];
            if (isfinite(rt)) {
                if (rt < *rt_lo) *rt_lo = rt;
                if (rt > *rt_hi) *rt_hi = rt;
            }
            for (uint64_t k = v.offsets[i]; k < v.offsets[i + 1]; k++) {
                if (v.mz[k] < *mz_lo) *mz_lo = v.mz[k];
                if (v.mz[k] > *mz_hi) *mz_hi = v.mz[k];
            }
        }
        lv_batch_destroy(b);
    }
    lv_status st = lv_reader_seek(reader, 0);
    if (st != LV_OK) return cli_fail("image", in, st);
    return 0;
}

int cli_image(int argc, char **argv)
{
    cli_common_opts common = {0, LV_DEVICE_AUTO, 0};
    lv_frame_params p;
    lv_frame_params_init(&p);
    p.width = 1200;
    p.height = 800;
    p.blur_sigma = 0.0;
    const char *in = NULL, *out_path = NULL;
    int colormap_set = 0, mz_set = 0, rt_set = 0;
    double rt_lo = 0, rt_hi = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double mz_before = p.mz_min + p.mz_max;
        int c = cli_parse_common(&common, "image", &i, argc, argv);
        if (c == 0) c = cli_parse_frame_option(&p, &colormap_set, "image", &i, argc, argv);
        if (c < 0) return 2;
        if (c > 0) {
            mz_set |= p.mz_min + p.mz_max != mz_before || strcmp(a, "--mz") == 0;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (i + 1 < argc && strcmp(a, "-o") == 0) {
            out_path = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--rt") == 0) {
            char *end = NULL;
            rt_lo = strtod(argv[++i], &end);
            int ok = end && *end == ':';
            if (ok) rt_hi = strtod(end + 1, &end);
            if (!ok || *end || !(rt_hi > rt_lo)) {
                fprintf(stderr, "lavoisier image: --rt expects A:B with A < B\n");
                return 2;
            }
            rt_set = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "lavoisier image: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "lavoisier image: more than one input file\n");
            return 2;
        }
    }
    if (!in || !out_path) {
        usage(stderr);
        return 2;
    }
    lv_context *ctx = NULL;
    lv_reader *reader = NULL;
    if (cli_open(&common, "image", in, &ctx, &reader)) return 1;
    int rc = 0;
    uint64_t n_selected = 0;
    {
        double a, b, mlo, mhi;
        rc = find_ranges(reader, in, p.ms_level, &a, &b, &mlo, &mhi, &n_selected);
        if (rc == 0 && !(b >= a && mhi > mlo)) {
            fprintf(stderr, "lavoisier image: %s: no spectrum of MS level %u with data\n", in,
                    p.ms_level);
            rc = 1;
        }
        if (!rt_set && rc == 0) {
            rt_lo = a;
            rt_hi = b > a ? b : a + 1.0;
        }
        if (!mz_set && rc == 0) {
            p.mz_min = mlo > 0 ? mlo : 1e-3;
            p.mz_max = mhi;
        }
    }

    /* The whole RT range is one frame; its window ends just after the last spectrum.  It is drawn
     * with at most one column per spectrum (a finer RT grid would leave empty columns between
     * scans) and stretched to the plot width by repeating columns. */
    const uint32_t plot_w = p.width;
    if (!rt_set && n_selected > 0 && n_selected < p.width) p.width = (uint32_t)n_selected;
    lv_frame_params acc_p = p;
    acc_p.mode = LV_FRAMES_HEATMAP;
    acc_p.rt_start = rt_lo;
    acc_p.rt_window = (rt_hi - rt_lo) * (1.0 + 1e-9) + 1e-9;
    acc_p.rt_stride = acc_p.rt_window;
    acc_p.scale = LV_SCALE_LINEAR;
    acc_p.normalize = LV_NORMALIZE_FIXED;
    acc_p.norm_value = 1.0;
    acc_p.blur_sigma = 0.0;
    acc_p.format = LV_FRAME_F32;
    size_t npx = (size_t)p.width * p.height;
    float *total = calloc(npx, sizeof *total), *part = malloc(npx * sizeof *part);
    uint8_t *plot = malloc(npx * 3);
    uint8_t *scanned = calloc(p.width, 1); /* columns that hold at least one spectrum */
    if (!total || !part || !plot || !scanned) {
        fprintf(stderr, "lavoisier image: out of memory\n");
        rc = 1;
    }
    while (rc == 0) {
        lv_batch *b = NULL;
        lv_status st = lv_reader_next(reader, &b);
        if (st != LV_OK) {
            rc = cli_fail("image", in, st);
            break;
        }
        if (!b) break;
        st = lv_frames_batch(ctx, &acc_p, b, 1, part);
        if (st == LV_OK) mark_scanned_columns(&acc_p, b, scanned);
        lv_batch_destroy(b);
        if (st != LV_OK) {
            rc = cli_fail("image", "rasterizing", st);
            break;
        }
        for (size_t k = 0; k < npx; k++)
            total[k] = p.accumulate == LV_ACCUMULATE_SUM ? total[k] + part[k]
                       : part[k] > total[k]              ? part[k]
                                                         : total[k];
    }
    if (rc == 0) hold_scans(total, scanned, p.width, p.height);
    lv_frame_params render_p = p;
    render_p.mode = LV_FRAMES_HEATMAP;
    render_p.format = LV_FRAME_RGB8;
    if (!colormap_set) render_p.colormap = LV_COLORMAP_VIRIDIS;
    if (rc == 0) {
        lv_status st = lv_frames_render(ctx, &render_p, 1, total, plot);
        if (st != LV_OK) rc = cli_fail("image", "rendering", st);
    }

    /* Canvas: the plot (flipped so m/z grows upwards) inside margins for ticks and labels. */
    const uint32_t left = 90, right = 30, top = 40, bottom = 70;
    canvas cv = {plot_w + left + right, p.height + top + bottom, NULL};
    if (rc == 0) {
        cv.px = malloc((size_t)cv.w * cv.h * 3);
        if (!cv.px) rc = (fprintf(stderr, "lavoisier image: out of memory\n"), 1);
    }
    if (rc == 0) {
        memset(cv.px, 255, (size_t)cv.w * cv.h * 3);
        for (uint32_t y = 0; y < p.height; y++)
            for (uint32_t x = 0; x < plot_w; x++)
                memcpy(cv.px + 3 * ((size_t)(top + y) * cv.w + left + x),
                       plot + 3 * ((size_t)(p.height - 1 - y) * p.width +
                                   (size_t)x * p.width / plot_w),
                       3);
        p.width = plot_w;
        for (long x = left - 1; x <= (long)(left + p.width); x++) {
            put(&cv, x, top - 1, 0);
            put(&cv, x, top + p.height, 0);
        }
        for (long y = top - 1; y <= (long)(top + p.height); y++) {
            put(&cv, left - 1, y, 0);
            put(&cv, left + p.width, y, 0);
        }
        char label[32];
        /* Time axis in minutes. */
        double t0 = rt_lo / 60.0, t1 = rt_hi / 60.0, ts = tick_step(t0, t1);
        for (double t = ceil(t0 / ts) * ts; t <= t1 + ts * 1e-9; t += ts) {
            long x = (long)left + (long)((t - t0) / (t1 - t0) * (p.width - 1) + 0.5);
            for (int k = 1; k <= 6; k++)
                put(&cv, x, top + p.height + k, 0);
            tick_label(label, sizeof label, t, ts);
            text(&cv, x - (long)strlen(label) * CHAR_W / 2, top + p.height + 12, label);
        }
        const char *xt = "retention time (min)";
        text(&cv, left + p.width / 2 - (long)strlen(xt) * CHAR_W / 2, top + p.height + 40, xt);
        /* m/z axis (linear or ppm-uniform like the bins). */
        double ms = tick_step(p.mz_min, p.mz_max);
        int ppm = p.mz_bins == LV_MZ_BINS_PPM;
        for (double m = ceil(p.mz_min / ms) * ms; m <= p.mz_max + ms * 1e-9; m += ms) {
            double u = ppm ? log(m / p.mz_min) / log(p.mz_max / p.mz_min)
                           : (m - p.mz_min) / (p.mz_max - p.mz_min);
            long y = (long)top + (long)(p.height - 1) - (long)(u * (p.height - 1) + 0.5);
            for (int k = 1; k <= 6; k++)
                put(&cv, left - 1 - k, y, 0);
            tick_label(label, sizeof label, m, ms);
            text(&cv, left - 10 - (long)strlen(label) * CHAR_W, y - CHAR_H / 2, label);
        }
        text(&cv, 10, 12, "m/z");
        lv_status st = lv_png_write(out_path, cv.w, cv.h, 3, cv.px);
        if (st != LV_OK)
            rc = cli_fail("image", out_path, st);
        else
            fprintf(stderr,
                    "lavoisier image: %s: %ux%u, m/z %.4g-%.4g, RT %.4g-%.4g min (backend %s)\n",
                    out_path, cv.w, cv.h, p.mz_min, p.mz_max, t0, t1, lv_context_backend_name(ctx));
    }
    free(cv.px);
    free(total);
    free(part);
    free(plot);
    free(scanned);
    lv_reader_close(reader);
    lv_context_destroy(ctx);
    return rc;
}
