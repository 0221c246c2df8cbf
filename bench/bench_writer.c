/* bench_writer.c - mzML writer throughput against its bound, on a simulated file.
 *
 *   bench_writer [FILE [MB]]   FILE is simulated first (default $TMPDIR/bench_writer.mzML,
 *                              MB = 200) unless it exists.
 *
 * Every spectrum is read once into memory and a processed version of each batch is built (every
 * spectrum "processed": every other point kept, as a centroider shrinks profile data), so the
 * timed runs measure the writer alone:
 *   copy      lv_writer_finish with no batches: every record copied, new index and SHA-1;
 *   processed every spectrum rewritten: base64 + zlib of its arrays in parallel, markup edits,
 *             then the serial emission (copy, SHA-1, write()).
 * each with 1 and 2 threads, 5 runs, median printed (MB/s = output bytes / wall time).
 *
 * Bounds, measured in the same run on one core:
 *   encode    zlib (the writer's encoder) + base64 of the same processed arrays: the per-record
 *             work that the writer spreads over its threads;
 *   sha1      SHA-1 over a buffer as large as the output: the serial part no thread count
 *             removes (the fileChecksum covers every byte in order). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/base64.h"
#include "io/batch.h"
#include "io/sha1.h"
#include "lavoisier.h"
#include "sim/sim_deflate.h"

#define RUNS 5

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static uint64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        if ((call) != LV_OK) {                                                                     \
            fprintf(stderr, "%s failed: %s\n", #call, lv_last_error());                            \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* A processed copy of b: every other point of every spectrum, representation centroid. */
static lv_batch *halve(const lv_batch *b)
{
    uint64_t points = 0;
    for (uint64_t r = 0; r < b->n; r++)
        points += (b->offsets[r + 1] - b->offsets[r] + 1) / 2;
    lv_batch *p;
    CHECK(lv_batch_alloc(NULL, LV_RECORD_SPECTRUM, b->n, points, b->id_offsets[b->n], &p));
    memcpy(p->id_arena, b->id_arena, b->id_offsets[b->n]);
    uint64_t pos = 0;
    for (uint64_t r = 0; r < b->n; r++) {
        p->index[r] = b->index[r];
        p->id_offsets[r] = b->id_offsets[r];
        p->ms_level[r] = b->ms_level[r];
        p->representation[r] = LV_REPR_CENTROID;
        p->processed[r] = 1;
        p->offsets[r] = pos;
        for (uint64_t j = b->offsets[r]; j < b->offsets[r + 1]; j += 2) {
            p->mz[pos] = b->mz[j];
            p->intensity[pos] = b->intensity[j];
            pos++;
        }
    }
    p->offsets[b->n] = pos;
    p->id_offsets[b->n] = b->id_offsets[b->n];
    return p;
}

/* One core: zlib + base64 of every processed array.  Returns base64 bytes produced. */
static uint64_t encode_bound(lv_batch **batches, size_t n, double *seconds)
{
    size_t cap = 1 << 20;
    uint8_t *z = malloc(sim_zlib_bound(cap));
    char *b64 = malloc(lv_base64_encoded_size(sim_zlib_bound(cap)));
    uint64_t out = 0;
    double t0 = now();
    for (size_t k = 0; k < n; k++) {
        const lv_batch *b = batches[k];
        for (uint64_t r = 0; r < b->n; r++) {
            uint64_t lo = b->offsets[r], m = b->offsets[r + 1] - lo;
            const void *arrays[2] = {b->mz + lo, b->intensity + lo};
            size_t bytes[2] = {m * 8, m * 4};
            for (int a = 0; a < 2; a++) {
                if (bytes[a] > cap) {
                    cap = bytes[a];
                    z = realloc(z, sim_zlib_bound(cap));
                    b64 = realloc(b64, lv_base64_encoded_size(sim_zlib_bound(cap)));
                }
                size_t zl = sim_zlib_compress(arrays[a], bytes[a], z);
                out += lv_base64_encode(z, zl, b64);
            }
        }
    }
    *seconds = now() - t0;
    free(z);
    free(b64);
    return out;
}

static double sha1_bound(uint64_t bytes)
{
    size_t chunk = 8u << 20;
    uint8_t *buf = malloc(chunk);
    for (size_t i = 0; i < chunk; i++)
        buf[i] = (uint8_t)(i * 2654435761u >> 13);
    lv_sha1 s;
    lv_sha1_init(&s);
    double t0 = now();
    for (uint64_t done = 0; done < bytes; done += chunk)
        lv_sha1_update(&s, buf, chunk);
    char hex[41];
    lv_sha1_final_hex(&s, hex);
    double t = now() - t0;
    free(buf);
    return (double)bytes / t / 1e6;
}

static double timed_write(const char *src, const char *out, uint32_t threads, lv_batch **batches,
                          size_t n)
{
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    cp.n_threads = threads;
    lv_context *ctx;
    CHECK(lv_context_create(&cp, &ctx));
    lv_reader *r;
    CHECK(lv_reader_open(src, NULL, &r));
    lv_writer_params wp;
    lv_writer_params_init(&wp);
    wp.context = ctx;
    wp.peak_picking = 1;
    wp.processing = "bench_writer";
    double t0 = now();
    lv_writer *w;
    CHECK(lv_writer_open(out, r, &wp, &w));
    for (size_t k = 0; k < n; k++)
        CHECK(lv_writer_write(w, batches[k]));
    CHECK(lv_writer_finish(w));
    lv_writer_close(w);
    double t = now() - t0;
    lv_reader_close(r);
    lv_context_destroy(ctx);
    return t;
}

int main(int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    char def[512], out[600];
    snprintf(def, sizeof def, "%s/bench_writer.mzML", tmp && *tmp ? tmp : "/tmp");
    const char *src = argc > 1 ? argv[1] : def;
    uint64_t mb = argc > 2 ? strtoull(argv[2], NULL, 10) : 200;
    snprintf(out, sizeof out, "%s.out.mzML", src);
    if (file_size(src) == 0) {
        lv_simulate_params sp;
        lv_simulate_params_init(&sp);
        sp.target_bytes = mb << 20;
        CHECK(lv_simulate(src, &sp));
    }
    printf("source %s: %.1f MB\n", src, (double)file_size(src) / 1e6);

    lv_reader *r;
    CHECK(lv_reader_open(src, NULL, &r));
    size_t n = 0, cap = 64;
    lv_batch **batches = malloc(cap * sizeof *batches);
    for (;;) {
        lv_batch *b;
        CHECK(lv_reader_next(r, &b));
        if (!b) break;
        if (n == cap) batches = realloc(batches, (cap *= 2) * sizeof *batches);
        batches[n++] = halve(b);
        lv_batch_destroy(b);
    }
    lv_reader_close(r);

    double enc_s[RUNS];
    uint64_t enc_bytes = 0;
    for (int k = 0; k < RUNS; k++)
        enc_bytes = encode_bound(batches, n, &enc_s[k]);
    double enc = (double)enc_bytes / median(enc_s, RUNS) / 1e6;

    const char *modes[2] = {"copy", "processed"};
    double results[2][3];
    uint64_t out_bytes[2] = {0, 0};
    for (int m = 0; m < 2; m++)
        for (uint32_t th = 1; th <= 2; th++) {
            double t[RUNS];
            for (int k = 0; k < RUNS; k++)
                t[k] = timed_write(src, out, th, batches, m ? n : 0);
            out_bytes[m] = file_size(out);
            results[m][th] = (double)out_bytes[m] / median(t, RUNS) / 1e6;
        }
    double sha = sha1_bound(out_bytes[0]);
    printf("bound encode (zlib + base64, 1 core): %.0f MB/s of base64 (%.1f MB)\n", enc,
           (double)enc_bytes / 1e6);
    printf("bound sha1 (serial, 1 core):          %.0f MB/s\n", sha);
    for (int m = 0; m < 2; m++)
        printf("writer %-9s output %7.1f MB: 1 thread %6.0f MB/s, 2 threads %6.0f MB/s "
               "(medians of %d)\n",
               modes[m], (double)out_bytes[m] / 1e6, results[m][1], results[m][2], RUNS);
    printf("processed, 1 thread / encode bound: %.2f; 2 threads / encode bound: %.2f\n",
           results[1][1] / enc, results[1][2] / enc);
    unlink(out);
    for (size_t k = 0; k < n; k++)
        lv_batch_destroy(batches[k]);
    free(batches);
    return 0;
}
