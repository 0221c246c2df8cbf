/* cmd_frames.c - `lavoisier frames`: a run as a movie (ffmpeg) or as PNG frames, streamed batch
 * by batch with bounded memory, with a progress bar on a terminal.
 *
 * Heatmap frames need every spectrum of their RT window: spectra (their points inside the m/z
 * range only) wait in a pending list until the run has moved past a frame's end, then the
 * complete frames are drawn from the list and the spectra no later frame needs are dropped.
 * Memory thus follows the window, not the file.  Retention times are assumed to ascend; a
 * spectrum older than every frame still to come is counted and reported, not drawn. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Bytes of frames drawn per lv_frames call: bounds memory whatever the stride. */
#define FRAME_GROUP_BYTES ((uint64_t)256 << 20)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lavoisier frames IN.mzML (-o OUT.mp4 | -O DIR) [OPTIONS]\n"
            "\n"
            "Rasterizes a run into frames: m/z x RT heatmaps over a sliding RT window (a movie of\n"
            "the run) or Lavoisier's stripe frames (one per spectrum), written as a video through\n"
            "ffmpeg (H.264 MP4 by default) or as DIR/frame_NNNNNN.png.\n"
            "\n"
            "options:\n"
            "  -o OUT.mp4            video file (needs ffmpeg on PATH)\n"
            "  -O DIR                PNG frames into DIR (created if missing)\n"
            "  --mode heatmap|stripe (default heatmap)\n"
            "%s"
            "  --rt-window S         heatmap: seconds per frame (default 60)\n"
            "  --stride S            heatmap: seconds between frames (default 10)\n"
            "  --rt-start S          heatmap: start of the first frame (default: first spectrum)\n"
            "  --fps N               video frame rate (default 25)\n"
            "  --codec NAME          ffmpeg encoder (default libx264)\n"
            "  --quiet               no progress bar\n"
            "  --threads N, --device auto|cpu|cuda\n",
            cli_frame_options_help());
}

static double now_s(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- options shared with `lavoisier image` ----------------------------------------------------
 */

const char *cli_frame_options_help(void)
{
    return "  --size WxH            frame size in pixels (default 1024x1024; image: 1200x800)\n"
           "  --mz A:B              m/z range (default 100:1000; image: the run's range)\n"
           "  --ppm-bins            m/z bins of equal width in ppm instead of linear\n"
           "  --ms-level N          spectra of this MS level, 0 = all (default 1)\n"
           "  --accumulate max|sum  pixel value of several points (default max)\n"
           "  --scale linear|sqrt|log1p  intensity scaling (default log1p)\n"
           "  --colormap gray|viridis|magma|inferno  (default viridis; stripes gray)\n"
           "  --blur SIGMA          Gaussian blur in pixels, 0 = none (default 1)\n"
           "  --norm-value X        normalize by X (scaled units) instead of each frame's max\n";
}

static int pick(const char *v, const char *const *names, int n)
{
    for (int k = 0; k < n; k++)
        if (strcmp(v, names[k]) == 0) return k;
    return -1;
}

int cli_parse_frame_option(lv_frame_params *p, int *colormap_set, const char *cmd, int *i, int argc,
                           char **argv)
{
    const char *arg = argv[*i];
    static const char *flags[] = {"--ppm-bins"};
    if (strcmp(arg, flags[0]) == 0) {
        p->mz_bins = LV_MZ_BINS_PPM;
        return 1;
    }
    static const char *opts[] = {"--size",  "--mz",       "--ms-level", "--accumulate",
                                 "--scale", "--colormap", "--blur",     "--norm-value"};
    int which = pick(arg, opts, 8);
    if (which < 0) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "lavoisier %s: %s needs a value\n", cmd, arg);
        return -1;
    }
    const char *v = argv[++*i];
    char *end = NULL;
    int ok = 1;
    switch (which) {
    case 0: {
        unsigned long w = strtoul(v, &end, 10), h = 0;
        ok = end && *end == 'x';
        if (ok) h = strtoul(end + 1, &end, 10);
        ok = ok && *end == '\0' && w > 0 && h > 0 && w <= 16384 && h <= 16384;
        p->width = (uint32_t)w;
        p->height = (uint32_t)h;
        break;
    }
    case 1:
        p->mz_min = strtod(v, &end);
        ok = end && *end == ':';
        if (ok) p->mz_max = strtod(end + 1, &end);
        ok = ok && *end == '\0';
        break;
    case 2:
        p->ms_level = (uint32_t)strtoul(v, &end, 10);
        ok = *end == '\0';
        break;
    case 3: {
        static const char *n[] = {"max", "sum"};
        int k = pick(v, n, 2);
        ok = k >= 0;
        p->accumulate = (lv_accumulate)k;
        break;
    }
    case 4: {
        static const char *n[] = {"linear", "sqrt", "log1p"};
        int k = pick(v, n, 3);
        ok = k >= 0;
        p->scale = (lv_intensity_scale)k;
        break;
    }
    case 5: {
        static const char *n[] = {"gray", "viridis", "magma", "inferno"};
        int k = pick(v, n, 4);
        ok = k >= 0;
        p->colormap = (lv_colormap)k;
        *colormap_set = 1;
        break;
    }
    case 6:
        p->blur_sigma = strtod(v, &end);
        ok = *end == '\0';
        break;
    case 7:
        p->norm_value = strtod(v, &end);
        ok = *end == '\0';
        p->normalize = LV_NORMALIZE_FIXED;
        break;
    }
    if (!ok) {
        fprintf(stderr, "lavoisier %s: bad value '%s' for %s\n", cmd, v, arg);
        return -1;
    }
    return 1;
}

/* ---- progress ---------------------------------------------------------------------------------
 */

typedef struct progress {
    int on;
    double start, last;
    uint64_t total;
} progress;

static void progress_show(progress *pr, uint64_t done, uint64_t frames, int final)
{
    if (!pr->on) return;
    double t = now_s();
    if (!final && t - pr->last < 0.2) return;
    pr->last = t;
    double frac = pr->total ? (double)done / (double)pr->total : 1.0;
    if (frac > 1) frac = 1;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int k = 0; k < 30; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[30] = '\0';
    double el = t - pr->start;
    fprintf(stderr, "\rframes [%s] %3.0f%%  %llu frames  %.1f frames/s", bar, frac * 100,
            (unsigned long long)frames, el > 0 ? frames / el : 0.0);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* ---- output -----------------------------------------------------------------------------------
 */

typedef struct sink {
    const char *video_path, *dir;
    lv_video_params vp;
    lv_video *video;
    uint32_t width, height, channels;
    uint64_t frame_bytes, written;
} sink;

static int sink_write(sink *s, const uint8_t *frames, uint64_t n)
{
    if (n == 0) return 0;
    if (s->video_path) {
        lv_status st = LV_OK;
        if (!s->video)
            st = lv_video_open(s->video_path, s->width, s->height, s->channels, &s->vp, &s->video);
        if (st == LV_OK) st = lv_video_write(s->video, frames, n);
        if (st != LV_OK) return cli_fail("frames", s->video_path, st);
    } else {
        char path[4096];
        for (uint64_t k = 0; k < n; k++) {
            snprintf(path, sizeof path, "%s/frame_%06llu.png", s->dir,
                     (unsigned long long)(s->written + k));
            lv_status st =
                lv_png_write(path, s->width, s->height, s->channels, frames + k * s->frame_bytes);
            if (st != LV_OK) return cli_fail("frames", path, st);
        }
    }
    s->written += n;
    return 0;
}

/* ---- pending spectra (heatmap) ------------------------------------------------------------------
 */

typedef struct pending {
    uint64_t n, cap_s, cap_p;
    uint64_t *offsets;
    double *mz, *rt;
    float *intensity;
} pending;

static int pending_add(pending *q, const lv_batch_view *v, uint64_t i, double mz_lo, double mz_hi)
{
    uint64_t need = 0;
    for (uint64_t k = v->offsets[i]; k < v->offsets[i + 1]; k++)
        need += v->mz[k] >= mz_lo && v->mz[k] <= mz_hi;
    if (q->n + 2 > q->cap_s) {
        q->cap_s = q->cap_s ? 2 * q->cap_s : 256;
        q->offsets = realloc(q->offsets, q->cap_s * sizeof *q->offsets);
        q->rt = realloc(q->rt, q->cap_s * sizeof *q->rt);
        if (!q->offsets || !q->rt) return -1;
        if (q->n == 0) q->offsets[0] = 0;
    }
    uint64_t used = q->offsets[q->n];
    if (used + need > q->cap_p) {
        while (used + need > q->cap_p)
            q->cap_p = q->cap_p ? 2 * q->cap_p : 1 << 20;
        q->mz = realloc(q->mz, q->cap_p * sizeof *q->mz);
        q->intensity = realloc(q->intensity, q->cap_p * sizeof *q->intensity);
        if (!q->mz || !q->intensity) return -1;
    }
    for (uint64_t k = v->offsets[i]; k < v->offsets[i + 1]; k++)
        if (v->mz[k] >= mz_lo && v->mz[k] <= mz_hi) {
            q->mz[used] = v->mz[k];
            q->intensity[used++] = v->intensity[k];
        }
    q->rt[q->n] = v->rt_seconds[i];
    q->offsets[++q->n] = used;
    return 0;
}

/* Drops the spectra before rt_keep (they are in front: retention times ascend). */
static void pending_drop_before(pending *q, double rt_keep)
{
    uint64_t d = 0;
    while (d < q->n && q->rt[d] < rt_keep)
        d++;
    if (d == 0) return;
    uint64_t p0 = q->offsets[d], pts = q->offsets[q->n] - p0;
    memmove(q->mz, q->mz + p0, pts * sizeof *q->mz);
    memmove(q->intensity, q->intensity + p0, pts * sizeof *q->intensity);
    memmove(q->rt, q->rt + d, (q->n - d) * sizeof *q->rt);
    for (uint64_t k = 0; k + d <= q->n; k++)
        q->offsets[k] = q->offsets[k + d] - p0;
    q->n -= d;
}

typedef struct run_state {
    lv_context *ctx;
    lv_frame_params p;
    sink out;
    uint8_t *buf;
    uint64_t group; /* frames per lv_frames call */
    double t0;
    uint64_t next; /* next heatmap frame to draw */
    pending q;
} run_state;

/* Draws heatmap frames next .. end-1 from the pending spectra and drops what no later frame needs.
 */
static int emit_heatmap(run_state *r, uint64_t end)
{
    while (r->next < end) {
        uint64_t n = end - r->next < r->group ? end - r->next : r->group;
        lv_frame_params p = r->p;
        p.rt_start = r->t0 + (double)r->next * p.rt_stride;
        p.ms_level = 0; /* pending spectra are already selected */
        lv_status st = lv_frames(r->ctx, &p, r->q.n, r->q.offsets, r->q.mz, r->q.intensity, r->q.rt,
                                 NULL, n, r->buf);
        if (st != LV_OK) return cli_fail("frames", "rasterizing", st);
        if (sink_write(&r->out, r->buf, n)) return 1;
        r->next += n;
        pending_drop_before(&r->q, r->t0 + (double)r->next * p.rt_stride);
    }
    return 0;
}

int cli_frames(int argc, char **argv)
{
    cli_common_opts common = {0, LV_DEVICE_AUTO, 0};
    run_state r;
    memset(&r, 0, sizeof r);
    lv_frame_params_init(&r.p);
    r.p.rt_stride = 10.0;
    lv_video_params_init(&r.out.vp);
    const char *in = NULL;
    int colormap_set = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = cli_parse_common(&common, "frames", &i, argc, argv);
        if (c == 0) c = cli_parse_frame_option(&r.p, &colormap_set, "frames", &i, argc, argv);
        if (c < 0) return 2;
        if (c > 0) continue;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (i + 1 < argc && strcmp(a, "-o") == 0) {
            r.out.video_path = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "-O") == 0) {
            r.out.dir = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--mode") == 0) {
            const char *m = argv[++i];
            if (strcmp(m, "heatmap") == 0)
                r.p.mode = LV_FRAMES_HEATMAP;
            else if (strcmp(m, "stripe") == 0)
                r.p.mode = LV_FRAMES_STRIPE;
            else {
                fprintf(stderr, "lavoisier frames: --mode expects heatmap or stripe\n");
                return 2;
            }
        } else if (i + 1 < argc && (strcmp(a, "--rt-window") == 0 || strcmp(a, "--stride") == 0 ||
                                    strcmp(a, "--rt-start") == 0 || strcmp(a, "--fps") == 0)) {
            char *end = NULL;
            double v = strtod(argv[++i], &end);
            if (!end || *end) {
                fprintf(stderr, "lavoisier frames: %s expects a number\n", a);
                return 2;
            }
            if (a[2] == 'f')
                r.out.vp.fps = v;
            else if (strcmp(a, "--rt-window") == 0)
                r.p.rt_window = v;
            else if (strcmp(a, "--stride") == 0)
                r.p.rt_stride = v;
            else
                r.p.rt_start = v;
        } else if (i + 1 < argc && strcmp(a, "--codec") == 0) {
            r.out.vp.codec = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "lavoisier frames: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "lavoisier frames: more than one input file\n");
            return 2;
        }
    }
    if (!in || (!r.out.video_path == !r.out.dir)) {
        fprintf(stderr, "lavoisier frames: need an input file and exactly one of -o and -O\n");
        usage(stderr);
        return 2;
    }
    if (!colormap_set && r.p.mode == LV_FRAMES_STRIPE) r.p.colormap = LV_COLORMAP_GRAY;
    r.p.format = r.p.colormap == LV_COLORMAP_GRAY ? LV_FRAME_GRAY8 : LV_FRAME_RGB8;
    lv_status st = lv_frame_size(&r.p, &r.out.channels, &r.out.frame_bytes);
    if (st != LV_OK) return cli_fail("frames", "parameters", st);
    r.out.width = r.p.width;
    r.out.height = r.p.height;
    if (r.out.dir && mkdir(r.out.dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "lavoisier frames: cannot create '%s': %s\n", r.out.dir, strerror(errno));
        return 1;
    }

    lv_reader *reader = NULL;
    if (cli_open(&common, "frames", in, &r.ctx, &reader)) return 1;
    lv_file_info info;
    info.size = sizeof info;
    lv_reader_info(reader, &info);
    r.group = FRAME_GROUP_BYTES / r.out.frame_bytes;
    if (r.group == 0) r.group = 1;
    if (r.group > 64) r.group = 64;
    r.buf = malloc(r.group * r.out.frame_bytes);
    progress pr = {!quiet && isatty(2), now_s(), 0, info.n_spectra};
    int rc = r.buf ? 0 : (fprintf(stderr, "lavoisier frames: out of memory\n"), 1);
    uint64_t seen = 0, late = 0;
    double rt_max = -INFINITY;
    int have_t0 = !isnan(r.p.rt_start);
    r.t0 = r.p.rt_start;

    while (rc == 0) {
        lv_batch *b = NULL;
        st = lv_reader_next(reader, &b);
        if (st != LV_OK) {
            rc = cli_fail("frames", in, st);
            break;
        }
        if (!b) break;
        lv_batch_view v;
        v.size = sizeof v;
        lv_batch_get_view(b, &v);
        if (r.p.mode == LV_FRAMES_STRIPE) {
            /* Groups of at most r.group selected spectra, as CSR sub-ranges of the batch. */
            uint64_t i0 = 0;
            while (rc == 0 && i0 < v.n_records) {
                uint64_t i1 = i0, n = 0;
                while (i1 < v.n_records && n < r.group) {
                    n += r.p.ms_level == 0 || v.ms_level[i1] == r.p.ms_level;
                    i1++;
                }
                st = lv_frames(r.ctx, &r.p, i1 - i0, v.offsets + i0, v.mz, v.intensity,
                               v.rt_seconds + i0, v.ms_level + i0, n, r.buf);
                if (st != LV_OK)
                    rc = cli_fail("frames", "rasterizing", st);
                else
                    rc = sink_write(&r.out, r.buf, n);
                i0 = i1;
            }
        } else {
            for (uint64_t i = 0; rc == 0 && i < v.n_records; i++) {
                double rt = v.rt_seconds[i];
                if ((r.p.ms_level && v.ms_level[i] != r.p.ms_level) || !isfinite(rt)) continue;
                if (!have_t0) {
                    r.t0 = rt;
                    have_t0 = 1;
                }
                if (rt < r.t0 + (double)r.next * r.p.rt_stride) {
                    late++;
                    continue;
                }
                if (pending_add(&r.q, &v, i, r.p.mz_min, r.p.mz_max)) {
                    fprintf(stderr, "lavoisier frames: out of memory\n");
                    rc = 1;
                }
                if (rt > rt_max) rt_max = rt;
            }
            /* Frames whose window ends at or before the latest RT seen are complete. */
            if (rc == 0 && have_t0 && rt_max >= r.t0 + r.p.rt_window) {
                uint64_t end = (uint64_t)floor((rt_max - r.t0 - r.p.rt_window) / r.p.rt_stride) + 1;
                rc = emit_heatmap(&r, end);
            }
        }
        seen += v.n_records;
        lv_batch_destroy(b);
        progress_show(&pr, seen, r.out.written, 0);
    }
    if (rc == 0 && r.p.mode == LV_FRAMES_HEATMAP && have_t0 && rt_max >= r.t0)
        rc = emit_heatmap(&r, (uint64_t)floor((rt_max - r.t0) / r.p.rt_stride) + 1);
    if (rc == 0 && r.out.video) {
        st = lv_video_finish(r.out.video);
        if (st != LV_OK) rc = cli_fail("frames", r.out.video_path, st);
    }
    progress_show(&pr, seen, r.out.written, 1);
    if (rc == 0) {
        fprintf(stderr, "lavoisier frames: %llu frames of %ux%u written to %s (backend %s)\n",
                (unsigned long long)r.out.written, r.p.width, r.p.height,
                r.out.video_path ? r.out.video_path : r.out.dir, lv_context_backend_name(r.ctx));
        if (late)
            fprintf(stderr,
                    "lavoisier frames: %llu spectra earlier than the frames still to come (RT "
                    "not ascending) were left out\n",
                    (unsigned long long)late);
        if (r.out.written == 0 && r.out.video_path)
            fprintf(stderr, "lavoisier frames: no spectrum selected, no video written\n");
    }
    lv_video_close(r.out.video);
    free(r.buf);
    free(r.q.offsets);
    free(r.q.mz);
    free(r.q.rt);
    free(r.q.intensity);
    lv_reader_close(reader);
    lv_context_destroy(r.ctx);
    return rc;
}
